import Foundation
import Testing
@testable import LichengLog
import TestSupport

/// The active segment's index is refreshed on a background queue while appends go on:
/// every lookup must see every committed record, whether it is in the index, in the
/// tail, or in a tail being folded into the index at that moment.
@Suite struct IndexRefreshTests {
    @Test func lookupsSeeEveryRecordWhileTheIndexIsRefreshedBehindTheAppends() throws {
        let dir = TemporaryDirectory("refresh"); defer { dir.remove() }
        let store = dir.sub("s")
        let options = LogOptions(segmentTargetBytes: 64 << 20, blockTargetBytes: 512, indexRefreshBytes: 2048)
        let log = try Log.create(at: store, options: options)
        var expected: [String: [UInt64]] = [:]
        for b in 0..<150 {
            let records = makeRecords(40, from: b * 40, payloadBytes: 60)
            let range = try log.append(records)
            for (i, r) in records.enumerated() { if let k = r.key { expected[k, default: []].append(range.lowerBound + UInt64(i)) } }
            let key = "S\(b % 7)"
            #expect(try log.seqs(forKey: key) == expected[key] ?? [], "after batch \(b)")
        }
        for (key, seqs) in expected { #expect(try log.seqs(forKey: key) == seqs) }
        log.close()
        #expect(FileManager.default.fileExists(atPath: store + "/index/" + (segmentFiles(store)[0] as NSString).lastPathComponent
                                                .replacingOccurrences(of: ".lseg", with: ".lidx")))
        let reopened = try Log.open(at: store, mode: .read, options: options)
        for (key, seqs) in expected { #expect(try reopened.seqs(forKey: key) == seqs) }
        #expect(try reopened.verify().records == 6000)
    }

    @Test func aSegmentSealedRightAfterARefreshHasAWholeIndex() throws {
        let dir = TemporaryDirectory("refresh-seal"); defer { dir.remove() }
        let store = dir.sub("s")
        let options = LogOptions(segmentTargetBytes: 24 << 10, blockTargetBytes: 512, indexRefreshBytes: 2048)
        let log = try Log.create(at: store, options: options)
        var expected: [String: [UInt64]] = [:]
        for b in 0..<60 {
            let records = makeRecords(30, from: b * 30, payloadBytes: 60)
            let range = try log.append(records)
            for (i, r) in records.enumerated() { if let k = r.key { expected[k, default: []].append(range.lowerBound + UInt64(i)) } }
        }
        #expect(log.segmentInfos.count > 3)
        log.close()
        let reopened = try Log.open(at: store, mode: .read, options: options)
        for (key, seqs) in expected { #expect(try reopened.seqs(forKey: key) == seqs) }
        // Each sealed segment's index file is the sealed one (not a refresh written after it).
        for path in segmentFiles(store).dropLast() {
            let name = (path as NSString).lastPathComponent.replacingOccurrences(of: ".lseg", with: ".lidx")
            let index = SegmentIndex.decode(readFileBytes(store + "/index/" + name))
            #expect(index?.sealed == true, "\(name)")
        }
    }

    /// The refresh holds the log; when the last reference goes away while it runs, the log
    /// closes on the refresh queue itself (it must not wait for its own queue).
    @Test func aLogReleasedWhileItsIndexIsRefreshedClosesCleanly() throws {
        let dir = TemporaryDirectory("refresh-release"); defer { dir.remove() }
        let options = LogOptions(blockTargetBytes: 512, indexRefreshBytes: 1024)
        for trial in 0..<20 {
            let store = dir.sub("s\(trial)")
            do {
                let log = try Log.create(at: store, options: options)
                _ = try log.append(makeRecords(200, payloadBytes: 60))  // leaves a refresh queued
            }
            let reopened = try Log.open(at: store, options: options)
            #expect(reopened.lastSeq == 200)
            #expect(try reopened.seqs(forKey: "S1").count == makeRecords(200).filter { $0.key == "S1" }.count)
            reopened.close()
        }
    }
}
