import Foundation
import Testing
import Licheng
import LichengDomain
import LichengLog
import TestSupport

/// Runs the built `generate` executable on a small school and checks that the history is
/// deterministic from the seed and that the store it writes verifies.
@Suite(.serialized) struct GeneratorTests {
    /// The `generate` executable next to the test bundle (`swift test` builds every product),
    /// or in the package's .build directory, or `$LICHENG_GENERATE`.
    static var generatePath: String? {
        var candidates: [String] = []
        if let p = ProcessInfo.processInfo.environment["LICHENG_GENERATE"] { candidates.append(p) }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(dir.appendingPathComponent("generate").path)
            dir = dir.deletingLastPathComponent()
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates += ["debug", "release"].map { root.appendingPathComponent(".build/\($0)/generate").path }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func generate(_ store: String, seed: Int, extra: [String] = []) throws -> String {
        let exe = try #require(Self.generatePath, "the generate executable was not built (swift build --product generate)")
        let r = try run(exe, ["--store", store, "--seed", String(seed), "--students", "60", "--classes", "2", "--quiet", "--print-facts"] + extra)
        #expect(r.status == 0, "generate failed: \(r.stderr)\n\(r.stdout)")
        return r.stdout
    }

    /// The segment files by name. The log's 16-byte store ID is drawn from the system RNG at
    /// `Log.create` (LichengLog offers no seam for it), so the segment header's store ID
    /// (bytes 24..<40) and the header checksum that covers it (bytes 120..<128) are masked;
    /// every other byte — record blocks, chain, timestamps — must match.
    func segments(_ store: String) throws -> [String: [UInt8]] {
        let dir = store + "/segments"
        var out: [String: [UInt8]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
            var bytes = readFileBytes(dir + "/" + name)
            if bytes.count >= 128 {
                for i in 24..<40 { bytes[i] = 0 }
                for i in 120..<128 { bytes[i] = 0 }
            }
            out[name] = bytes
        }
        return out
    }

    @Test func sameSeedSameSegmentsAndTheStoreVerifies() throws {
        let dir = TemporaryDirectory("generator")
        defer { dir.remove() }
        let factsA = try generate(dir.sub("a"), seed: 7)
        let factsB = try generate(dir.sub("b"), seed: 7)
        let factsC = try generate(dir.sub("c"), seed: 8)

        let a = try segments(dir.sub("a")), b = try segments(dir.sub("b")), c = try segments(dir.sub("c"))
        #expect(!a.isEmpty)
        #expect(a.keys.sorted() == b.keys.sorted())
        for name in a.keys.sorted() { #expect(a[name] == b[name], "segment \(name) differs between two runs with the same seed") }
        #expect(a != c, "a different seed must give a different history")
        // The facts (not the timing summary nor the store path) are deterministic too.
        func stable(_ out: String) -> [Substring] { out.split(separator: "\n").filter { !$0.hasPrefix("summary") && !$0.hasPrefix("store=") } }
        #expect(stable(factsA) == stable(factsB))
        #expect(stable(factsA) != stable(factsC))

        // The summary reports deliberate rejections and no unexpected ones.
        #expect(factsA.contains("unexpected=0"))
        #expect(!factsA.contains("rejected=0 "))

        for store in [dir.sub("a"), dir.sub("c")] {
            let engine = try Engine.open(at: store, mode: .read)
            defer { engine.close() }
            let report = try engine.log.verify()
            #expect(report.lastSeq == engine.log.lastSeq)
            #expect(report.records > 3_000)
            // Every event passed the real rules: a certified item exists and a batch was submitted.
            let school = try engine.schoolState()
            #expect(school.batches.count >= 4)
            // Each student's state read from their stream and the batch lists equals the
            // reference replay of every event (submissions applied to the students they carry).
            var reference = SchoolState()
            try engine.forEachEvent { reference.apply($0); return true }
            #expect(reference.shared == school)
            #expect(reference.students.contains { $0.value.items.values.contains { $0.status == .certified } })
            var carried = 0
            for (id, expected) in reference.students {
                let state = try engine.studentState(id)
                #expect(state == expected, "student \(id) differs from the reference replay")
                if !state.batches.isEmpty { carried += 1 }
            }
            #expect(carried > 10)
        }

        // The facts a demo script reads are there and name real things.
        let facts = Dictionary(factsA.split(separator: "\n").compactMap { line -> (String, String)? in
            guard let eq = line.firstIndex(of: "="), !line.hasPrefix("summary") else { return nil }
            return (String(line[..<eq]), String(line[line.index(after: eq)...]))
        }, uniquingKeysWith: { a, _ in a })
        for key in ["studentWithCertified", "itemAwaitingCertification", "courseTeacher", "homeroomTeacher", "homeroomClass", "batchId"] {
            #expect(facts[key] != nil, "missing fact \(key)")
        }
        let engine = try Engine.open(at: dir.sub("a"), mode: .read)
        defer { engine.close() }
        if let item = facts["itemAwaitingCertification"] { #expect(try engine.schoolState().awaitingQueue[item] != nil) }
        if let batch = facts["batchId"] { #expect(engine.core.batches[batch] != nil) }
        if let t = facts["homeroomTeacher"] { #expect(engine.core.staff[t]?.homeroomClass == facts["homeroomClass"]) }
    }

    /// The two-thread replay (`SchoolReplay`) makes the state one thread makes applying the
    /// events in order — every student, item, record and batch — at any seq and whatever the
    /// hand-over's sizes; an event it cannot read fails it and its worker stops.
    @Test func theTwoThreadReplayMakesTheStateOfTheOneThreadReplay() throws {
        let dir = TemporaryDirectory("replay")
        defer { dir.remove() }
        _ = try generate(dir.sub("store"), seed: 11)
        let engine = try Engine.open(at: dir.sub("store"), mode: .read)
        defer { engine.close() }
        let last = engine.log.lastSeq
        var firstSubmission: UInt64?
        try engine.forEachEvent { e in
            if e.type == .submissionMade { firstSubmission = e.seq }
            return firstSubmission == nil
        }
        let submission = try #require(firstSubmission, "the generated year has no submission")
        for seq in [submission - 1, submission, last / 2, last] {
            var oneThread = SchoolState()
            try engine.forEachEvent(through: seq) { oneThread.apply($0); return true }
            #expect(oneThread.students.count > 50 && oneThread.shared.lastSeq == seq)
            expectSame(try engine.replaySchool(through: seq), oneThread, "replayed through \(seq)")
            // Hand-overs of one event, and of a few with the caller waiting for the worker.
            for (batchSize, depth) in [(1, 1), (7, 2)] {
                let replay = SchoolReplay(batchSize: batchSize, depth: depth)
                try engine.log.forEach(through: seq) { view in
                    if !view.isRedacted { try replay.applyStored(view.payload, seq: view.seq, recordedAt: view.timestamp) }
                    return true
                }
                expectSame(replay.finish(), oneThread, "batches of \(batchSize), through \(seq)")
            }
        }
        // Record events (copied as stored) and submissions went through the worker.
        let school = try engine.replaySchool()
        #expect(school.students.values.contains { !$0.gradeLog.isEmpty })
        #expect(school.students.values.contains { !$0.batches.isEmpty })

        // A stored event that does not read: the replay throws and, dropped unfinished, stops its worker.
        let replay = SchoolReplay(batchSize: 2, depth: 1)
        var fed = 0
        #expect(throws: StoredDecodeError.self) {
            try engine.log.forEach { view in
                if fed == 40 {
                    var bytes = Array(view.payload)
                    bytes[0] = 0xFF; bytes[1] = 0xFF
                    try bytes.withUnsafeBytes { try replay.applyStored($0, seq: view.seq, recordedAt: view.timestamp) }
                }
                try replay.applyStored(view.payload, seq: view.seq, recordedAt: view.timestamp)
                fed += 1
                return true
            }
        }
        #expect(fed == 40)
    }

    /// A restored copy has the derived files the first commands would otherwise rebuild while
    /// staff wait: the core state's and the school index's snapshots, as of its last seq.
    @Test func restoreRebuildsTheSnapshotsABackupLeavesOut() throws {
        let dir = TemporaryDirectory("restore-derived")
        defer { dir.remove() }
        _ = try generate(dir.sub("store"), seed: 12, extra: ["--students", "120"])
        // A plain copy of a quiet store's data is a backup (docs/OPERATIONS.md).
        let backup = dir.sub("backup")
        try FileManager.default.createDirectory(atPath: backup, withIntermediateDirectories: true)
        for part in ["STORE", "segments", "files", "keys"] where FileManager.default.fileExists(atPath: dir.sub("store/" + part)) {
            try FileManager.default.copyItem(atPath: dir.sub("store/" + part), toPath: backup + "/" + part)
        }
        let cli = CLI()
        defer { cli.dir.remove() }
        let restored = dir.sub("restored")
        let r = try cli(["restore", backup, "--json"], store: restored)
        #expect(r.status == 0, "\(r.stderr)")
        let last = try #require(try r.json()["lastSeq"]?.intValue)
        #expect(last > 4_096, "the store must be longer than an open replays without saving a snapshot")
        let names = try FileManager.default.contentsOfDirectory(atPath: restored + "/snapshots")
        let stem = String(repeating: "0", count: 20 - String(last).count) + String(last)
        #expect(names.contains("core-\(stem).snap") && names.contains("shared-\(stem).snap"), "\(names.sorted())")
        // And they hold the state a replay of the log makes.
        let engine = try Engine.open(at: restored, mode: .read)
        defer { engine.close() }
        var reference = SchoolState()
        try engine.forEachEvent { reference.apply($0); return true }
        #expect(try engine.schoolState() == reference.shared, "the restored school index differs from a replay")
    }

    /// Two states equal, or which part differs (not the states themselves: thousands of lines).
    func expectSame(_ a: SchoolState, _ b: SchoolState, _ what: String) {
        let sameShared = a.shared == b.shared
        #expect(sameShared, "the shared state differs, \(what)")
        let students = Set(a.students.keys).union(b.students.keys)
        let differing = students.filter { a.students[$0] != b.students[$0] }.sorted()
        #expect(differing.isEmpty, "\(differing.count) students' states differ, \(what): \(differing.prefix(5))")
    }

    static func facts(_ out: String) -> [String: String] {
        Dictionary(out.split(separator: "\n").compactMap { line -> (String, String)? in
            guard let eq = line.firstIndex(of: "="), !line.hasPrefix("summary") else { return nil }
            return (String(line[..<eq]), String(line[line.index(after: eq)...]))
        }, uniquingKeysWith: { a, _ in a })
    }

    /// A generated school year with two deliberate gaps: no workshop (專業研習) was held, and one
    /// teacher certified semester 1 only after the deadline, in a re-opened window. The report
    /// names exactly those in its training and late-certification findings.
    @Test func complianceReportOfAGeneratedYearNamesTheMissingTrainingAndTheLateTeacher() throws {
        let dir = TemporaryDirectory("generator-gaps")
        defer { dir.remove() }
        let out = try generate(dir.sub("s"), seed: 11, extra: ["--gaps", "missing-workshop,late-teacher"])
        #expect(out.contains("unexpected=0"), "the gaps must not make the generator break a rule: \(out)")
        let facts = Self.facts(out)
        let late = try #require(facts["lateTeacher"])
        let year = AcademicYear(Int(try #require(facts["firstYear"]))!)
        let engine = try Engine.open(at: dir.sub("s"), mode: .read)
        defer { engine.close() }
        let r = ComplianceReport(year: year, shared: try engine.schoolState())
        #expect(r.findings(.trainings).map(\.subject) == ["workshop"])
        #expect(r.findings(.lateCertification).map(\.subject) == [late])
        let t = try #require(r.certification.first { $0.teacher == late && $0.term == year.terms[0] })
        #expect(t.late > 0 && t.late == t.decisions && t.missing == 0)
        // Everything else the rules ask for is there in the generated year.
        #expect(r.findings(.workingGroup).isEmpty && r.findings(.meetings).isEmpty && r.findings(.windows).isEmpty)
        #expect(r.findings(.submissions).isEmpty && r.findings(.receipts).isEmpty)
        #expect(r.trainings[.orientation]?.count == 1 && r.trainings[.systemTraining]?.count == 1)
        #expect(r.workingGroup.filled == 15)

        // Without gaps the same seed has neither finding.
        let clean = Self.facts(try generate(dir.sub("c"), seed: 11))
        #expect(clean["lateTeacher"] == nil)
        let e2 = try Engine.open(at: dir.sub("c"), mode: .read)
        defer { e2.close() }
        let r2 = ComplianceReport(year: year, shared: try e2.schoolState())
        #expect(r2.findings(.trainings).isEmpty && r2.findings(.lateCertification).isEmpty)
    }
}
