import Foundation
import Testing
import TestSupport
import LichengDomain
import LichengLog
@testable import Licheng

/// Every file under `dir` whose bytes contain `needle`.
func filesContaining(_ dir: String, _ needle: String) -> [String] {
    let bytes = Array(needle.utf8)
    var hits: [String] = []
    guard let e = FileManager.default.enumerator(atPath: dir) else { return [] }
    while let name = e.nextObject() as? String {
        let data = readFileBytes(dir + "/" + name)
        guard data.count >= bytes.count else { continue }
        var i = 0
        while i + bytes.count <= data.count {
            if data[i] == bytes[0] && Array(data[i..<(i + bytes.count)]) == bytes { hits.append(name); break }
            i += 1
        }
    }
    return hits
}

/// Records (decompressed) whose payload or key contains `needle`.
func recordsContaining(_ log: Log, _ needle: String) throws -> [UInt64] {
    let bytes = Array(needle.utf8)
    var hits: [UInt64] = []
    try log.forEach { r in
        let all = Array(r.key) + Array(r.payload)
        if all.count >= bytes.count, (0...(all.count - bytes.count)).contains(where: { Array(all[$0..<($0 + bytes.count)]) == bytes }) {
            hits.append(r.seq)
        }
        return true
    }
    return hits
}

/// The personal data of the student the purge tests remove.
enum Leaver {
    static let id = "S112009"
    static let name = "張雅婷"
    static let nationalId = "F223456789"
    static let essay = "UNIQUE-ESSAY-7f3a9c 我的學習歷程"
    static let shared = "SHARED-HANDOUT-contents"
}

func fileEntry(_ content: [UInt8], _ name: String) -> String {
    #"{"name":"\#(name)","mediaType":"application/pdf","size":\#(content.count),"sha256":"\#(sha256(content).hex)"}"#
}

/// A school whose log spans several sealed (signed) segments, with snapshots, where
/// `Leaver` enrolled, uploaded two files (one also uploaded by another student), was
/// certified, got a grade, and departed on 2025-01-20.
func retentionSchool(_ dir: TemporaryDirectory, clock: TestClock) throws -> Engine {
    var options = Engine.Options()
    options.clock = { clock.now }
    options.snapshotInterval = 40
    options.log.segmentTargetBytes = 4 << 10
    let engine = try Engine.create(at: dir.sub("store"), schoolCode: "170301", schoolName: "中山高中", adminId: "A001", adminName: "試務組", options: options)
    try seedSchool(engine, clock: clock)
    try engine.submit([event(#"{"type":"student.enrolled","actor":"A001","student":"\#(Leaver.id)","data":{"name":"\#(Leaver.name)","class":"101","nationalId":"\#(Leaver.nationalId)"}}"#)])
    let essay = Array("%PDF-1.4 \(Leaver.essay)".utf8)
    let handout = Array("%PDF-1.4 \(Leaver.shared)".utf8)
    for round in 0..<12 {
        for s in 1...4 {
            clock.advance(seconds: 30)
            try engine.submit([upload("S11200\(s)")])
        }
        if round == 3 {
            try engine.submit([event(#"{"type":"course-outcome.uploaded","actor":"\#(Leaver.id)","data":{"term":"113-1","courseId":"MATH1","title":"\#(Leaver.name)的報告","description":"\#(Leaver.essay)","files":[\#(fileEntry(essay, "essay.pdf")),\#(fileEntry(handout, "handout.pdf"))]}}"#)],
                              blobs: [essay, handout])
            try engine.submit([event(#"{"type":"course-outcome.uploaded","actor":"S112001","data":{"term":"113-1","courseId":"MATH1","title":"講義","description":"short","files":[\#(fileEntry(handout, "handout.pdf"))]}}"#)],
                              blobs: [handout])
        }
        if round == 6 {
            try engine.submit([event(#"{"type":"course-outcome.certified","actor":"T200","data":{"itemId":"\#(Leaver.id)-C1","decision":"certified"}}"#)])
        }
    }
    clock.set("2025-01-20T10:00:00+08:00")
    try engine.submit([event(#"{"type":"student.departed","actor":"A001","student":"\#(Leaver.id)","data":{"reason":"graduated","effectiveOn":"2025-01-20"}}"#)])
    for s in 1...4 {
        clock.advance(seconds: 30)
        try engine.submit([event(#"{"type":"student.record-updated","actor":"A001","student":"S11200\#(s)","data":{"class":"102"}}"#)])
    }
    return engine
}

@Suite struct RetentionTests {
    @Test func purgeIsRefusedOneDayBeforeTheLimitAndAllowedOnTheDay() throws {
        let dir = TemporaryDirectory("retention-day"); defer { dir.remove() }
        let clock = TestClock("2024-09-02T09:00:00+08:00")
        let engine = try retentionSchool(dir, clock: clock)
        defer { engine.close() }
        clock.set("2028-01-19T12:00:00+08:00")
        let before = engine.log.lastSeq
        #expect { try engine.purge(student: Leaver.id, actor: "A001") } throws: { error in
            guard case EngineError.rejected(let r, _) = error else { return false }
            return r.rule == .retention && r.description.contains("2028-01-20")
        }
        #expect(engine.log.lastSeq == before)
        let status = try engine.retentionStatus().first { $0.student == Leaver.id }
        #expect(status?.purgeAllowedOn?.description == "2028-01-20" && status?.purgeAllowedNow == false)
        clock.set("2028-01-20T00:00:00+08:00")
        #expect(try engine.retentionStatus().first { $0.student == Leaver.id }?.purgeAllowedNow == true)
        let report = try engine.purge(student: Leaver.id, actor: "A001")
        #expect(report.purgedSeq == before + 1 && !report.resumed)
        // Only exam-section may purge; a purged student cannot be purged twice.
        #expect(throws: EngineError.self) { try engine.purge(student: "S112001", actor: "T200") }
    }

    @Test func afterAPurgeNoPersonalDataIsLeftAnywhereAndVerifyPasses() throws {
        let dir = TemporaryDirectory("retention-pii"); defer { dir.remove() }
        let store = dir.sub("store")
        let clock = TestClock("2024-09-02T09:00:00+08:00")
        var engine = try retentionSchool(dir, clock: clock)
        // The searches can see the data before the purge (decompressed records, files, snapshots).
        #expect(!(try recordsContaining(engine.log, Leaver.nationalId)).isEmpty)
        #expect(!filesContaining(store, Leaver.essay).isEmpty)
        #expect(engine.log.segmentInfos.count >= 3)
        #expect(!engine.snapshotSeqs().isEmpty)
        let otherBefore = Portfolio(student: try engine.studentState("S112001"), shared: engine.core)
        let sealedBefore = try engine.log.verify().signedSegments
        clock.set("2028-02-01T09:00:00+08:00")
        let report = try engine.purge(student: Leaver.id, actor: "A001")
        #expect(report.redactedEvents >= 4)
        #expect(report.removedFiles == 1)
        let verified = try engine.log.verify()
        #expect(verified.redactedRecords == UInt64(report.redactedEvents))
        #expect(verified.signedSegments >= sealedBefore)
        engine.close()
        // Byte search of every file of the store, and of every decompressed record.
        for needle in [Leaver.name, Leaver.nationalId, Leaver.essay] {
            #expect(filesContaining(store, needle).isEmpty, "\(needle) is still in \(filesContaining(store, needle))")
        }
        var options = Engine.Options()
        options.clock = { clock.now }
        engine = try Engine.open(at: store, mode: .write, options: options)
        defer { engine.close() }
        for needle in [Leaver.name, Leaver.nationalId, Leaver.essay] {
            #expect(try recordsContaining(engine.log, needle).isEmpty)
        }
        // The file another student also uploaded is kept; their portfolio is unchanged.
        #expect(engine.blobs.contains(sha256(Array("%PDF-1.4 \(Leaver.shared)".utf8))))
        let otherAfter = Portfolio(student: try engine.studentState("S112001"), shared: engine.core)
        #expect(otherAfter.jsonObject()["items"] == otherBefore.jsonObject()["items"])
        #expect(otherAfter.jsonObject()["registry"] == otherBefore.jsonObject()["registry"])
        // The audit shows who purged whom and when; the portfolio says purged.
        var purges: [Event] = []
        try engine.forEachEvent { e in if e.type == .retentionPurged { purges.append(e) }; return true }
        #expect(purges.count == 1 && purges[0].actor == "A001" && purges[0].student == Leaver.id)
        #expect(Taipei.format(purges[0].recordedAt).hasPrefix("2028-02-01"))
        let st = try engine.studentState(Leaver.id)
        #expect(Portfolio(student: st, shared: engine.core).purged)
        #expect(try engine.schoolState().students[Leaver.id]?.purged == true)
        #expect(try engine.retentionStatus().first { $0.student == Leaver.id }?.purgeIncomplete == false)
        // A replay from nothing gives the same state as the live engine.
        #expect(try engine.replayShared(.core, through: engine.log.lastSeq, keepRequests: false).0 == engine.core)
        var reference = SchoolState()
        try engine.forEachEvent { reference.apply($0); return true }
        #expect(try engine.schoolState() == reference.shared)
        #expect(try engine.studentState(Leaver.id) == reference.students[Leaver.id])
        // The two-thread replay of a purged history makes the one-thread replay's state.
        #expect(try engine.replaySchool() == reference, "the two-thread replay differs after a purge")
    }

    /// The purge's rewrite fails after the first segment was swapped (the directory fsync
    /// fails): the purge is recorded but incomplete; status says so, and running the purge
    /// again finishes it.
    /// A snapshot from before the purge (a reader that saved one from the old segment
    /// bytes at the wrong moment) holds the student's data: the purge is then reported
    /// incomplete, and running it again removes the snapshot.
    @Test func aSnapshotFromBeforeThePurgeMarksItIncompleteUntilRunAgain() throws {
        let dir = TemporaryDirectory("retention-stale-snapshot"); defer { dir.remove() }
        let clock = TestClock("2024-09-02T09:00:00+08:00")
        let engine = try retentionSchool(dir, clock: clock)
        defer { engine.close() }
        let snapshots = dir.sub("store") + "/snapshots"
        let old = try #require(try FileManager.default.contentsOfDirectory(atPath: snapshots).filter { $0.hasSuffix(".snap") }.first)
        let kept = readFileBytes(snapshots + "/" + old)
        #expect(!filesContaining(snapshots, Leaver.name).isEmpty || !kept.isEmpty)
        clock.set("2028-02-01T09:00:00+08:00")
        _ = try engine.purge(student: Leaver.id, actor: "A001")
        #expect(try engine.retentionStatus().first { $0.student == Leaver.id }?.purgeIncomplete == false)
        writeFileBytes(snapshots + "/" + old, kept)
        writeFileBytes(snapshots + "/" + old + ".tmp.123", kept)
        #expect(try engine.retentionStatus().first { $0.student == Leaver.id }?.purgeIncomplete == true)
        let again = try engine.purge(student: Leaver.id, actor: "A001")
        #expect(again.resumed)
        #expect(try engine.retentionStatus().first { $0.student == Leaver.id }?.purgeIncomplete == false)
        #expect(!FileManager.default.fileExists(atPath: snapshots + "/" + old + ".tmp.123"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: snapshots).allSatisfy { !$0.hasPrefix(old) })
    }

    /// Files no event refers to (an upload whose append failed after its file was kept,
    /// a temporary file of a crashed write) are removed by a purge, and a failed append
    /// does not keep the files it brought.
    @Test func filesNoEventRefersToDoNotOutliveAPurge() throws {
        let dir = TemporaryDirectory("retention-orphans"); defer { dir.remove() }
        let clock = TestClock("2024-09-02T09:00:00+08:00")
        try retentionSchool(dir, clock: clock).close()
        let store = dir.sub("store")

        // An append that fails (inside the upload window) takes its new files with it.
        final class FailSegmentSync: FaultInjector, @unchecked Sendable {
            func beforeWrite(path: String, offset: Int64, count: Int) -> WriteFault? { nil }
            func beforeSync(path: String) -> Int32? { path.hasSuffix(".lseg") ? EIO : nil }
            func reached(_ point: String) {}
        }
        var options = Engine.Options()
        options.clock = { clock.now }
        options.log.faults = FailSegmentSync()
        let failing = try Engine.open(at: store, options: options)
        let lost = Array("%PDF-1.4 LOST-UPLOAD-88aa".utf8)
        #expect {
            try failing.submit([event(#"{"type":"course-outcome.uploaded","actor":"S112001","data":{"term":"113-1","courseId":"MATH1","title":"x","description":"y","files":[\#(fileEntry(lost, "lost.pdf"))]}}"#)],
                               blobs: [lost])
        } throws: { error in
            if case EngineError.storage = error { return true } else { return false }
        }
        failing.close()
        #expect(filesContaining(store, "LOST-UPLOAD-88aa").isEmpty)

        let blobs = BlobStore(storePath: store)
        try blobs.put(Array("%PDF-1.4 ORPHAN-UPLOAD-5d1e".utf8))
        try FileManager.default.createDirectory(atPath: blobs.path + "/ab", withIntermediateDirectories: true)
        writeFileBytes(blobs.path + "/ab/" + String(repeating: "ab", count: 32) + ".tmp.77", Array("%PDF-1.4 ORPHAN-TMP-5d1e".utf8))
        options.log.faults = nil
        let engine = try Engine.open(at: store, options: options)
        defer { engine.close() }
        clock.set("2028-02-01T09:00:00+08:00")
        _ = try engine.purge(student: Leaver.id, actor: "A001")
        #expect(filesContaining(store, "ORPHAN-UPLOAD-5d1e").isEmpty && filesContaining(store, "ORPHAN-TMP-5d1e").isEmpty)
        #expect(!filesContaining(store, Leaver.shared).isEmpty, "a file another student uses was removed")
    }

    @Test func anInterruptedPurgeIsReportedAndFinishedByRunningItAgain() throws {
        let dir = TemporaryDirectory("retention-resume"); defer { dir.remove() }
        let clock = TestClock("2024-09-02T09:00:00+08:00")
        var engine = try retentionSchool(dir, clock: clock)
        engine.close()
        final class FailSegmentsSync: FaultInjector, @unchecked Sendable {
            var armed = true
            func beforeWrite(path: String, offset: Int64, count: Int) -> WriteFault? { nil }
            func beforeSync(path: String) -> Int32? {
                if armed && path.hasSuffix("/segments") { armed = false; return EIO }
                return nil
            }
            func reached(_ point: String) {}
        }
        var options = Engine.Options()
        options.clock = { clock.now }
        options.log.segmentTargetBytes = 4 << 10
        options.log.faults = FailSegmentsSync()
        clock.set("2028-02-01T09:00:00+08:00")
        engine = try Engine.open(at: dir.sub("store"), options: options)
        #expect(throws: EngineError.self) { try engine.purge(student: Leaver.id, actor: "A001") }
        engine.close()
        options.log.faults = nil
        engine = try Engine.open(at: dir.sub("store"), options: options)
        defer { engine.close() }
        #expect(try engine.log.verify().redactedRecords > 0)
        let status = try #require(try engine.retentionStatus().first { $0.student == Leaver.id })
        #expect(status.purgedSeq != nil && status.purgeIncomplete)
        let report = try engine.purge(student: Leaver.id, actor: "A001")
        #expect(report.resumed && report.purgedSeq == status.purgedSeq)
        #expect(try engine.retentionStatus().first { $0.student == Leaver.id }?.purgeIncomplete == false)
        for needle in [Leaver.name, Leaver.nationalId, Leaver.essay] {
            #expect(try recordsContaining(engine.log, needle).isEmpty)
            #expect(filesContaining(dir.sub("store"), needle).isEmpty)
        }
    }

    @Test func reEnrolmentStopsTheRetentionClock() throws {
        let dir = TemporaryDirectory("retention-reenrol"); defer { dir.remove() }
        let clock = TestClock("2024-09-02T09:00:00+08:00")
        let engine = try retentionSchool(dir, clock: clock)
        defer { engine.close() }
        clock.set("2025-09-01T09:00:00+08:00")
        try engine.submit([event(#"{"type":"student.re-enrolled","actor":"A001","student":"\#(Leaver.id)","data":{"kind":"resumed","effectiveOn":"2025-09-01"}}"#)])
        #expect(try engine.retentionStatus().contains { $0.student == Leaver.id } == false)
        clock.set("2030-01-01T09:00:00+08:00")
        #expect { try engine.purge(student: Leaver.id, actor: "A001") } throws: { error in
            guard case EngineError.rejected(let r, _) = error else { return false }
            return r.rule == .retention
        }
    }

    @Test func aBackupTakenBeforeThePurgeIsBroughtInLine() throws {
        let dir = TemporaryDirectory("retention-backup"); defer { dir.remove() }
        let clock = TestClock("2024-09-02T09:00:00+08:00")
        let engine = try retentionSchool(dir, clock: clock)
        let backup = dir.sub("backup")
        _ = try engine.log.backup(to: backup)
        try copyTree(dir.sub("store/files"), backup + "/files")
        try copyTree(dir.sub("store/snapshots"), backup + "/snapshots")
        #expect(!filesContaining(backup, Leaver.essay).isEmpty)
        clock.set("2028-02-01T09:00:00+08:00")
        _ = try engine.purge(student: Leaver.id, actor: "A001")
        try engine.submit([event(#"{"type":"student.record-updated","actor":"A001","student":"S112002","data":{"class":"103"}}"#)])
        let copy = try Log.open(at: backup)
        let r = try engine.log.applyRedactions(to: copy, filesOf: backup + "/files", liveFiles: dir.sub("store/files"))
        #expect(r.redacted >= 4 && r.removedFiles == 1)
        let verified = try copy.verify()
        #expect(verified.redactedRecords == UInt64(r.redacted))
        for needle in [Leaver.nationalId, Leaver.essay] {
            #expect(try recordsContaining(copy, needle).isEmpty)
            #expect(filesContaining(backup, needle).isEmpty)
        }
        copy.close()
        engine.close()
        // A store that is not a prefix of this one is refused.
        let otherDir = TemporaryDirectory("retention-other"); defer { otherDir.remove() }
        let other = try retentionSchool(otherDir, clock: TestClock("2024-09-02T09:00:00+08:00"))
        let live = try Log.open(at: dir.sub("store"), mode: .read)
        #expect(throws: LogError.self) { try live.applyRedactions(to: other.log, filesOf: otherDir.sub("store/files"), liveFiles: dir.sub("store/files")) }
        other.close()
    }
}
