import Testing
import LichengDomain
import TestSupport
@testable import Licheng

@Suite struct BinaryCoderTests {
    struct Sample: Codable, Equatable {
        var name: String
        var count: Int
        var ratio: Double
        var flag: Bool
        var missing: String?
        var present: Int64?
        var list: [UInt32]
        var map: [String: [Int]]
        var terms: [Term: String]
        var item: ItemInfo
        var nested: [Sample]?
        var set: Set<String> = []
    }

    func sample() -> Sample {
        Sample(name: "學習歷程 ✓", count: -42, ratio: 0.25, flag: true, missing: nil, present: 7, list: [1, 2, 3],
               map: ["a": [1], "": [], "長": [-1, 0]], terms: [Term("113-1")!: "first", Term("113-2")!: "second"],
               item: ItemInfo(kind: .courseOutcome, year: AcademicYear(113), semester: 2, selected: true, submitted: true),
               nested: [Sample(name: "", count: 0, ratio: -1, flag: false, missing: "x", present: nil, list: [], map: [:],
                               terms: [:], item: ItemInfo(kind: .performance, year: AcademicYear(114)),
                               nested: nil)], set: ["甲", "乙", ""])
    }

    @Test func valuesRoundTrip() throws {
        let value = sample()
        #expect(try BinaryCoder.decode(Sample.self, from: BinaryCoder.encode(value)) == value)
    }

    @Test func truncatedOrGarbledBytesThrowAndNeverTrap() throws {
        let bytes = try BinaryCoder.encode(sample())
        for cut in 0..<bytes.count {
            #expect(throws: (any Error).self) { try BinaryCoder.decode(Sample.self, from: Array(bytes[0..<cut])) }
        }
        var random = SeededGenerator(seed: 3)
        for _ in 0..<2000 {
            var garbled = bytes
            garbled[Int.random(in: 0..<garbled.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            _ = try? BinaryCoder.decode(Sample.self, from: garbled)
        }
    }

    /// Values with a hand-written form, every optional field set and unset.
    func handWritten() -> ([Batch], [CourseInfo], [StudentInfo]) {
        var receipt = ReceiptRecord.fields(status: .disputed, method: .mail, reason: "成績有誤", seq: 9, at: -5, by: "E1", everConfirmed: true)
        var batch = Batch.fields(batchId: "113-course-outcomes-1", kind: .courseOutcomes, year: AcademicYear(113), term: Term("113-1"),
                                 items: ["S1-1", "S2-學"], students: ["S1", "S2"], replaces: "113-course-outcomes-0", replacedBy: "x",
                                 submittedBy: "D1", onBehalfOf: "D2", seq: 77, at: 1_700_000_000_000_000)
        batch.schoolReceipt = receipt
        receipt.method = nil; receipt.reason = nil; receipt.status = .confirmed
        batch.studentReceipts = ["S1": StudentReceipt(status: .disputed, everConfirmed: true),
                                 "S2": StudentReceipt(status: .confirmed, method: .mail, everConfirmed: true),
                                 "S3": StudentReceipt(status: .resolved, everConfirmed: false)]
        var bare = Batch.fields(batchId: "b", kind: .cadres, year: AcademicYear(114), term: nil, items: [], students: [],
                                replaces: nil, replacedBy: nil, submittedBy: "", onBehalfOf: nil, seq: 0, at: 0)
        bare.schoolReceipt = receipt
        let courses = [CourseInfo.fields(courseId: "C1", term: Term("113-2")!, name: "國語文", teachers: ["T1", "T2"], class: "101"),
                       CourseInfo.fields(courseId: "", term: Term("100-1")!, name: "", teachers: [], class: nil)]
        var departed = StudentInfo.fields(id: "S1", name: "王小明", class: "101", enrolledSeq: 12)
        departed.departedOn = LocalDate(days: 20_000)
        departed.departureReason = .transferredOut
        departed.departureRecordedOn = LocalDate(days: 20_003)
        departed.purged = true
        departed.purgedSeq = 99
        return ([batch, bare], courses, [departed, StudentInfo.fields(id: "", name: "", class: "", enrolledSeq: 0)])
    }

    @Test func handWrittenFormsRoundTrip() throws {
        let (batches, courses, students) = handWritten()
        #expect(try BinaryCoder.decode([Batch].self, from: BinaryCoder.encode(batches)) == batches)
        #expect(try BinaryCoder.decode([CourseInfo].self, from: BinaryCoder.encode(courses)) == courses)
        #expect(try BinaryCoder.decode([String: StudentInfo].self, from: BinaryCoder.encode(["a": students[0], "b": students[1]]))
                == ["a": students[0], "b": students[1]])
    }

    /// A field added to a type with a hand-written form must be added to that form
    /// (BinaryCoder.swift), or snapshots would silently drop it: this counts them.
    @Test func handWrittenFormsCoverEveryField() {
        let (batches, courses, students) = handWritten()
        #expect(Mirror(reflecting: batches[0]).children.count == 14, "Batch changed: update its form in BinaryCoder.swift")
        #expect(Mirror(reflecting: batches[0].schoolReceipt!).children.count == 7, "ReceiptRecord changed: update its form")
        #expect(Mirror(reflecting: batches[0].studentReceipts["S1"]!).children.count == 3, "StudentReceipt changed: update its form")
        #expect(Mirror(reflecting: courses[0]).children.count == 5, "CourseInfo changed: update its form")
        #expect(Mirror(reflecting: students[0]).children.count == 9, "StudentInfo changed: update its form")
        #expect(Mirror(reflecting: ItemInfo(kind: .performance, year: AcademicYear(113))).children.count == 2,
                "ItemInfo changed: update its form")
        let small = smallStateValues()
        for (value, fields) in [(small.store as Any, 4), (small.staff[0], 9), (small.window.1, 8), (small.window.0, 2), (Policy(), 10),
                                (small.member, 3), (small.meeting, 5), (small.training, 6), (CertificationTally(), 4)] {
            #expect(Mirror(reflecting: value).children.count == fields, "\(type(of: value)) changed: update its form in BinaryCoder.swift")
        }
    }

    /// One of each small value of the core state, every optional field set in one and not in another.
    func smallStateValues() -> (store: StoreInfo, staff: [StaffAccount], window: (WindowKey, WindowInfo), policy: Policy,
                                member: WorkingGroupMember, meeting: MeetingInfo, training: TrainingInfo, tally: CertificationTally) {
        let term = Term(year: AcademicYear(113), semester: 2)
        var full = StaffAccount.fields(id: "T1", name: "林老師", roles: [.subjectTeacher, .homeroomTeacher], homeroomClass: "101", registeredAt: 1_700_000_000_000_000)
        full.departedOn = LocalDate(days: 20_000)
        full.accountExpiresAt = 1_800_000_000_000_000
        full.unavailable = true
        full.unavailableReason = "留職停薪"
        let bare = StaffAccount.fields(id: "T2", name: "王", roles: [], homeroomClass: nil, registeredAt: -5)
        var policy = Policy()
        policy.courseOutcomeUploads = 12; policy.performanceUploads = 31; policy.courseOutcomeSelections = 5; policy.performanceSelections = 9
        policy.retentionYears = 4; policy.descriptionMaxChars = 120; policy.documentMaxBytes = 5 << 20; policy.mediaMaxBytes = 11 << 20
        policy.effectiveSeq = 77; policy.effectiveAt = 1_700_000_000_000_123
        var tally = CertificationTally()
        tally.decisions = 9; tally.insideWindow = 7; tally.byProxy = 2; tally.late = 1
        return (StoreInfo.fields(schoolCode: "170301", schoolName: "中山高中", adminId: "A001", initializedAt: 42), [full, bare],
                (SharedState.windowKey(term, .certification),
                 WindowInfo.fields(term: term, kind: .certification, opensAt: 1, closesAt: 2, selfCheckAt: 3, setSeq: 4, setAt: 5, deadline: 6)),
                policy, WorkingGroupMember(name: "陳", position: "組長", staffId: "T1"),
                MeetingInfo.fields(date: LocalDate(days: 19_999), term: term, decisions: "決議", seq: 8, by: "T1"),
                TrainingInfo.fields(kind: TrainingKind.allCases.first!, date: LocalDate(days: 19_000), audience: Audience.allCases, hosts: ["T1", "T2"], title: "研習", seq: 9),
                tally)
    }

    /// The small values' hand-written forms read back what was written, optional fields set or
    /// not, alone and inside a shared state; cut short or given stray bytes, they throw.
    @Test func smallStateValuesRoundTrip() throws {
        let v = smallStateValues()
        func roundTrip<T: Codable & Equatable>(_ value: T) throws {
            let bytes = try BinaryCoder.encode(value)
            #expect(try BinaryCoder.decode(T.self, from: bytes) == value, "\(T.self)")
            for cut in 0..<bytes.count {
                #expect(throws: (any Error).self, "\(T.self) cut to \(cut) bytes") { try BinaryCoder.decode(T.self, from: Array(bytes[0..<cut])) }
            }
            #expect(throws: (any Error).self, "\(T.self) with a stray byte") { try BinaryCoder.decode(T.self, from: bytes + [0]) }
        }
        try roundTrip(v.store); try roundTrip(v.staff); try roundTrip(v.window.0); try roundTrip(v.window.1)
        try roundTrip(v.policy); try roundTrip(Policy()); try roundTrip(v.member); try roundTrip(WorkingGroupMember(name: "x", position: "", staffId: nil))
        try roundTrip(v.meeting); try roundTrip(v.training); try roundTrip(v.tally)
        try roundTrip(LocalDate(days: -3)); try roundTrip(AcademicYear(114)); try roundTrip(Term(year: AcademicYear(114), semester: 1))
        var core = SharedState(detail: .school)
        core.store = v.store
        for a in v.staff { core.staff[a.id] = a }
        core.windows[v.window.0] = v.window.1
        core.policies = [Policy(), v.policy]
        core.workingGroup = [v.member]
        core.meetings = [v.meeting]
        core.trainings = [v.training]
        core.cadreStudents[AcademicYear(113)] = ["S1", "S2"]
        core.accountProxies = ["T1": ["T2", "T3"], "T9": [], "T甲": ["T1"]]
        core.roleProxies = [.academicDirector: ["T1", "T2"]]
        core.certificationTally[v.window.0.term] = ["T1": v.tally]
        core.lastSeq = 99
        core.lastRecordedAt = 1_725_238_980_000_000
        core.trustedSchools = ["180301": "ed25519:abc"]
        let (batches, courses, students) = handWritten()
        for b in batches { core.batches[b.batchId] = b; core.batchOrder.append(b.batchId) }
        for c in courses { core.courses[c.key] = c }
        core.coursesByTeacher["T1"] = ["C1@113-2"]
        for st in students { core.students[st.id] = st }
        core.items["S1-C1"] = ItemInfo(kind: .courseOutcome, year: AcademicYear(113), semester: 2, selected: true, submitted: true)
        core.setAwaitingCertification([CourseTerm("C1", Term(113, 2)): ["S1-C2": 17, "S2-C1": 18], CourseTerm("C2", Term(114, 1)): ["S1-C3": 19]])
        let encoded = try BinaryCoder.encode(core)
        let back = try BinaryCoder.decode(SharedState.self, from: encoded)
        #expect(back == core)
        #expect(back.staff["T1"] == v.staff[0] && back.windows[v.window.0] == v.window.1 && back.policy == v.policy)
        for cut in stride(from: 0, to: encoded.count, by: 7) {
            #expect(throws: (any Error).self, "a shared state cut to \(cut) bytes") { try BinaryCoder.decode(SharedState.self, from: Array(encoded[0..<cut])) }
        }
        // A core state's form leaves the school index out.
        var coreOnly = core
        coreOnly.detail = .core
        let coreBack = try BinaryCoder.decode(SharedState.self, from: try BinaryCoder.encode(coreOnly))
        #expect(coreBack.items.isEmpty && coreBack.students.isEmpty && coreBack.batches == core.batches && coreBack.policies == core.policies)
        #expect(back.awaitingQueue == ["S1-C2": CourseTerm("C1", Term(113, 2)), "S2-C1": CourseTerm("C1", Term(113, 2)), "S1-C3": CourseTerm("C2", Term(114, 1))])
        #expect(Mirror(reflecting: core).children.count == 23, "SharedState changed: update its form in BinaryCoder.swift")
    }

    /// A `LazyMap` read from a snapshot decodes only what is looked up; changes overlay it;
    /// written again, it holds base and changes; damaged tables throw or answer nil, never trap.
    @Test func lazyMapsReadTheirEntriesInPlace() throws {
        var courses = LazyMap<CourseInfo>()
        for i in 0..<500 {
            let c = CourseInfo.fields(courseId: "C\(i)", term: Term(year: AcademicYear(113), semester: 1), name: "課程 \(i)", teachers: ["T\(i % 7)"], class: i % 3 == 0 ? nil : "10\(i % 9)")
            courses[c.key] = c
        }
        courses["甲@113-1"] = CourseInfo.fields(courseId: "甲", term: Term(year: AcademicYear(113), semester: 1), name: "國文", teachers: [], class: nil)
        let bytes = try BinaryCoder.encode(courses)
        var read = try BinaryCoder.decode(LazyMap<CourseInfo>.self, from: bytes)
        #expect(read.base != nil && read.changes.isEmpty)
        #expect(read == courses)
        #expect(read["C42@113-1"] == courses["C42@113-1"] && read["甲@113-1"]?.name == "國文")
        #expect(read["C500@113-1"] == nil && read[""] == nil && read["C4"] == nil)
        // Unchanged, it is written back byte for byte; changed, base and changes are merged.
        #expect(try BinaryCoder.encode(read) == bytes)
        read["C1@113-1"]?.name = "改名"
        read["C2@113-1"] = nil
        read["new@113-2"] = CourseInfo.fields(courseId: "new", term: Term(year: AcademicYear(113), semester: 2), name: "新", teachers: ["T1"], class: nil)
        #expect(read["C1@113-1"]?.name == "改名" && read["C2@113-1"] == nil && read.count == 501)
        let again = try BinaryCoder.decode(LazyMap<CourseInfo>.self, from: try BinaryCoder.encode(read))
        #expect(again == read && again.dictionary["C2@113-1"] == nil && again["new@113-2"]?.name == "新")
        // Inside a shared state (a snapshot), staff and courses are read the same way.
        var shared = SharedState(detail: .core)
        shared.courses = courses
        let state = try BinaryCoder.decode(SharedState.self, from: try BinaryCoder.encode(shared))
        #expect(state.courses.base != nil && state.staff.base != nil && state == shared)
        // Damage: every truncation and many bit flips either throw or give answers, never trap.
        var random = SeededGenerator(seed: 7)
        for cut in stride(from: 0, to: bytes.count, by: 97) {
            if let m = try? BinaryCoder.decode(LazyMap<CourseInfo>.self, from: Array(bytes[..<cut])) { _ = m["C42@113-1"]; _ = m.dictionary }
        }
        for _ in 0..<300 {
            var b = bytes
            b[Int.random(in: 0..<b.count, using: &random)] ^= UInt8.random(in: 1...255, using: &random)
            if let m = try? BinaryCoder.decode(LazyMap<CourseInfo>.self, from: b) { _ = m["C42@113-1"]; _ = m["C99@113-1"]; _ = m.dictionary }
        }
    }

    /// The forms stated at compile time for the snapshot types (to spare the runtime's
    /// conformance scans) are the ones casting finds.
    @Test func knownFormsAgreeWithTheTypesConformances() {
        for (type, form) in knownFormList {
            #expect(form.sameAs(dynamicForm(of: type)), "the stated form of \(type) is wrong")
        }
        #expect(knownFormList.count > 50)
    }

    /// An `IDMap` has the binary form of the `[String: Value]` of its entries: each decodes the
    /// other's bytes (scalar values, the specialized tables, and values of the generic path).
    @Test func idMapsAreEncodedAsDictionaries() throws {
        let seqs = ["S1130001": UInt64(7), "S1130002-C1": 9, "學": 0, "": .max]
        let infos = ["S1-C1": ItemInfo(kind: .courseOutcome, year: AcademicYear(113), semester: 2, selected: true, submitted: true),
                     "S2-P1": ItemInfo(kind: .performance, year: AcademicYear(114), selected: true)]
        let lists = ["a": [1, 2], "": [], "長": [-1]]
        #expect(try BinaryCoder.decode([String: UInt64].self, from: BinaryCoder.encode(IDMap(seqs))) == seqs)
        #expect(try BinaryCoder.decode(IDMap<UInt64>.self, from: BinaryCoder.encode(seqs)) == IDMap(seqs))
        #expect(try BinaryCoder.decode([String: ItemInfo].self, from: BinaryCoder.encode(IDMap(infos))) == infos)
        #expect(try BinaryCoder.decode(IDMap<ItemInfo>.self, from: BinaryCoder.encode(infos)) == IDMap(infos))
        #expect(try BinaryCoder.decode([String: [Int]].self, from: BinaryCoder.encode(IDMap(lists))) == lists)
        #expect(try BinaryCoder.decode(IDMap<[Int]>.self, from: BinaryCoder.encode(lists)) == IDMap(lists))
        // One entry (one order): the same bytes, by the scalar path and by the generic one.
        #expect(try BinaryCoder.encode(IDMap(["S1130001": UInt64(3)])) == BinaryCoder.encode(["S1130001": UInt64(3)]))
        #expect(try BinaryCoder.encode(IDMap(["長": [-1, 2]])) == BinaryCoder.encode(["長": [-1, 2]]))
        // Cut bytes throw; garbled ones throw or decode to something; neither traps.
        let bytes = try BinaryCoder.encode(IDMap(infos))
        for cut in 0..<bytes.count {
            #expect(throws: (any Error).self) { try BinaryCoder.decode(IDMap<ItemInfo>.self, from: Array(bytes[0..<cut])) }
        }
        var random = SeededGenerator(seed: 9)
        for _ in 0..<2000 {
            var b = bytes
            b[Int.random(in: 0..<b.count, using: &random)] ^= UInt8.random(in: 1...255, using: &random)
            _ = try? BinaryCoder.decode(IDMap<ItemInfo>.self, from: b)
        }
    }
}
