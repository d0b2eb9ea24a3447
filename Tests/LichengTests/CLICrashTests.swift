import Foundation
import Testing
import Licheng
import LichengDomain
import TestSupport

/// `licheng` processes killed with SIGKILL at random moments while they append
/// (batches through `append`, uploads with files through `upload`), some retried
/// with the same request IDs. After every kill the store must hold each
/// acknowledged event exactly once, each killed batch wholly or not at all,
/// verify, and answer every projection exactly as a fresh replay of its log does
/// (no snapshots, no indexes).
@Suite struct CLICrashTests {
    /// Kills per run: `LICHENG_CRASH_KILLS` (default 6 for `make test`).
    static var kills: Int { Int(ProcessInfo.processInfo.environment["LICHENG_CRASH_KILLS"] ?? "") ?? 6 }
    static let students = ["S1", "S2", "S3", "S4"]

    /// One attempted write: the request IDs it carries (a batch) or the title it uploads.
    struct Attempt {
        var requestIds: [String] = []
        var uploadTitle: String?
        var acknowledged = false
    }

    @Test func killedCLIWritersLoseNothingAcknowledgedAndProjectionsEqualAFreshReplay() throws {
        let cli = try CLI.school()
        defer { cli.dir.remove() }
        for s in Self.students.dropFirst() {
            try cli.ok(["student", "enroll", s, "--name", "學生\(s)", "--class", "101", "--admitted", "2025-08-01"], as: "A1")
        }
        let pdf = cli.write("crash.pdf", "%PDF-1.4 crash test")
        var random = SeededGenerator(seed: 20261204)
        var attempts: [Attempt] = []
        var killedMidWrite = 0
        for round in 0..<Self.kills {
            // Some acknowledged work before the kill, so the store keeps growing
            // past the open-time snapshot threshold (kills then also hit snapshot writes).
            let size = Int.random(in: 100...600, using: &random)
            let batch = try Self.appendBatch(cli, name: "ok\(round)", size: size, random: &random)
            attempts.append(batch)
            #expect(batch.acknowledged, "round \(round): an uninterrupted append failed")

            // The victim: a batch or an upload, killed after a random delay.
            var victim: Attempt
            let arguments: [String]
            var uploader = "A1"
            if Bool.random(using: &random) {
                victim = Attempt()
                let title = "crash-\(round)-\(UUID().uuidString.prefix(8))"
                victim.uploadTitle = title
                uploader = Self.students[round % Self.students.count]
                arguments = ["upload", "course-outcome", "--student", uploader, "--term", CLI.term.description, "--course", "C1",
                             "--title", title, "--file", pdf]
            } else {
                let (file, ids) = Self.batchFile(cli, name: "kill\(round)", size: Int.random(in: 1...1200, using: &random), random: &random)
                victim = Attempt(requestIds: ids)
                arguments = ["append", file]
            }
            let delay = UInt32.random(in: 0...250_000, using: &random)
            let status = try Self.runKilled(cli, arguments, as: uploader, afterMicroseconds: delay)
            victim.acknowledged = status == 0
            if status == nil { killedMidWrite += 1 }
            // Half the killed batches are retried with the same request IDs, as a client would.
            if !victim.acknowledged, victim.uploadTitle == nil, Bool.random(using: &random) {
                let r = try cli(arguments, as: "A1")
                #expect(r.status == 0, "round \(round): the retry failed: \(r.stderr)")
                victim.acknowledged = r.status == 0
            }
            attempts.append(victim)
            try Self.check(cli, attempts, round: round, random: &random)
        }
        print("CLI crash test: \(Self.kills) rounds, \(killedMidWrite) processes killed before they finished, store at seq \(try cli.lastSeq())")
    }

    /// Writes a JSONL batch of grades with fresh request IDs.
    static func batchFile(_ cli: CLI, name: String, size: Int, random: inout SeededGenerator) -> (String, [String]) {
        var ids: [String] = []
        var lines: [String] = []
        for i in 0..<size {
            let id = "\(name)-\(i)"
            ids.append(id)
            let student = students[Int.random(in: 0..<students.count, using: &random)]
            lines.append(#"{"type":"grade.recorded","actor":"A1","student":"\#(student)","requestId":"\#(id)","data":{"courseId":"C1","term":"\#(CLI.term)","score":\#(Int.random(in: 0...100, using: &random)),"credits":2}}"#)
        }
        return (cli.write(name + ".jsonl", lines.joined(separator: "\n") + "\n"), ids)
    }

    static func appendBatch(_ cli: CLI, name: String, size: Int, random: inout SeededGenerator) throws -> Attempt {
        let (file, ids) = batchFile(cli, name: name, size: size, random: &random)
        return Attempt(requestIds: ids, acknowledged: try cli(["append", file], as: "A1").status == 0)
    }

    /// Runs `licheng` and SIGKILLs it after `delay` µs unless it finished first.
    /// Returns its exit status, or nil when it was killed.
    static func runKilled(_ cli: CLI, _ args: [String], as actor: String, afterMicroseconds delay: UInt32) throws -> Int32? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["--store", cli.store, "--as", actor] + args
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": cli.dir.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        usleep(delay)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return process.terminationReason == .exit ? process.terminationStatus : nil
    }

    /// The store after a kill: whole batches only, acknowledged ones exactly once,
    /// verified, and the same answers as a fresh replay.
    static func check(_ cli: CLI, _ attempts: [Attempt], round: Int, random: inout SeededGenerator) throws {
        let verify = try cli(["verify"])
        #expect(verify.status == 0, "round \(round): verify failed: \(verify.stderr)")

        var seen: [String: Int] = [:]
        var titles: [String: Int] = [:]
        let engine = try Engine.open(at: cli.store, mode: .read)
        try engine.forEachEvent { e in
            if let id = e.requestId { seen[id, default: 0] += 1 }
            if case .courseOutcomeUploaded(let u) = e.body { titles[u.title, default: 0] += 1 }
            return true
        }
        engine.close()
        for (n, attempt) in attempts.enumerated() {
            if let title = attempt.uploadTitle {
                let count = titles[title] ?? 0
                #expect(count <= 1 && (!attempt.acknowledged || count == 1), "round \(round): upload \(n) is there \(count) times")
            } else {
                let counts = Set(attempt.requestIds.map { seen[$0] ?? 0 })
                if attempt.acknowledged {
                    #expect(counts == [1], "round \(round): acknowledged batch \(n) is not there exactly once: \(counts)")
                } else {
                    #expect(counts == [0] || counts == [1], "round \(round): killed batch \(n) is partly there: \(counts)")
                }
            }
        }

        // A fresh replay: the same store without any derived file.
        let fresh = cli.dir.sub("fresh-\(round)")
        try copyTree(cli.store, fresh)
        try? FileManager.default.removeItem(atPath: fresh + "/snapshots")
        try? FileManager.default.removeItem(atPath: fresh + "/index")
        let last = try cli.lastSeq()
        let earlier = Int64.random(in: 1...last, using: &random)
        var queries: [[String]] = [["todo", "T1"], ["class", "101"], ["audit", "--student", "S2"]]
        for s in students {
            queries += [["portfolio", s], ["quota", s], ["portfolio", s, "--as-of", "seq:\(earlier)"]]
        }
        // Four projections a round (rotating at random), each asked of the live store and of the copy.
        for query in queries.shuffled(using: &random).prefix(4) + [["quota", "S1"]] {
            let live = try cli(query + ["--json"], as: "A1")
            let replayed = try cli(query + ["--json"], as: "A1", store: fresh)
            #expect(live.status == 0 && live.stdout == replayed.stdout,
                    "round \(round): \(query.joined(separator: " ")) differs from a fresh replay: \(live.stderr)")
        }
        try? FileManager.default.removeItem(atPath: fresh)
    }
}
