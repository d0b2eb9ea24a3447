import Foundation
import Testing
import TestSupport
import LichengDomain
import LichengLog
@testable import Licheng

/// A clock the test moves by hand.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Timestamp
    init(_ start: String) { value = Taipei.parse(start)! }
    var now: Timestamp { lock.lock(); defer { lock.unlock() }; return value }
    func advance(seconds: Int64) { lock.lock(); value += seconds * 1_000_000; lock.unlock() }
    func set(_ text: String) { lock.lock(); value = Taipei.parse(text)!; lock.unlock() }
}

func event(_ json: String) -> Event { try! Event.parseJSONLine(json, line: 1) }

/// A small school: staff, a class, two courses, windows, students.
func seedSchool(_ engine: Engine, clock: TestClock, students: Int = 4) throws {
    let staff = [
        #"{"type":"staff.registered","actor":"A001","data":{"staffId":"T100","name":"陳主任","roles":["academic-director"]}}"#,
        #"{"type":"staff.registered","actor":"A001","data":{"staffId":"T200","name":"林老師","roles":["subject-teacher"]}}"#,
        #"{"type":"staff.registered","actor":"A001","data":{"staffId":"T300","name":"王老師","roles":["subject-teacher","homeroom-teacher"],"homeroomClass":"101"}}"#,
        #"{"type":"course.offered","actor":"A001","data":{"courseId":"MATH1","term":"113-1","name":"數學","teachers":["T200"],"class":"101"}}"#,
        #"{"type":"course.offered","actor":"A001","data":{"courseId":"CHEM1","term":"113-1","name":"化學","teachers":["T300"],"class":"101"}}"#,
    ]
    try engine.submit(staff.map(event))
    clock.advance(seconds: 60)
    var windows: [Event] = []
    for kind in ["course-outcome-upload", "certification", "performance-upload", "selection", "submission", "receipt-confirmation"] {
        windows.append(event(#"{"type":"schedule.window-set","actor":"T100","data":{"term":"113-1","kind":"\#(kind)","opensAt":"2024-09-01T00:00:00+08:00","closesAt":"2025-01-31T23:59:59+08:00"}}"#))
    }
    try engine.submit(windows)
    clock.advance(seconds: 60)
    try engine.submit((1...students).map { i in
        event(#"{"type":"student.enrolled","actor":"A001","student":"S11200\#(i)","data":{"name":"學生\#(i)","class":"101","nationalId":"A12345678\#(i)"}}"#)
    })
    clock.advance(seconds: 60)
}

func upload(_ student: String, _ course: String = "MATH1", requestId: String? = nil) -> Event {
    let request = requestId.map { #","requestId":"\#($0)""# } ?? ""
    return event(#"{"type":"course-outcome.uploaded","actor":"\#(student)"\#(request),"data":{"term":"113-1","courseId":"\#(course)","title":"報告","description":"short","files":[]}}"#)
}

@Suite struct EngineTests {
    func makeEngine(_ dir: TemporaryDirectory, clock: TestClock, snapshotInterval: UInt64 = 50_000) throws -> Engine {
        var options = Engine.Options()
        options.clock = { clock.now }
        options.snapshotInterval = snapshotInterval
        return try Engine.create(at: dir.sub("store"), schoolCode: "170301", schoolName: "中山高中",
                                 adminId: "A001", adminName: "試務組", options: options)
    }

    func reopen(_ dir: TemporaryDirectory, clock: TestClock, mode: AccessMode = .write, snapshotInterval: UInt64 = 50_000) throws -> Engine {
        var options = Engine.Options()
        options.clock = { clock.now }
        options.snapshotInterval = snapshotInterval
        return try Engine.open(at: dir.sub("store"), mode: mode, options: options)
    }

    @Test func fifteenthUploadPassesAndSixteenthIsRejectedWithNothingWritten() throws {
        let dir = TemporaryDirectory("engine-quota"); defer { dir.remove() }
        let clock = TestClock("2024-09-02T09:00:00+08:00")
        let engine = try makeEngine(dir, clock: clock)
        try seedSchool(engine, clock: clock)
        for _ in 1...15 { try engine.submit([upload("S112001")]); clock.advance(seconds: 30) }
        let last = engine.log.lastSeq
        #expect { try engine.submit([upload("S112001")]) } throws: { error in
            guard case EngineError.rejected(let r, nil) = error else { return false }
            return r.rule == .quota
        }
        #expect(engine.log.lastSeq == last)
        // Another student is not affected.
        try engine.submit([upload("S112002")])
    }

    @Test func rejectedEventInABatchWritesNoneOfTheBatch() throws {
        let dir = TemporaryDirectory("engine-batch"); defer { dir.remove() }
        let clock = TestClock("2024-09-02T09:00:00+08:00")
        let engine = try makeEngine(dir, clock: clock)
        try seedSchool(engine, clock: clock)
        let last = engine.log.lastSeq
        let bad = event(#"{"type":"course-outcome.uploaded","actor":"S112001","data":{"term":"113-1","courseId":"NOPE","title":"x","files":[]}}"#)
        #expect { try engine.submit([upload("S112001"), upload("S112002"), bad]) } throws: { error in
            guard case EngineError.rejected(let r, 2) = error else { return false }
            return r.rule == .reference
        }
        #expect(engine.log.lastSeq == last)
        // The engine's state was rolled back too: the same uploads pass again, as C1 and C2.
        let again = try engine.submit([upload("S112001"), upload("S112002")])
        #expect(again.map { $0.body.itemId } == ["S112001-C1", "S112002-C1"])
        let current = engine.shared
        engine.close()
        let fresh = try reopen(dir, clock: clock, mode: .read)
        #expect(fresh.log.lastSeq == last + 2)
        #expect(fresh.shared == current)
    }

    @Test func retriedRequestIdIsStoredOnceAlsoAfterARestart() throws {
        let dir = TemporaryDirectory("engine-request"); defer { dir.remove() }
        let clock = TestClock("2024-09-02T09:00:00+08:00")
        var engine = try makeEngine(dir, clock: clock)
        try seedSchool(engine, clock: clock)
        let first = try engine.submit([upload("S112001", requestId: "req-1")])[0]
        let again = try engine.submit([upload("S112001", requestId: "req-1")])[0]
        #expect(again == first)
        #expect(engine.log.lastSeq == first.seq)
        engine.close()
        engine = try reopen(dir, clock: clock)
        let third = try engine.submit([upload("S112001", requestId: "req-1"), upload("S112001", requestId: "req-2")])
        #expect(third[0] == first)
        #expect(third[1].seq == first.seq + 1)
        #expect(engine.log.lastSeq == first.seq + 1)
    }

    @Test func snapshotPlusTailEqualsFullReplayAtEverySeq() throws {
        let dir = TemporaryDirectory("engine-snapshot"); defer { dir.remove() }
        let clock = TestClock("2024-09-02T09:00:00+08:00")
        let engine = try makeEngine(dir, clock: clock, snapshotInterval: 7)
        try seedSchool(engine, clock: clock, students: 6)
        for round in 0..<4 {
            for s in 1...6 { try engine.submit([upload("S11200\(s)", round % 2 == 0 ? "MATH1" : "CHEM1")]); clock.advance(seconds: 10) }
        }
        let item = "S112003-C1"
        try engine.submit([event(#"{"type":"course-outcome.certified","actor":"T200","data":{"itemId":"\#(item)","decision":"certified"}}"#)])
        engine.close()
        let snapshots = try FileManager.default.contentsOfDirectory(atPath: dir.sub("store/snapshots"))
        #expect(snapshots.count >= 3)
        // The reference: every event folded in order, with no snapshot anywhere.
        var all: [Event] = []
        let reader = try reopen(dir, clock: clock, mode: .read, snapshotInterval: 7)
        try reader.forEachEvent { all.append($0); return true }
        var school = SchoolState()
        for e in all {
            school.apply(e)
            let shared = try reader.sharedState(through: e.seq)
            #expect(shared == school.shared, "shared state differs at seq \(e.seq)")
            if let s = e.student {
                #expect(try reader.studentState(s, through: e.seq, shared: shared) == school.students[s], "student \(s) differs at seq \(e.seq)")
            }
        }
        // Thinning keeps the newest three and the oldest of every stretch of 8 intervals (56 events).
        let kept = reader.snapshotSeqs()
        #expect(kept.count >= 3 && kept.count < snapshots.count + 1)
        #expect(Set(kept.prefix(3)).count == 3)
        // Deleting the snapshots loses nothing.
        try FileManager.default.removeItem(atPath: dir.sub("store/snapshots"))
        let fresh = try reopen(dir, clock: clock, mode: .read, snapshotInterval: 7)
        #expect(fresh.shared == school.shared)
    }

    /// A snapshot made for one history must not be used for another with the same
    /// store ID and seqs (a restored older copy that grew differently).
    @Test func snapshotOfAnotherHistoryIsIgnored() throws {
        let dir = TemporaryDirectory("engine-otherhistory"); defer { dir.remove() }
        let clock = TestClock("2024-09-02T09:00:00+08:00")
        let a = try makeEngine(dir, clock: clock, snapshotInterval: 5)
        try seedSchool(a, clock: clock, students: 3)
        let branch = dir.sub("branch")
        _ = try a.log.backup(to: branch)
        for _ in 0..<8 { try a.submit([upload("S112001")]); clock.advance(seconds: 5) }
        let aSnapshots = a.snapshotSeqs()
        a.close()
        // The copy grows with other events past the same seqs.
        var options = Engine.Options()
        options.clock = { clock.now }
        options.snapshotInterval = 1_000_000
        let b = try Engine.open(at: branch, options: options)
        for _ in 0..<8 { try b.submit([upload("S112002", "CHEM1")]); clock.advance(seconds: 5) }
        b.close()
        let stolen = try #require(aSnapshots.first { $0 <= b.log.lastSeq })
        try FileManager.default.createDirectory(atPath: branch + "/snapshots", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: a.snapshotPath(stolen), toPath: branch + "/snapshots/" + (a.snapshotPath(stolen) as NSString).lastPathComponent)
        let reader = try Engine.open(at: branch, mode: .read, options: options)
        var school = SchoolState()
        try reader.forEachEvent { school.apply($0); return true }
        #expect(reader.shared == school.shared)
        #expect(reader.shared.items["S112002-C1"] != nil && reader.shared.items["S112001-C1"] == nil)
    }

    @Test func portfolioAsOfATimeShowsOnlyWhatExistedThen() throws {
        let dir = TemporaryDirectory("engine-asof"); defer { dir.remove() }
        let clock = TestClock("2024-09-02T09:00:00+08:00")
        let engine = try makeEngine(dir, clock: clock)
        try seedSchool(engine, clock: clock)
        try engine.submit([upload("S112001")])
        clock.set("2024-10-01T10:00:00+08:00")
        try engine.submit([upload("S112001")])
        clock.set("2024-11-01T10:00:00+08:00")
        try engine.submit([event(#"{"type":"course-outcome.certified","actor":"T200","data":{"itemId":"S112001-C1","decision":"certified"}}"#)])
        func items(asOf: AsOf?) throws -> [String: String] {
            let seq = try engine.resolve(asOf)
            let shared = try engine.sharedState(through: seq)
            let p = Portfolio(student: try engine.studentState("S112001", through: seq, shared: shared), shared: shared)
            let json = p.jsonObject()
            var out: [String: String] = [:]
            for item in json["items"]?.arrayValue ?? [] {
                out[item["itemId"]!.stringValue!] = item["state"]?.stringValue
            }
            return out
        }
        #expect(try items(asOf: .time(Taipei.parse("2024-09-15")!)) == ["S112001-C1": "uploaded"])
        #expect(try items(asOf: .time(Taipei.parse("2024-10-15")!)) == ["S112001-C1": "uploaded", "S112001-C2": "uploaded"])
        #expect(try items(asOf: nil) == ["S112001-C1": "certified", "S112001-C2": "uploaded"])
        #expect(throws: EngineError.self) { try engine.resolve(.seq(engine.log.lastSeq + 1)) }
    }

    @Test func uploadedFilesAreStoredOnceByContent() throws {
        let dir = TemporaryDirectory("engine-blobs"); defer { dir.remove() }
        let clock = TestClock("2024-09-02T09:00:00+08:00")
        let engine = try makeEngine(dir, clock: clock)
        let content = Array("%PDF-1.4 學習成果".utf8)
        let digest = try engine.blobs.put(content)
        #expect(try engine.blobs.put(content) == digest)
        #expect(try engine.blobs.get(digest) == content)
        #expect(digest == sha256(content))
    }
}
