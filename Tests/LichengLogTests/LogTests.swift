import Foundation
import Testing
import TestSupport
@testable import LichengLog

/// Records with distinct, checkable payloads; keys cycle over `keys` students.
func makeRecords(_ count: Int, from start: Int = 0, keys: Int = 7, time: Int64 = 1_700_000_000_000_000,
                 payloadBytes: Int = 200) -> [RecordInput] {
    (start..<(start + count)).map { i in
        var payload = Array("record \(i) ".utf8)
        while payload.count < payloadBytes { payload.append(UInt8(truncatingIfNeeded: i &* 31 &+ payload.count)) }
        return RecordInput(timestamp: time + Int64(i) * 1000, key: i % 5 == 4 ? nil : "S\(i % keys)", payload: payload)
    }
}

func segmentFiles(_ store: String) -> [String] {
    (try! FileManager.default.contentsOfDirectory(atPath: store + "/segments")).filter { $0.hasSuffix(".lseg") }.sorted()
        .map { store + "/segments/" + $0 }
}

@Suite struct LogRoundTripTests {
    @Test func emptyOneManyAndLargeRecordsRoundTrip() throws {
        let dir = TemporaryDirectory("roundtrip"); defer { dir.remove() }
        let store = dir.sub("store")
        let large = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
        var written: [RecordInput] = [RecordInput(timestamp: 10, key: nil, payload: [])]
        written.append(RecordInput(timestamp: 11, key: "S1120001", payload: Array("one".utf8)))
        written += makeRecords(5000, time: 12)
        written.append(RecordInput(timestamp: 1_800_000_000_000_000, key: "big", payload: large))
        do {
            let log = try Log.create(at: store)
            #expect(log.lastSeq == 0)
            #expect(try log.append([written[0]]) == 1...1)
            #expect(try log.append([written[1]]) == 2...2)
            #expect(try log.append(Array(written[2..<5002])) == 3...5002)
            #expect(try log.append([written[5002]]) == 5003...5003)
            let back = try log.read(1...5003)
            #expect(back.map { RecordInput(timestamp: $0.timestamp, key: $0.key, payload: $0.payload) } == written)
            #expect(back.map(\.seq) == Array(1...5003))
        }
        let reopened = try Log.open(at: store, mode: .read)
        #expect(reopened.lastSeq == 5003)
        #expect(try reopened.record(5003).payload == large)
        #expect(try reopened.record(1).payload == [])
        #expect(try reopened.record(2).key == "S1120001")
        let report = try reopened.verify()
        #expect(report.records == 5003)
        #expect(report.lastSeq == 5003)
    }

    @Test func forEachStartsAnywhereAndStops() throws {
        let dir = TemporaryDirectory("iterate"); defer { dir.remove() }
        let log = try Log.create(at: dir.sub("s"), options: LogOptions(segmentTargetBytes: 64 << 10, blockTargetBytes: 4096))
        for b in 0..<20 { try log.append(makeRecords(100, from: b * 100)) }
        for start in [UInt64(1), 2, 99, 100, 101, 777, 1999, 2000] {
            var seen: [UInt64] = []
            try log.forEach(from: start) { seen.append($0.seq); return seen.count < 50 }
            #expect(seen == Array(start...min(2000, start + 49)))
        }
        #expect(try log.read(1990...5000).count == 11)
        #expect(throws: LogError.seqOutOfRange(seq: 2001, lastSeq: 2000)) { try log.record(2001) }
    }

    @Test func emptyBatchAndBadRecordsAreRefusedWithoutWriting() throws {
        let dir = TemporaryDirectory("invalid"); defer { dir.remove() }
        let log = try Log.create(at: dir.sub("s"))
        try log.append(makeRecords(3))
        let size = try FileManager.default.attributesOfItem(atPath: segmentFiles(dir.sub("s"))[0])[.size] as! Int
        #expect(throws: LogError.invalidRecord(index: 0, reason: "the batch is empty")) { try log.append([]) }
        let longKey = String(repeating: "k", count: Format.maxKeyLength + 1)
        var batch = makeRecords(5, from: 3)
        batch[2].key = longKey
        #expect(throws: LogError.self) { try log.append(batch) }
        var backwards = makeRecords(2, from: 10)
        backwards[1].timestamp = backwards[0].timestamp - 1
        #expect(throws: LogError.self) { try log.append(backwards) }
        #expect(throws: LogError.self) { try log.append([RecordInput(timestamp: 0, payload: [1])]) }
        #expect(log.lastSeq == 3)
        #expect(try FileManager.default.attributesOfItem(atPath: segmentFiles(dir.sub("s"))[0])[.size] as! Int == size)
    }

    @Test func segmentsRollAndSealedSegmentsCarryFooters() throws {
        let dir = TemporaryDirectory("roll"); defer { dir.remove() }
        let store = dir.sub("s")
        let options = LogOptions(segmentTargetBytes: 32 << 10, blockTargetBytes: 4096)
        do {
            let log = try Log.create(at: store, options: options)
            for b in 0..<30 { try log.append(makeRecords(100, from: b * 100)) }
            let infos = log.segmentInfos
            #expect(infos.count > 3)
            #expect(infos.dropLast().allSatisfy { $0.sealed })
            #expect(!infos.last!.sealed)
            for (a, b) in zip(infos, infos.dropFirst()) { #expect(b.firstSeq == a.lastSeq + 1) }
            for path in segmentFiles(store).dropLast() {
                let bytes = readFileBytes(path)
                let footer = SegmentFooter.parse(Array(bytes[(bytes.count - Format.footerLength)...]))
                #expect(footer != nil)
                #expect(footer?.bodyDigest == Hash.sha256(Array(bytes[0..<(bytes.count - Format.footerLength)])))
            }
        }
        let log = try Log.open(at: store, options: options)
        #expect(log.lastSeq == 3000)
        try log.append(makeRecords(10, from: 3000))
        #expect(try log.verify().records == 3010)
        #expect(try log.read(1...3010).map(\.seq) == Array(1...3010))
    }

    @Test func sealedSegmentFilesNeverChangeAfterSealing() throws {
        let dir = TemporaryDirectory("immutable"); defer { dir.remove() }
        let store = dir.sub("s")
        let log = try Log.create(at: store, options: LogOptions(segmentTargetBytes: 16 << 10, blockTargetBytes: 2048))
        for b in 0..<10 { try log.append(makeRecords(50, from: b * 50)) }
        let sealed = segmentFiles(store).dropLast().map { ($0, readFileBytes($0)) }
        for b in 10..<20 { try log.append(makeRecords(50, from: b * 50)) }
        for (path, bytes) in sealed { #expect(readFileBytes(path) == bytes) }
    }

    @Test func groupCommitGivesGaplessSeqsAndSharesFsyncs() throws {
        let dir = TemporaryDirectory("group"); defer { dir.remove() }
        let counter = SyncCounter()
        let log = try Log.create(at: dir.sub("s"), options: LogOptions(faults: counter))
        let threads = 8, perThread = 60
        let ranges = LockedArray<ClosedRange<UInt64>>()
        let before = counter.syncs
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for i in 0..<perThread {
                let r = try! log.append([RecordInput(timestamp: 1_700_000_000_000_000, key: "T\(t)", payload: Array("t\(t) i\(i)".utf8)),
                                         RecordInput(timestamp: 1_700_000_000_000_000, key: "T\(t)", payload: Array("t\(t) i\(i) b".utf8))])
                ranges.append(r)
            }
        }
        let all = ranges.values.sorted { $0.lowerBound < $1.lowerBound }
        #expect(all.count == threads * perThread)
        #expect(all.first?.lowerBound == 1)
        for (a, b) in zip(all, all.dropFirst()) { #expect(b.lowerBound == a.upperBound + 1) }
        #expect(log.lastSeq == UInt64(threads * perThread * 2))
        // Each batch's two records stay together and in order.
        for r in all {
            let records = try log.read(r)
            #expect(String(decoding: records[1].payload, as: UTF8.self) == String(decoding: records[0].payload, as: UTF8.self) + " b")
        }
        let syncs = counter.syncs - before
        #expect(syncs <= threads * perThread)
        #expect(try log.verify().records == UInt64(threads * perThread * 2))
    }
}

@Suite struct PartialBlockReadTests {
    /// Reading chosen seqs decodes each block only up to about the last wanted record, estimated
    /// from its place among the block's records; records of very different sizes (tiny ones
    /// first, large ones last, and the reverse) make the estimate fall short or overshoot. Every
    /// subset must read exactly what a whole read gives, and each record once.
    @Test func chosenSeqsReadTheSameAsAWholeReadWhateverTheRecordSizes() throws {
        let dir = TemporaryDirectory("partial-blocks"); defer { dir.remove() }
        let log = try Log.create(at: dir.sub("store"), options: LogOptions(blockTargetBytes: 16 << 10))
        var random = SeededGenerator(seed: 11)
        for batch in 0..<12 {
            let records = (0..<150).map { i -> RecordInput in
                let n = batch * 150 + i
                // Within each batch (a block or more): sizes rise steeply, or fall.
                let size = batch % 2 == 0 ? 8 + (i * i) / 4 : 8 + ((149 - i) * (149 - i)) / 4
                var payload = Array("r\(n) ".utf8)
                while payload.count < size { payload.append(UInt8.random(in: 0...255, using: &random)) }
                return RecordInput(timestamp: 1_700_000_000_000_000 + Int64(n), key: "K\(n % 3)", payload: payload)
            }
            try log.append(records)
        }
        let all = try log.read(1...log.lastSeq)
        for trial in 0..<300 {
            var wanted: [UInt64] = []
            let density = [0.002, 0.01, 0.05, 0.3][trial % 4]
            for seq in 1...log.lastSeq where Double.random(in: 0..<1, using: &random) < density { wanted.append(seq) }
            if trial % 50 == 0 { wanted = [log.lastSeq] }
            var read: [Record] = []
            try log.forEach(seqs: wanted) { read.append(Record($0)) }
            #expect(read.map(\.seq) == wanted, "trial \(trial)")
            #expect(read == wanted.map { all[Int($0) - 1] }, "trial \(trial)")
        }
        // Out of order or repeated, they are read in order, once each.
        var read: [UInt64] = []
        try log.forEach(seqs: [900, 2, 2, 1800, 151]) { read.append($0.seq) }
        #expect(read == [2, 151, 900, 1800])
        log.close()
    }
}

@Suite struct LogIndexTests {
    @Test func keysTimesAndSeqsAreFoundAcrossSegments() throws {
        let dir = TemporaryDirectory("keys"); defer { dir.remove() }
        let options = LogOptions(segmentTargetBytes: 24 << 10, blockTargetBytes: 2048, indexRefreshBytes: 8 << 10)
        let log = try Log.create(at: dir.sub("s"), options: options)
        let records = makeRecords(2000)
        for chunk in stride(from: 0, to: 2000, by: 40) { try log.append(Array(records[chunk..<(chunk + 40)])) }
        var expected: [UInt64] = []
        for i in 0..<2000 where i % 5 != 4 && i % 7 == 3 { expected.append(UInt64(i + 1)) }
        #expect(try log.seqs(forKey: "S3") == expected)
        #expect(try log.seqs(forKey: "S3", through: 1000) == expected.filter { $0 <= 1000 })
        #expect(try log.seqs(forKey: "nobody") == [])
        #expect(try log.records(forKey: "S3").map(\.seq) == expected)
        let t = records[1234].timestamp
        #expect(try log.firstSeq(atOrAfter: t) == 1235)
        #expect(try log.firstSeq(atOrAfter: t - 1) == 1235)
        #expect(try log.firstSeq(atOrAfter: t + 1) == 1236)
        #expect(try log.firstSeq(atOrAfter: 0) == 1)
        #expect(try log.firstSeq(atOrAfter: records.last!.timestamp + 1) == nil)
        #expect(try log.lastSeq(atOrBefore: t) == 1235)
    }

    @Test func deletedIndexesAreRebuiltWithTheSameAnswers() throws {
        let dir = TemporaryDirectory("reindex"); defer { dir.remove() }
        let store = dir.sub("s")
        let options = LogOptions(segmentTargetBytes: 24 << 10, blockTargetBytes: 2048, indexRefreshBytes: 8 << 10)
        func answers(_ log: Log) throws -> [[UInt64]] {
            var out: [[UInt64]] = []
            for k in 0..<7 { out.append(try log.seqs(forKey: "S\(k)")) }
            let t: Int64 = 1_700_000_000_000_000 + 777_000
            out.append([try log.firstSeq(atOrAfter: t) ?? 0])
            out.append(try log.read(1...1500).map(\.seq))
            return out
        }
        var before: [[UInt64]] = []
        do {
            let log = try Log.create(at: store, options: options)
            for chunk in stride(from: 0, to: 1500, by: 30) { try log.append(makeRecords(30, from: chunk)) }
            before = try answers(log)
        }
        let indexDir = store + "/index"
        let indexFiles = try FileManager.default.contentsOfDirectory(atPath: indexDir)
        #expect(!indexFiles.isEmpty)
        try FileManager.default.removeItem(atPath: indexDir)
        do {
            let log = try Log.open(at: store, options: options)
            #expect(try answers(log) == before)
        }
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: indexDir)) == Set(indexFiles))
        // A damaged index file is noticed and rebuilt too.
        let damaged = indexDir + "/" + indexFiles.sorted()[0]
        var bytes = readFileBytes(damaged)
        bytes[bytes.count - 3] ^= 0xFF
        writeFileBytes(damaged, bytes)
        let log = try Log.open(at: store, mode: .read, options: options)
        #expect(try answers(log) == before)
    }
}

@Suite struct LogConcurrencyTests {
    @Test func secondWriterIsRefusedNamingTheHolder() throws {
        let dir = TemporaryDirectory("lock"); defer { dir.remove() }
        let store = dir.sub("s")
        let first = try Log.create(at: store)
        #expect(throws: LogError.locked(store: store, holderPID: getpid())) { try Log.open(at: store) }
        // Readers are welcome alongside the writer.
        _ = try Log.open(at: store, mode: .read)
        first.close()
        _ = try Log.open(at: store)
    }

    @Test func readerSeesOnlyCommittedBatches() throws {
        let dir = TemporaryDirectory("committed"); defer { dir.remove() }
        let store = dir.sub("s")
        let log = try Log.create(at: store, options: LogOptions(blockTargetBytes: 1024))
        try log.append(makeRecords(10))
        let reader = try Log.open(at: store, mode: .read)
        #expect(reader.lastSeq == 10)
        try log.append(makeRecords(50, from: 10))
        #expect(reader.lastSeq == 10)
        try reader.refresh()
        #expect(reader.lastSeq == 60)
        // A batch half on disk (its last block missing) is invisible to readers.
        let copy = dir.sub("copy")
        try log.append(makeRecords(40, from: 60))
        try copyTree(store, copy)
        let segment = segmentFiles(copy).last!
        let surgery = SegmentSurgery(path: segment)
        let lastBatchBlocks = surgery.blocks.filter { $0.records.first!.seq > 60 }
        #expect(lastBatchBlocks.count > 1)
        let cut = lastBatchBlocks.last!.offset
        let truncated = Array(readFileBytes(segment)[0..<cut])
        writeFileBytes(segment, truncated)
        let partial = try Log.open(at: copy, mode: .read)
        #expect(partial.lastSeq == 60)
        #expect(try partial.read(1...100).count == 60)
        #expect(readFileBytes(segment) == truncated)  // a reader repairs nothing
    }

    @Test func concurrentReaderNeverSeesAGapOrAPartialBatch() throws {
        let dir = TemporaryDirectory("livereader"); defer { dir.remove() }
        let log = try Log.create(at: dir.sub("s"), options: LogOptions(segmentTargetBytes: 32 << 10, blockTargetBytes: 2048))
        let done = LockedArray<Bool>()
        let problems = LockedArray<String>()
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            if worker == 0 {
                for b in 0..<60 { _ = try! log.append(makeRecords(25, from: b * 25)) }
                done.append(true)
            } else {
                while done.values.isEmpty {
                    var expected: UInt64 = 1
                    let last = log.lastSeq
                    try! log.forEach(through: last) { r in
                        if r.seq != expected { problems.append("gap at \(expected)") }
                        expected += 1
                        return true
                    }
                    if (expected - 1) % 25 != 0 || expected - 1 != last { problems.append("saw \(expected - 1) of \(last)") }
                }
            }
        }
        #expect(problems.values.isEmpty)
    }
}

/// Counts fsyncs through the fault seam.
final class SyncCounter: FaultInjector, @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var syncs: Int { lock.lock(); defer { lock.unlock() }; return count }
    func beforeWrite(path: String, offset: Int64, count: Int) -> WriteFault? { nil }
    func beforeSync(path: String) -> Int32? { lock.lock(); count += 1; lock.unlock(); return nil }
    func reached(_ point: String) {}
}

final class LockedArray<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T] = []
    func append(_ item: T) { lock.lock(); items.append(item); lock.unlock() }
    var values: [T] { lock.lock(); defer { lock.unlock() }; return items }
}
