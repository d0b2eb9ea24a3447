import Foundation
import Testing
@testable import LichengLog
import TestSupport

/// `verify` checks the records of a segment in windows of blocks on every core while
/// the next window is walked; these tests make a segment of several windows and check
/// that the first damage in the file is the one reported, wherever the windows fall.
@Suite struct VerifyWindowTests {
    /// One sealed segment of ~1,500 blocks (three windows) and an active one.
    func buildManyBlocks(_ path: String) throws -> (options: LogOptions, sealed: String) {
        let options = LogOptions(segmentTargetBytes: 64 << 10, blockTargetBytes: 128)
        let log = try Log.create(at: path, options: options)
        _ = try log.append(makeRecords(3000, payloadBytes: 40))  // two records a block
        _ = try log.append(makeRecords(100, from: 3000, payloadBytes: 40))  // in the next segment
        log.close()
        return (options, segmentFiles(path)[0])
    }

    func verifyError(_ path: String, _ options: LogOptions) throws -> LogError? {
        let log = try Log.open(at: path, mode: .read, options: options)
        do { _ = try log.verify() } catch { return error }
        return nil
    }

    /// Flips a bit of the block header at `offset` (its checksum no longer matches).
    func damageHeader(_ path: String, at offset: Int) {
        var bytes = readFileBytes(path)
        bytes[offset + 20] ^= 0x01
        writeFileBytes(path, bytes)
    }

    @Test func aSegmentOfSeveralWindowsVerifiesWhole() throws {
        let dir = TemporaryDirectory("windows"); defer { dir.remove() }
        let store = dir.sub("s")
        let (options, sealed) = try buildManyBlocks(store)
        let blocks = SegmentSurgery(path: sealed).blocks.count
        #expect(blocks > 1100, "the segment must span three windows of 512 blocks")
        let log = try Log.open(at: store, mode: .read, options: options)
        let report = try log.verify()
        #expect(report.records == 3100)
        #expect(report.chainHead == log.chainHead)
        #expect(report.sealedSegments >= 1)
        var walked: [Int64] = []
        _ = try log.verify(progress: { walked.append($0.done) })
        #expect(UInt64(walked.count) == report.blocks)
        #expect(walked == walked.sorted(), "progress is reported in block order")
    }

    @Test(arguments: [100, 700, 1300])
    func anEditedRecordInAnyWindowFailsTheChainAtItsBlock(_ block: Int) throws {
        let dir = TemporaryDirectory("windows-edit"); defer { dir.remove() }
        let store = dir.sub("s")
        let (options, sealed) = try buildManyBlocks(store)
        var surgery = SegmentSurgery(path: sealed)
        surgery.blocks[block].records[0].payload[0] ^= 0x20
        writeFileBytes(sealed, surgery.encode())
        let damaged = SegmentSurgery(path: sealed).blocks[block]
        let seqs = damaged.records.map(\.seq)
        #expect(try verifyError(store, options) == .chainMismatch(segment: (sealed as NSString).lastPathComponent,
                                                                   offset: Int64(damaged.offset), firstSeq: seqs.first!, lastSeq: seqs.last!))
    }

    /// Two damages: the one earlier in the file is reported, whether it is found by the walk
    /// (a header checksum) or by the record check of an earlier window (the chain).
    @Test(arguments: [(chainAt: 600, headerAt: 900), (chainAt: 1300, headerAt: 900), (chainAt: 300, headerAt: 200),
                      (chainAt: 1000, headerAt: 1001)])
    func theFirstDamageInTheFileIsReported(_ damage: (chainAt: Int, headerAt: Int)) throws {
        let dir = TemporaryDirectory("windows-two"); defer { dir.remove() }
        let store = dir.sub("s")
        let (options, sealed) = try buildManyBlocks(store)
        var surgery = SegmentSurgery(path: sealed)
        surgery.blocks[damage.chainAt].records[0].payload[0] ^= 0x20
        writeFileBytes(sealed, surgery.encode())
        let laidOut = SegmentSurgery(path: sealed).blocks
        damageHeader(sealed, at: laidOut[damage.headerAt].offset)
        let error = try verifyError(store, options)
        let name = (sealed as NSString).lastPathComponent
        if damage.chainAt < damage.headerAt {
            let seqs = laidOut[damage.chainAt].records.map(\.seq)
            #expect(error == .chainMismatch(segment: name, offset: Int64(laidOut[damage.chainAt].offset),
                                            firstSeq: seqs.first!, lastSeq: seqs.last!))
        } else {
            guard case .corrupt(let segment, let offset, _)? = error else {
                Issue.record("expected damage of the block header, got \(String(describing: error))")
                return
            }
            #expect(segment == name)
            #expect(offset == Int64(laidOut[damage.headerAt].offset))
        }
    }
}
