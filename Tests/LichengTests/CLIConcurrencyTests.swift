import Foundation
import Testing
import LichengDomain
import TestSupport

/// Several `licheng` processes at once: the writer lock serialises
/// validate-then-append, so quotas hold and seqs stay gapless.
@Suite struct CLIConcurrencyTests {
    @Test func sixteenConcurrentFifteenthUploadsLetExactlyOneWin() throws {
        let cli = try CLI.school()
        defer { cli.dir.remove() }
        for i in 1...14 { _ = try cli.uploadOutcome(title: "作品 \(i)") }
        let before = try cli.lastSeq()
        let file = cli.write("race.pdf", "%PDF-1.4 race")
        let statuses = LockedStatuses()
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            let r = try! cli(["upload", "course-outcome", "--student", "S1", "--term", CLI.term.description, "--course", "C1",
                              "--title", "第十五件 \(i)", "--file", file], as: "S1")
            statuses.add(r.status, r.stderr)
        }
        #expect(statuses.values.filter { $0.0 == 0 }.count == 1)
        #expect(statuses.values.filter { $0.0 == 1 }.count == 15)
        #expect(statuses.values.filter { $0.0 == 1 }.allSatisfy { $0.1.contains("Rule 3 (quota)") })
        #expect(try cli.lastSeq() == before + 1)
    }

    /// 8 processes at once, each appending 1,000 events in 10 batches of 100.
    @Test func eightWritersAppendingAtOnceLeaveAGaplessLog() throws {
        let cli = try CLI.school()
        defer { cli.dir.remove() }
        let before = try cli.lastSeq()
        let batches = 10, perBatch = 100, writers = 8
        let statuses = LockedStatuses()
        DispatchQueue.concurrentPerform(iterations: writers) { w in
            for b in 0..<batches {
                let lines = (0..<perBatch).map { i in
                    #"{"type":"grade.recorded","actor":"A1","student":"S1","requestId":"w\#(w)-\#(b)-\#(i)","data":{"courseId":"C1","term":"\#(CLI.term)","score":\#(i),"credits":2}}"#
                }
                let file = cli.write("w\(w)-\(b).jsonl", lines.joined(separator: "\n") + "\n")
                let r = try! cli(["append", file], as: "A1")
                statuses.add(r.status, r.stderr)
            }
        }
        let total = writers * batches * perBatch
        #expect(statuses.values.allSatisfy { $0.0 == 0 }, "\(statuses.values.filter { $0.0 != 0 })")
        #expect(try cli.lastSeq() == before + Int64(total))
        // Every event is there exactly once, and each process's batch is contiguous.
        let audit = try cli.ok(["audit", "--type", "grade.recorded", "--json"], as: "A1").stdout
        var ids: [String] = []
        var seqsOfBatch: [String: [Int64]] = [:]
        for line in audit.split(separator: "\n") {
            guard let doc = try? JSONValue.parse(String(line)), let id = doc["requestId"]?.stringValue,
                  let seq = doc["seq"]?.intValue else { continue }
            ids.append(id)
            seqsOfBatch[String(id[..<id.lastIndex(of: "-")!]), default: []].append(seq)
        }
        #expect(Set(ids).count == total && ids.count == total)
        for (batch, seqs) in seqsOfBatch {
            #expect(seqs.max()! - seqs.min()! == Int64(perBatch - 1), "batch \(batch) is interleaved with another")
        }
        #expect(try cli.ok(["verify"]).status == 0)
    }
}

final class LockedStatuses: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [(Int32, String)] = []
    func add(_ status: Int32, _ stderr: String) { lock.lock(); items.append((status, stderr)); lock.unlock() }
    var values: [(Int32, String)] { lock.lock(); defer { lock.unlock() }; return items }
}
