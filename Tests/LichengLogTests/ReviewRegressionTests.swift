import Foundation
import Testing
import TestSupport
@testable import LichengLog

/// Regressions for problems a code review found.
@Suite struct ReviewRegressionTests {
    /// A reader looking up keys while the writer rolls segments must never see a
    /// key's seqs shrink, repeat or go out of order, and the saved sealed indexes
    /// must hold each seq exactly once.
    @Test func keyLookupsDuringRollsStayExact() throws {
        let dir = TemporaryDirectory("rollrace"); defer { dir.remove() }
        let store = dir.sub("s")
        let options = LogOptions(segmentTargetBytes: 4096, blockTargetBytes: 512, indexRefreshBytes: 1500)
        let log = try Log.create(at: store, options: options)
        let total = 1500
        let problems = LockedArray<String>()
        let done = LockedArray<Bool>()
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            if worker == 0 {
                for i in 0..<total {
                    _ = try! log.append([RecordInput(timestamp: Int64(i), key: "S\(i % 5)", payload: Array("r\(i)".utf8))])
                }
                done.append(true)
            } else {
                var previous = [Int](repeating: 0, count: 5)
                while done.values.isEmpty {
                    for k in 0..<5 {
                        let seqs = (try? log.seqs(forKey: "S\(k)")) ?? []
                        if seqs.count < previous[k] { problems.append("S\(k) shrank \(previous[k]) -> \(seqs.count)") }
                        if zip(seqs, seqs.dropFirst()).contains(where: { $0 >= $1 }) { problems.append("S\(k) not ascending") }
                        previous[k] = seqs.count
                    }
                }
            }
        }
        #expect(problems.values.isEmpty, "\(problems.values.prefix(5))")
        log.close()
        let reopened = try Log.open(at: store, mode: .read, options: options)
        for k in 0..<5 {
            let expected = (0..<total).filter { $0 % 5 == k }.map { UInt64($0 + 1) }
            #expect(try reopened.seqs(forKey: "S\(k)") == expected)
        }
    }

    @Test func craftedIndexWithImpossibleOffsetsIsRebuiltNotTrusted() throws {
        let dir = TemporaryDirectory("craftedindex"); defer { dir.remove() }
        let store = dir.sub("s")
        let options = LogOptions(segmentTargetBytes: 4096, blockTargetBytes: 512)
        do {
            let log = try Log.create(at: store, options: options)
            for b in 0..<20 { try log.append(makeRecords(10, from: b * 10, payloadBytes: 40)) }
        }
        let indexFile = try FileManager.default.contentsOfDirectory(atPath: store + "/index").sorted()[0]
        let original = readFileBytes(store + "/index/" + indexFile)
        // Each edit is sealed again with valid checksums (chunks, chunk table, header), as an
        // attacker could: the index must still be rebuilt, never trusted, never trap.
        let edits: [(inout [UInt8]) -> Void] = [
            { $0.storeLE(UInt64(1) << 63, at: Format.indexHeaderLength) },  // first block's offset
            { $0.storeLE(UInt64.max, at: 48) },                               // total seqs (S)
            { $0.storeLE(UInt64(1) << 61, at: 48) },
        ]
        for edit in edits {
            var bytes = original
            edit(&bytes)
            Self.reseal(&bytes)
            writeFileBytes(store + "/index/" + indexFile, bytes)
            let log = try Log.open(at: store, mode: .read, options: options)
            #expect(try log.seqs(forKey: "S1").count == (0..<200).filter { $0 % 5 != 4 && $0 % 7 == 1 }.count)
            #expect(try log.read(1...200).count == 200)
        }
    }

    /// Recomputes an index file's chunk checksums, chunk-table checksum and header checksum.
    static func reseal(_ bytes: inout [UInt8]) {
        let h = Format.indexHeaderLength
        let length = Int(bytes.le(UInt64.self, at: 112)!)
        var table: [UInt8] = []
        var at = h
        while at < h + length {
            let end = min(at + Format.indexChunkLength, h + length)
            table.appendLE(bytes.withUnsafeBytes { Hash.xxh3(UnsafeRawBufferPointer(rebasing: $0[at..<end])) })
            at = end
        }
        bytes.replaceSubrange((h + length)..., with: table)
        bytes.storeLE(table.withUnsafeBytes { Hash.xxh3($0) }, at: 104)
        bytes.storeLE(Hash.xxh3(bytes, upTo: 120), at: 120)
    }

    @Test func craftedFooterWithAnImpossibleLastSeqIsRefused() throws {
        let dir = TemporaryDirectory("craftedfooter"); defer { dir.remove() }
        let store = dir.sub("s")
        let options = LogOptions(segmentTargetBytes: 4096, blockTargetBytes: 512)
        do {
            let log = try Log.create(at: store, options: options)
            for b in 0..<20 { try log.append(makeRecords(10, from: b * 10, payloadBytes: 40)) }
        }
        let first = segmentFiles(store)[0]
        var bytes = readFileBytes(first)
        let footer = bytes.count - Format.footerLength
        bytes.storeLE(UInt64.max, at: footer + 24)
        bytes.storeLE(Hash.xxh3(Array(bytes[footer...]), upTo: 184), at: footer + 184)
        writeFileBytes(first, bytes)
        #expect(throws: LogError.self) { try Log.open(at: store, mode: .read, options: options) }
    }
}
