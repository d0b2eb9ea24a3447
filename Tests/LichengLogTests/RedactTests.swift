import Foundation
import Testing
import TestSupport
@testable import LichengLog

/// A store of several small segments (signed seals) whose records carry a
/// recognizable marker per key; returns the original records.
func makeRedactStore(_ store: String) throws -> [Record] {
    let options = LogOptions(segmentTargetBytes: 64 << 10, blockTargetBytes: 2048)
    let log = try Log.create(at: store, options: options)
    log.signer = try StoreKeys.create(store: store)
    var time: Int64 = 1_733_000_000_000_000
    var random = SeededGenerator(seed: 11)
    for batch in 0..<60 {
        let records = (0..<(batch % 7 + 3)).map { i -> RecordInput in
            time += 1
            let key = "K\((batch + i) % 5)"
            return RecordInput(timestamp: time, key: key, payload: Array("batch \(batch) record \(i) secret-of-\(key) 王小明 A123456789 ".utf8)
                               + (0..<(200 + batch * 7)).map { _ in UInt8.random(in: 0...255, using: &random) })
        }
        try log.append(records)
    }
    let all = try log.read(1...log.lastSeq)
    log.close()
    return all
}

func storeContains(_ store: String, _ needle: String) -> [String] {
    let bytes = Array(needle.utf8)
    var hits: [String] = []
    let e = FileManager.default.enumerator(atPath: store)!
    while let name = e.nextObject() as? String {
        let data = readFileBytes(store + "/" + name)
        if data.count >= bytes.count, data.indices.dropLast(bytes.count - 1).contains(where: { data[$0] == bytes[0] && Array(data[$0..<($0 + bytes.count)]) == bytes }) {
            hits.append(name)
        }
    }
    return hits
}

@Suite struct RedactTests {
    @Test func redactingAKeyKeepsTheChainAndSignaturesAndRemovesThePayloads() throws {
        let dir = TemporaryDirectory("redact"); defer { dir.remove() }
        let store = dir.sub("s")
        let original = try makeRedactStore(store)
        let options = LogOptions(segmentTargetBytes: 64 << 10, blockTargetBytes: 2048)
        let log = try Log.open(at: store, options: options)
        log.signer = try StoreKeys.loadPrivate(store: store)
        let before = try log.verify()
        #expect(before.sealedSegments >= 2)
        #expect(!storeContains(store, "secret-of-K2").isEmpty, "the byte search must see the marker before the purge")
        let targets = Set(try log.seqs(forKey: "K2"))
        #expect(!targets.isEmpty)
        let report = try log.redact(seqs: targets)
        #expect(report.redacted == targets.count)
        #expect(report.segments.count == before.segments)
        let after = try log.verify()
        #expect(after.chainHead == before.chainHead)
        #expect(after.redactedRecords == UInt64(targets.count))
        #expect(after.signedSegments == before.signedSegments)
        // Redacted records read back with their digest and their key; the others unchanged.
        let back = try log.read(1...log.lastSeq)
        for (a, b) in zip(original, back) {
            if targets.contains(a.seq) {
                #expect(b.isRedacted && b.payload.isEmpty && b.key == "K2")
            } else {
                #expect(b == a)
            }
        }
        #expect(try log.seqs(forKey: "K2") == targets.sorted())
        #expect(after.redacted == ["K2": targets.sorted()])
        #expect(try log.seqs(forKey: "K3") == original.filter { $0.key == "K3" }.map(\.seq))
        // Redacting again changes nothing; the log goes on.
        #expect(try log.redact(seqs: targets).redacted == 0)
        try log.append([RecordInput(timestamp: 1_800_000_000_000_000, key: "K2", payload: Array("later".utf8))])
        log.close()
        let reopened = try Log.open(at: store, mode: .read)
        #expect(try reopened.verify().chainHead == reopened.chainHead)
        #expect(storeContains(store, "secret-of-K2").isEmpty)
        // (Payloads of other keys are still readable through the log; blocks are LZ4-compressed,
        // so the raw byte search above is complemented by the read-back check.)
    }

    /// The rewrite is killed (a real child process, `_exit`) at each of its steps, in the
    /// first or a later segment; the store then opens, verifies with the same chain head,
    /// and every record is either the original or its redaction. Running the purge again
    /// completes it.
    @Test(arguments: ["redact.temp-written", "redact.temp-synced", "redact.index-removed", "redact.renamed", "redact.synced"])
    func crashDuringTheRewriteLeavesOldOrNewSegment(_ point: String) throws {
        for hit in [1, 2] {
            let dir = TemporaryDirectory("redactcrash"); defer { dir.remove() }
            let store = dir.sub("s")
            let original = try makeRedactStore(store)
            let head = try Log.open(at: store, mode: .read).chainHead
            let r = try run(CrashTests.logdemo, ["redact", store, "K1"], environment: ["LICHENG_CRASH_AT": "\(point):\(hit)"])
            #expect(r.status == 9, "the rewrite did not reach \(point) #\(hit): \(r.stderr)")
            let log = try Log.open(at: store, options: LogOptions(segmentTargetBytes: 64 << 10, blockTargetBytes: 2048))
            #expect(try log.verify().chainHead == head)
            #expect(log.chainHead == head)
            let names = try FileManager.default.contentsOfDirectory(atPath: store + "/segments")
            #expect(!names.contains { $0.contains(".tmp.") }, "a temporary file was left: \(names)")
            var redacted = 0
            for (a, b) in zip(original, try log.read(1...log.lastSeq)) {
                if b.isRedacted { redacted += 1; #expect(a.key == "K1") } else { #expect(a == b) }
            }
            #expect(redacted > 0 || point != "redact.renamed")
            log.close()
            let done = try run(CrashTests.logdemo, ["redact", store, "K1"])
            #expect(done.status == 0, "\(done.stderr)")
            let final = try Log.open(at: store, mode: .read)
            #expect(try final.verify().chainHead == head)
            #expect(storeContains(store, "secret-of-K1").isEmpty)
            #expect(try final.read(1...final.lastSeq).filter { $0.isRedacted }.count == original.filter { $0.key == "K1" }.count)
        }
    }
}
