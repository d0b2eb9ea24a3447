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
        let current = engine.core
        engine.close()
        let fresh = try reopen(dir, clock: clock, mode: .read)
        #expect(fresh.log.lastSeq == last + 2)
        #expect(fresh.core == current)
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

    /// A request ID is unique per stream (a student's, or the school's): within a batch and
    /// across batches alike, the same ID for two students' events stores both, and a retry of
    /// either is stored once.
    @Test func requestIdsAreScopedToTheirStream() throws {
        let dir = TemporaryDirectory("engine-request-stream"); defer { dir.remove() }
        let clock = TestClock("2024-09-02T09:00:00+08:00")
        let engine = try makeEngine(dir, clock: clock)
        try seedSchool(engine, clock: clock)
        let both = try engine.submit([upload("S112001", requestId: "r1"), upload("S112002", requestId: "r1")])
        #expect(both.map(\.student) == ["S112001", "S112002"] && both[1].seq == both[0].seq + 1)
        let last = engine.log.lastSeq
        #expect(try engine.submit([upload("S112002", requestId: "r1"), upload("S112001", requestId: "r1")]) == [both[1], both[0]])
        #expect(try engine.submit([upload("S112003", requestId: "r1")])[0].seq == last + 1)
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
        let snapshots = try FileManager.default.contentsOfDirectory(atPath: dir.sub("store/snapshots")).filter { $0.hasPrefix("core-") }
        #expect(snapshots.count >= 3)
        // The reference: every event folded in order, with no snapshot anywhere.
        var all: [Event] = []
        let reader = try reopen(dir, clock: clock, mode: .read, snapshotInterval: 7)
        try reader.forEachEvent { all.append($0); return true }
        var school = SchoolState()
        var core = SharedState(detail: .core)
        for e in all {
            school.apply(e)
            core.apply(e)
            #expect(try reader.schoolState(through: e.seq) == school.shared, "shared state differs at seq \(e.seq)")
            #expect(try reader.coreState(through: e.seq) == core, "core state differs at seq \(e.seq)")
            if let s = e.student {
                #expect(try reader.studentState(s, through: e.seq) == school.students[s], "student \(s) differs at seq \(e.seq)")
            }
        }
        // Thinning keeps the newest three and the oldest of every stretch of 8 intervals (56 events).
        // (Long "as of" replays above saved core snapshots at past seqs too.)
        let kept = reader.snapshotSeqs(.core)
        #expect(kept.count >= 3 && Set(kept.prefix(3)).count == 3)
        // Beyond the newest three: one per stretch, plus the one saved last.
        let older = kept.dropFirst(3).map { $0 / 56 }
        #expect(Set(older).count >= older.count - 1, "snapshots piling up in one stretch: \(kept)")
        // Deleting the snapshots loses nothing.
        try FileManager.default.removeItem(atPath: dir.sub("store/snapshots"))
        let fresh = try reopen(dir, clock: clock, mode: .read, snapshotInterval: 7)
        #expect(fresh.core == core)
        #expect(try fresh.schoolState() == school.shared)
    }

    /// A snapshot's tables file (staff, courses, request IDs, read in place) that is missing,
    /// damaged or made for another snapshot makes the snapshot unusable: the state is rebuilt
    /// from an older snapshot or the log, and equals a full replay.
    @Test func snapshotTablesThatAreMissingDamagedOrForeignAreNotUsed() throws {
        let dir = TemporaryDirectory("engine-tables"); defer { dir.remove() }
        let clock = TestClock("2024-09-02T09:00:00+08:00")
        let engine = try makeEngine(dir, clock: clock, snapshotInterval: 5)
        try seedSchool(engine, clock: clock, students: 6)
        for s in 1...6 { try engine.submit([upload("S11200\(s)", requestId: "req-\(s)")]); clock.advance(seconds: 10) }
        engine.close()
        var reference = SharedState(detail: .core)
        var all: [Event] = []
        try reopen(dir, clock: clock, mode: .read, snapshotInterval: 5).forEachEvent { all.append($0); reference.apply($0); return true }
        let snapshots = dir.sub("store/snapshots")
        let tables = try FileManager.default.contentsOfDirectory(atPath: snapshots).filter { $0.hasPrefix("core-") && $0.hasSuffix(".tables") }.sorted()
        #expect(tables.count >= 2)
        let newest = snapshots + "/" + tables.last!, older = snapshots + "/" + tables[tables.count - 2]
        let original = readFileBytes(newest)
        func check(_ what: String) throws {
            let r = try reopen(dir, clock: clock, snapshotInterval: 5)
            defer { r.close() }
            #expect(r.core == reference, "\(what)")
            #expect(r.core.staff["T200"]?.name == "林老師" && r.core.course("MATH1", Term(year: AcademicYear(113), semester: 1)) != nil, "\(what)")
            // A retried request is still found (its ID is in the student's stream).
            #expect(try r.submit([upload("S112003", requestId: "req-3")])[0] == all.first { $0.requestId == "req-3" }, "\(what)")
        }
        try check("intact")
        var flipped = original
        flipped[flipped.count / 2] ^= 0x10
        writeFileBytes(newest, flipped)
        try check("damaged tables")
        try FileManager.default.removeItem(atPath: newest)
        try check("missing tables")
        try FileManager.default.copyItem(atPath: older, toPath: newest)
        try check("another snapshot's tables")
        // Well-formed tables for the right digest and seq, but not the ones saved with the
        // snapshot (another save of that seq: another detail or program version).
        // (The newest snapshot now: the checks above saved new ones.)
        let head = try #require(try FileManager.default.contentsOfDirectory(atPath: snapshots).filter { $0.hasPrefix("core-") && $0.hasSuffix(".tables") }.max())
        let seq = UInt64(head.dropFirst(5).dropLast(7))!
        let reader = try reopen(dir, clock: clock, mode: .read, snapshotInterval: 5)
        let digest = try reader.log.digest(of: seq).hex
        reader.close()
        try FileManager.default.removeItem(atPath: snapshots + "/" + head)
        try DerivedFile.writeChunked(Engine.encodeTables([[], [], [], []].map { (_: [UInt8]) in [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] }, digest: digest, seq: seq),
                                     to: snapshots + "/" + head, kind: Engine.tablesKind, version: Engine.tablesVersion)
        try check("tables of another save of the same seq")

        // A tables file left without its snapshot (a save killed in between) is removed by the
        // next thinning once it is a minute old.
        let orphan = snapshots + "/core-00000000000000000002.tables"
        try FileManager.default.copyItem(atPath: older, toPath: orphan)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -120)], ofItemAtPath: orphan)
        let writer = try reopen(dir, clock: clock, snapshotInterval: 5)
        for s in 1...6 { try writer.submit([upload("S11200\(s)", "CHEM1")]); clock.advance(seconds: 10) }
        writer.close()
        #expect(!FileManager.default.fileExists(atPath: orphan))
    }

    /// A tables file is checked per 4 KiB chunk as lookups read it: damage in its header chunk
    /// makes the snapshot unusable (an older one or the log is replayed), damage found later,
    /// by a lookup, makes its tables answer from the same state replayed from the log (saved
    /// over the damaged snapshot). Every answer equals a full replay's, wherever the damage
    /// lies.
    @Test func damageFoundByALookupInATablesFileIsRepairedFromTheLog() throws {
        let dir = TemporaryDirectory("engine-tables-chunks"); defer { dir.remove() }
        let clock = TestClock("2024-09-02T09:00:00+08:00")
        let engine = try makeEngine(dir, clock: clock, snapshotInterval: 100)
        try seedSchool(engine, clock: clock, students: 6)
        // Enough courses for a tables file of several chunks; the batch crosses seq 100, so
        // a snapshot is saved after it.
        try engine.submit((0..<300).map { i in
            event(#"{"type":"course.offered","actor":"A001","requestId":"course-\#(i)","data":{"courseId":"C\#(1000 + i)","term":"113-1","name":"選修課程\#(i)","teachers":["T200"],"class":"101"}}"#)
        })
        for s in 1...6 { try engine.submit([upload("S11200\(s)", "C1150", requestId: "req-\(s)")]); clock.advance(seconds: 10) }
        engine.close()
        var reference = SharedState(detail: .core)
        var all: [Event] = []
        try reopen(dir, clock: clock, mode: .read).forEachEvent { all.append($0); reference.apply($0); return true }
        let snapshots = dir.sub("store/snapshots")
        let names = try FileManager.default.contentsOfDirectory(atPath: snapshots).filter { $0.hasPrefix("core-") }
        let tablesName = try #require(names.filter { $0.hasSuffix(".tables") }.max())
        let snapName = String(tablesName.dropLast(7)) + ".snap"
        #expect(UInt64(tablesName.dropFirst(5).dropLast(7))! < all.count, "the snapshot is not at the last seq")
        let tables = readFileBytes(snapshots + "/" + tablesName), snap = readFileBytes(snapshots + "/" + snapName)
        let bodyLength = Int(tables[16..<24].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        #expect(bodyLength > 4 * 4096)
        let term = Term(year: AcademicYear(113), semester: 1)
        var schoolRequests: [String: UInt64] = [:]
        for e in all where e.streamKey == nil { if let id = e.requestId { schoolRequests[id] = e.seq } }
        var repaired = 0
        for offset in stride(from: 0, to: tables.count, by: 509) {
            for name in try FileManager.default.contentsOfDirectory(atPath: snapshots) where name.hasPrefix("core-") {
                try FileManager.default.removeItem(atPath: snapshots + "/" + name)
            }
            var damaged = tables
            damaged[offset] ^= 0x04
            writeFileBytes(snapshots + "/" + tablesName, damaged)
            writeFileBytes(snapshots + "/" + snapName, snap)
            let r = try reopen(dir, clock: clock, snapshotInterval: 100)
            #expect(r.core.course("C1299", term)?.name == "選修課程299", "offset \(offset)")
            #expect(r.core.course("C1150", term) == reference.course("C1150", term), "offset \(offset)")
            #expect(r.core.staff["T300"]?.homeroomClass == "101", "offset \(offset)")
            #expect(try r.submit([event(#"{"type":"course.offered","actor":"A001","requestId":"course-7","data":{"courseId":"C1007","term":"113-1","name":"選修課程7","teachers":["T200"],"class":"101"}}"#)])[0]
                    == all.first { $0.requestId == "course-7" }, "offset \(offset)")
            #expect(try r.submit([upload("S112003", "C1150", requestId: "req-3")])[0] == all.first { $0.requestId == "req-3" }, "offset \(offset)")
            #expect(r.core == reference, "offset \(offset)")
            #expect(r.requests.dictionary == schoolRequests, "offset \(offset)")
            r.close()
            // A repair saves the replayed state over the damaged files; an unusable snapshot
            // is left as it was.
            let now = FileManager.default.fileExists(atPath: snapshots + "/" + tablesName) ? readFileBytes(snapshots + "/" + tablesName) : []
            let wasRepaired = now != damaged
            if wasRepaired { repaired += 1 }
            // Chunks 1–3 of the body hold course entries only (the tables' headers and the
            // courses' offsets are in chunk 0, read when the snapshot is opened): damage there
            // is found by a lookup and repaired. Damage in a chunk read when the snapshot is
            // opened makes it unusable instead.
            if offset >= 36 + 4096 && offset < 36 + 4 * 4096 { #expect(wasRepaired, "offset \(offset)") }
        }
        #expect(repaired >= 3 * 4096 / 509)
    }

    /// When the log itself cannot be replayed, damaged tables answer nothing: a command then
    /// fails with the log's error (not a rule's rejection made from missing answers), and
    /// nothing is appended.
    @Test func tablesThatCannotBeRepairedStopAppends() throws {
        let dir = TemporaryDirectory("engine-tables-norepair"); defer { dir.remove() }
        let clock = TestClock("2024-09-02T09:00:00+08:00")
        var options = Engine.Options()
        options.clock = { clock.now }
        options.snapshotInterval = 100
        options.log.segmentTargetBytes = 4096
        let engine = try Engine.create(at: dir.sub("store"), schoolCode: "170301", schoolName: "中山高中",
                                       adminId: "A001", adminName: "試務組", options: options)
        try seedSchool(engine, clock: clock, students: 6)
        try engine.submit((0..<300).map { i in
            event(#"{"type":"course.offered","actor":"A001","data":{"courseId":"C\#(1000 + i)","term":"113-1","name":"選修課程\#(i)","teachers":["T200"],"class":"101"}}"#)
        })
        try engine.submit([upload("S112001", "C1150")])
        engine.close()
        let snapshots = dir.sub("store/snapshots")
        let tablesName = try #require(try FileManager.default.contentsOfDirectory(atPath: snapshots).filter { $0.hasPrefix("core-") && $0.hasSuffix(".tables") }.max())
        var tables = readFileBytes(snapshots + "/" + tablesName)
        tables[36 + 2 * 4096 + 100] ^= 0x04
        writeFileBytes(snapshots + "/" + tablesName, tables)
        // The first segment (sealed: not read when the store opens) loses its first block.
        let segments = try FileManager.default.contentsOfDirectory(atPath: dir.sub("store/segments")).filter { $0.hasSuffix(".lseg") }.sorted()
        #expect(segments.count >= 2)
        var first = readFileBytes(dir.sub("store/segments/") + segments[0])
        first[128 + 96 + 4] ^= 0x01
        writeFileBytes(dir.sub("store/segments/") + segments[0], first)

        let r = try Engine.open(at: dir.sub("store"), options: options)
        defer { r.close() }
        let last = r.log.lastSeq
        // A query that reads every course meets the damaged chunk; its repair fails.
        #expect(r.core.courses.count < 302)
        do {
            try r.submit([upload("S112002", "C1299")])
            Issue.record("the upload was appended")
        } catch EngineError.rejected(let rejection, _) {
            Issue.record("rejected by a rule instead of the log's error: \(rejection)")
        } catch {
            #expect("\(error)".contains("damaged"), "\(error)")
        }
        #expect(r.log.lastSeq == last)
        // Nor is a state built on those tables saved, or handed out.
        let before = try FileManager.default.contentsOfDirectory(atPath: snapshots).sorted()
        r.saveSnapshot(r.core, requests: r.requests)
        #expect(try FileManager.default.contentsOfDirectory(atPath: snapshots).sorted() == before)
        #expect(throws: EngineError.self) { try r.coreState(through: last) }
        #expect(r.tablesRepairFailure() != nil)
    }

    /// A writer checks the signing key's file when it opens and makes the key when a seal first
    /// needs it: a key file removed in between fails that append (nothing written, the log
    /// not poisoned) instead of sealing unsigned from then on.
    @Test func aSigningKeyRemovedAfterOpeningFailsTheSealThatNeedsIt() throws {
        let dir = TemporaryDirectory("engine-key-removed"); defer { dir.remove() }
        let clock = TestClock("2024-09-02T09:00:00+08:00")
        var options = Engine.Options()
        options.clock = { clock.now }
        options.log.segmentTargetBytes = 4096
        let engine = try Engine.create(at: dir.sub("store"), schoolCode: "170301", schoolName: "中山高中",
                                       adminId: "A001", adminName: "試務組", options: options)
        try seedSchool(engine, clock: clock, students: 6)
        engine.close()
        let r = try Engine.open(at: dir.sub("store"), options: options)
        defer { r.close() }
        let keyPath = StoreKeys.privateKeyPath(store: dir.sub("store"))
        let key = readFileBytes(keyPath)
        try FileManager.default.removeItem(atPath: keyPath)
        var failure: EngineError?
        for i in 0..<200 where failure == nil {
            do { try r.submit([upload("S11200\(i % 6 + 1)", requestId: "k-\(i)")]) } catch { failure = error }
            clock.advance(seconds: 1)
        }
        #expect("\(String(describing: failure))".contains("removed after the store was opened"))
        let last = r.log.lastSeq
        // Put back, the key seals the next append in the same process.
        writeFileBytes(keyPath, key)
        chmod(keyPath, 0o600)
        try r.submit([upload("S112001", requestId: "k-after")])
        #expect(r.log.lastSeq == last + 1)
        #expect(try r.log.verify().signedSegments >= 1)
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
        let aSnapshots = a.snapshotSeqs(.core)
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
        for detail in [SharedState.Detail.core, .school] where FileManager.default.fileExists(atPath: a.snapshotPath(detail, stolen)) {
            try FileManager.default.copyItem(atPath: a.snapshotPath(detail, stolen), toPath: branch + "/snapshots/" + (a.snapshotPath(detail, stolen) as NSString).lastPathComponent)
        }
        let reader = try Engine.open(at: branch, mode: .read, options: options)
        var school = SchoolState()
        var core = SharedState(detail: .core)
        try reader.forEachEvent { school.apply($0); core.apply($0); return true }
        #expect(reader.core == core)
        let readerSchool = try reader.schoolState()
        #expect(readerSchool == school.shared)
        #expect(readerSchool.items["S112002-C1"] != nil && readerSchool.items["S112001-C1"] == nil)
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
            let p = Portfolio(student: try engine.studentState("S112001", through: seq), shared: try engine.coreState(through: seq))
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

    /// A submission reaches every student it carries, however their state is obtained: cached
    /// by the writer before it, loaded in the same batch after it, or read later from the log and
    /// the batch's list (a derived file: missing or damaged, it is rebuilt from the event).
    @Test func submissionReachesCachedLoadedAndLaterReadStudents() throws {
        let dir = TemporaryDirectory("engine-submission"); defer { dir.remove() }
        let clock = TestClock("2024-09-02T09:00:00+08:00")
        let engine = try makeEngine(dir, clock: clock)
        try seedSchool(engine, clock: clock, students: 3)
        try engine.submit([upload("S112001"), upload("S112002"), upload("S112003")])
        try engine.submit((1...3).map { i in event(#"{"type":"course-outcome.certified","actor":"T200","data":{"itemId":"S11200\#(i)-C1","decision":"certified"}}"#) })
        try engine.submit((1...2).map { i in event(#"{"type":"item.selected","actor":"S11200\#(i)","data":{"itemId":"S11200\#(i)-C1"}}"#) })
        let submission = event(#"{"type":"submission.made","actor":"A001","data":{"kind":"course-outcomes","year":113}}"#)
        func deselect(_ s: String) -> Event { event(#"{"type":"item.deselected","actor":"\#(s)","data":{"itemId":"\#(s)-C1"}}"#) }
        func isFrozen(_ error: Error) -> Bool {
            guard case EngineError.rejected(let r, _) = error else { return false }
            return r.rule == .state && r.description.contains("submitted")
        }
        // In one batch, an event after the submission sees it (and the batch is not written).
        let last = engine.log.lastSeq
        #expect { try engine.submit([submission, deselect("S112002")]) } throws: { isFrozen($0) }
        #expect(engine.log.lastSeq == last)
        let batch = try engine.submit([submission])[0]
        guard case .submissionMade(let d) = batch.body, let batchId = d.batchId else { Issue.record("no batch ID"); return }
        #expect(d.items == ["S112001-C1", "S112002-C1"])
        // The writer had S112001 cached before the submission.
        #expect { try engine.submit([deselect("S112001")]) } throws: { isFrozen($0) }
        engine.close()

        var reference = SchoolState()
        let reader = try reopen(dir, clock: clock, mode: .read)
        try reader.forEachEvent { reference.apply($0); return true }
        reader.close()
        let members = dir.sub("store/snapshots/batch-" + String(format: "%020llu", batch.seq) + ".members")
        #expect(FileManager.default.fileExists(atPath: members))
        func check(_ what: String) throws {
            let r = try reopen(dir, clock: clock, mode: .read)
            defer { r.close() }
            for s in ["S112001", "S112002", "S112003"] {
                #expect(try r.studentState(s) == reference.students[s], "\(s) differs (\(what))")
            }
            let st = try r.studentState("S112002")
            #expect(st.submittedIn(itemId: "S112002-C1") == batchId && st.selectionsFrozen(AcademicYear(113), .courseOutcome), "\(what)")
            #expect(st.batch(batchId)?.carriesStudent == true)
            #expect(st.batch(batchId)?.itemPositions.map { st.items[Int($0)].itemId } == ["S112002-C1"])
            #expect(try r.studentState("S112003").batches.isEmpty)
        }
        try check("batch list saved by the writer")
        try FileManager.default.removeItem(atPath: members)
        try check("batch list missing")
        #expect(FileManager.default.fileExists(atPath: members), "the reader rebuilds the list")
        // Every single byte of the file damaged in turn: never a wrong answer (the lists are
        // checked chunk by chunk as they are read, and rebuilt from the event when damaged).
        let intact = readFileBytes(members)
        for offset in intact.indices {
            var bytes = intact
            bytes[offset] ^= 0x40
            writeFileBytes(members, bytes)
            try check("batch list damaged at byte \(offset)")
        }
        // A list made for another batch at that seq, or for the same batch ID and seq of another
        // history (another time), is not used.
        let storeID = try Engine.open(at: dir.sub("store"), mode: .read).log.storeID
        let other = SubmissionMade(batchId: batchId, items: ["S112003-C1"], students: ["S112003"])
        for foreign in [BatchMembers(batchId: "113-course-outcomes-9", seq: batch.seq, at: batch.recordedAt, other),
                        BatchMembers(batchId: batchId, seq: batch.seq, at: batch.recordedAt - 1, other)] {
            try DerivedFile.writeChunked(foreign.encoded(storeID: storeID), to: members, kind: BatchMembers.fileKind,
                                         version: BatchMembers.fileVersion)
            try check("a list of another batch or history")
        }
    }

    @Test func sortedStringsFindPrefixesAndMembersByBytes() {
        let list = SortedStrings(["S2-C1", "S1-C2", "S1-C10", "S10-C1", "甲-C1", "S1-P1", ""])
        #expect(list.withPrefix("S1-") == ["S1-C10", "S1-C2", "S1-P1"])
        #expect(list.withPrefix("S10-") == ["S10-C1"])
        #expect(list.withPrefix("甲-") == ["甲-C1"])
        #expect(list.withPrefix("S3-").isEmpty)
        #expect(list.contains("S2-C1") && list.contains("") && !list.contains("S2-C") && !list.contains("S2-C11"))
        // Offsets out of order: the string reads as empty (never a trap); past the end: refused.
        let crafted = SortedStrings(reading: ByteBuffer([2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 1, 2]), at: 0, limit: 18, checks: nil)
        #expect(crafted?.string(1) == "" && crafted?.contains("\u{1}") == false)
        #expect(SortedStrings(reading: ByteBuffer([1, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 1, 2, 3]), at: 0, limit: 15, checks: nil) == nil)
        #expect(SortedStrings(reading: ByteBuffer([1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 1, 2, 3]), at: 0, limit: 15, checks: nil)?.contains("\u{1}\u{2}\u{3}") == true)
    }
}
