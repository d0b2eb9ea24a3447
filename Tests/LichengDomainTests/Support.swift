import Testing
@testable import LichengDomain

func ts(_ s: String) -> Timestamp { Taipei.parse(s)! }
func day(_ s: String) -> LocalDate { LocalDate(s)! }
let sha = String(repeating: "ab", count: 32)

func pdf(_ name: String = "report.pdf", size: Int64 = 1000) -> FileEntry {
    FileEntry(name: name, mediaType: "application/pdf", size: size, sha256: sha)
}

/// A little engine for tests: decide + apply, one student state per stream.
struct World {
    /// The reference application order (`SchoolState.apply`).
    var school = SchoolState()
    var shared: SharedState { school.shared }
    var students: IDMap<StudentState> { school.students }
    var log: [Event] = []
    var now: Timestamp

    init(at start: String = "2024-09-02T09:00:00+08:00") { now = ts(start) }

    @discardableResult
    mutating func append(_ actor: String, _ body: EventBody, student: String? = nil, onBehalfOf: String? = nil,
                         at: String? = nil) throws(Rejection) -> Event {
        if let at { now = ts(at) }
        let p = Event(actor: actor, onBehalfOf: onBehalfOf, student: student, body: body)
        let e = try school.decide(p, now: now)
        apply(e)
        now += 1_000_000
        return e
    }

    mutating func apply(_ e: Event) {
        log.append(e)
        school.apply(e)
    }

    /// The student's state (empty for an unknown ID).
    func student(_ id: String) -> StudentState { students[id] ?? StudentState(id: id) }

    /// The world after replaying only the events up to `seq` ("as of").
    func asOf(_ seq: UInt64) -> World {
        var w = World()
        w.now = now
        for e in log where e.seq <= seq { w.apply(e) }
        return w
    }

    /// Expect a rejection naming `rule`; returns its message.
    @discardableResult
    mutating func rejects(_ rule: Rejection.Rule, _ actor: String, _ body: EventBody, student: String? = nil,
                          onBehalfOf: String? = nil, at: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let before = shared.lastSeq
        do {
            let e = try append(actor, body, student: student, onBehalfOf: onBehalfOf, at: at)
            Issue.record("expected a \(rule) rejection, but \(e.type.rawValue) was accepted", sourceLocation: sourceLocation)
            return ""
        } catch {
            #expect(error.rule == rule, "\(error)", sourceLocation: sourceLocation)
            #expect(shared.lastSeq == before, sourceLocation: sourceLocation)
            return error.description
        }
    }

    // MARK: shortcuts

    @discardableResult
    mutating func upload(_ s: String, course: String = "MATH1", term: String = "113-1", title: String = "Lab report",
                         description: String = "A short summary", files: [FileEntry] = [pdf()], itemId: String? = nil,
                         at: String? = nil) throws(Rejection) -> String {
        let e = try append(s, .courseOutcomeUploaded(CourseOutcomeUploaded(itemId: itemId, term: Term(term)!, courseId: course, title: title, description: description, files: files)), at: at)
        return e.body.itemId!
    }

    @discardableResult
    mutating func uploadPerformance(_ s: String, year: Int = 113, at: String? = nil) throws(Rejection) -> String {
        let e = try append(s, .performanceUploaded(PerformanceUploaded(year: AcademicYear(year), category: .competition, title: "Science fair", description: "Second prize", files: [pdf()])), at: at)
        return e.body.itemId!
    }

    mutating func certify(_ teacher: String, _ item: String, _ decision: CertificationDecision = .certified, onBehalfOf: String? = nil, at: String? = nil) throws(Rejection) {
        try append(teacher, .courseOutcomeCertified(CourseOutcomeCertified(itemId: item, decision: decision, reason: decision == .returned ? .wrongCourse : nil)), onBehalfOf: onBehalfOf, at: at)
    }

    mutating func select(_ s: String, _ item: String, at: String? = nil) throws(Rejection) {
        try append(s, .itemSelected(ItemRef(itemId: item)), at: at)
    }

    mutating func window(_ term: String, _ kind: WindowKind, _ opens: String, _ closes: String, selfCheck: String? = nil) throws(Rejection) {
        try append("D001", .scheduleWindowSet(ScheduleWindowSet(term: Term(term)!, kind: kind, opensAt: Instant(ts(opens)), closesAt: Instant(ts(closes)), selfCheckAt: selfCheck.map { Instant(ts($0)) })))
    }

    /// A school with staff, three students, courses in 113-1 / 113-2 and every window of 113-1 open
    /// from 2024-09-01 to 2025-01-31 (certification to 2025-02-10).
    static func school() throws(Rejection) -> World {
        var w = World(at: "2024-08-20T09:00:00+08:00")
        try w.append("A001", .storeInitialized(StoreInitialized(schoolCode: "173301", schoolName: "基隆市立中山高級中學", adminId: "A001", adminName: "試務組長")))
        let staff: [(String, String, [StaffRole], String?)] = [
            ("P001", "校長", [.principal], nil),
            ("D001", "教務主任", [.academicDirector], nil),
            ("T001", "王老師", [.subjectTeacher, .homeroomTeacher], "101"),
            ("T002", "李老師", [.subjectTeacher], nil),
            ("T003", "陳老師", [.subjectTeacher, .homeroomTeacher], "102"),
            ("AS01", "訓育組長", [.activitiesSection], nil),
            ("CS01", "社團活動組長", [.clubsSection], nil),
            ("RS01", "實驗研究組長", [.researchSection], nil),
            ("CC01", "課程諮詢教師", [.courseCounselor], nil),
            ("CO01", "輔導處", [.counselingOffice], nil),
            ("DS01", "生輔組長", [.disciplineSection], nil),
            ("DA01", "資料組長", [.dataSection], nil),
        ]
        for (id, name, roles, cls) in staff {
            try w.append("A001", .staffRegistered(StaffRegistered(staffId: id, name: name, roles: roles, homeroomClass: cls)))
        }
        for (id, name, cls) in [("S1130001", "林小明", "101"), ("S1130002", "張小華", "101"), ("S1130003", "黃小美", "102")] {
            try w.append("A001", .studentEnrolled(StudentEnrolled(name: name, class: cls, nationalId: "A12345678" + id.suffix(1), admittedOn: day("2024-08-01"))), student: id)
        }
        try w.append("A001", .courseOffered(CourseOffered(courseId: "MATH1", term: Term(113, 1), name: "數學", teachers: ["T001"], class: "101")))
        try w.append("A001", .courseOffered(CourseOffered(courseId: "CHEM1", term: Term(113, 1), name: "化學", teachers: ["T002"])))
        try w.append("A001", .courseOffered(CourseOffered(courseId: "MATH2", term: Term(113, 2), name: "數學", teachers: ["T001"], class: "101")))
        for k in WindowKind.allCases {
            try w.window("113-1", k, "2024-09-01", k == .certification ? "2025-02-10T23:59:59+08:00" : "2025-01-31T23:59:59+08:00")
        }
        w.now = ts("2024-09-02T09:00:00+08:00")
        return w
    }
}

/// One event of every type, with non-default values in every field where possible.
func sampleEvents() -> [Event] {
    let t = Term(113, 1)
    let bodies: [(String, String?, String?, EventBody)] = [
        ("A001", nil, nil, .storeInitialized(StoreInitialized(schoolCode: "173301", schoolName: "中山高中", adminId: "A001", adminName: "管理者"))),
        ("A001", nil, nil, .staffRegistered(StaffRegistered(staffId: "T001", name: "王老師", roles: [.subjectTeacher, .homeroomTeacher], homeroomClass: "101"))),
        ("A001", nil, nil, .staffRolesChanged(StaffRolesChanged(staffId: "T001", roles: [.subjectTeacher], homeroomClass: nil))),
        ("A001", nil, nil, .staffDeparted(StaffDeparted(staffId: "T001", effectiveOn: day("2025-02-01"), accountExpiresAt: Instant(ts("2025-03-01"))))),
        ("A001", nil, nil, .staffAccountExtended(StaffAccountExtended(staffId: "T001", accountExpiresAt: Instant(ts("2025-04-01T12:00:00.25+08:00"))))),
        ("A001", nil, nil, .staffUnavailable(StaffUnavailable(staffId: "T002", reason: "病假"))),
        ("A001", nil, nil, .staffAvailable(StaffAvailable(staffId: "T002"))),
        ("D001", nil, nil, .proxyAssigned(ProxyAssigned(staffId: nil, role: .subjectTeacher, proxies: ["T002", "T003"]))),
        ("P001", nil, nil, .workingGroupMemberSet(WorkingGroupMemberSet(members: [WorkingGroupMember(name: "校長", position: "召集人", staffId: "P001"), WorkingGroupMember(name: "家長代表", position: "委員", staffId: nil)]))),
        ("P001", nil, nil, .workingGroupMeetingHeld(WorkingGroupMeetingHeld(date: day("2024-09-10"), term: t, decisions: "期程通過"))),
        ("D001", nil, nil, .scheduleWindowSet(ScheduleWindowSet(term: t, kind: .selection, opensAt: Instant(ts("2024-09-01")), closesAt: Instant(ts("2025-01-31")), selfCheckAt: Instant(ts("2025-01-15"))))),
        ("D001", nil, nil, .policySet(PolicySet(courseOutcomeUploads: 16, performanceUploads: nil, courseOutcomeSelections: 6, performanceSelections: 10, retentionYears: 3, descriptionMaxChars: nil, documentMaxBytes: 5, mediaMaxBytes: nil))),
        ("DA01", nil, nil, .trainingHeld(TrainingHeld(kind: .orientation, date: day("2024-09-20"), audience: [.students, .parents], hosts: ["DA01"], title: "宣導"))),
        ("A001", nil, "S1130001", .studentEnrolled(StudentEnrolled(name: "林小明", class: "101", nationalId: "A123456789", admittedOn: day("2024-08-01")))),
        ("A001", nil, "S1130001", .studentRecordUpdated(StudentRecordUpdated(name: nil, class: "102", nationalId: nil, admittedOn: nil))),
        ("A001", nil, "S1130001", .studentDeparted(StudentDeparted(reason: .withdrawn, effectiveOn: day("2025-01-10")))),
        ("A001", nil, "S1130001", .studentReEnrolled(StudentReEnrolled(kind: .repeating, effectiveOn: day("2025-08-01"), class: "101"))),
        ("A001", nil, nil, .courseOffered(CourseOffered(courseId: "MATH1", term: t, name: "數學", teachers: ["T001", "T002"], class: "101"))),
        ("RS01", nil, "S1130001", .electiveRegistered(ElectiveRegistered(term: t, courseIds: ["MATH1", "CHEM1"]))),
        ("A001", nil, "S1130001", .gradeRecorded(GradeRecorded(courseId: "MATH1", term: t, score: 87.5, credits: 4))),
        ("CC01", nil, "S1130001", .counselingRecorded(CounselingRecorded(heldAt: Instant(ts("2024-10-01T10:00:00+08:00")), place: "輔導室", content: "選課", opinion: "建議自然組"))),
        ("CO01", nil, "S1130001", .coursePlanRecorded(CoursePlanRecorded(term: t, groupExploration: "理工", careerPlan: "工程師"))),
        ("T001", nil, "S1130001", .cadreRecorded(CadreRecorded(level: .class, title: "班長", term: t, unit: "101"))),
        ("DS01", nil, "S1130001", .attendanceRecorded(AttendanceRecorded(term: t, excusedPeriods: 3, unexcusedPeriods: 1, notes: "ok"))),
        ("AS01", nil, "S1130001", .serviceRecorded(ServiceRecorded(date: day("2024-10-05"), organization: "紅十字會", hours: 2.5, description: "淨灘"))),
        ("S1130001", nil, "S1130001", .autobiographyRecorded(AutobiographyRecorded(sections: [AutobiographySection(heading: "自傳", text: "我是…"), AutobiographySection(heading: "讀書計畫", text: "…")]))),
        ("S1130001", nil, "S1130001", .courseOutcomeUploaded(CourseOutcomeUploaded(itemId: "S1130001-C1", term: t, courseId: "MATH1", title: "報告", description: "簡述", files: [pdf(), FileEntry(name: "v.mp4", mediaType: "video/mp4", size: 123, sha256: sha)]))),
        ("S1130001", nil, "S1130001", .courseOutcomeWithdrawn(ItemWithdrawn(itemId: "S1130001-C1", reason: "傳錯"))),
        ("T002", "T001", "S1130001", .courseOutcomeCertified(CourseOutcomeCertified(itemId: "S1130001-C1", decision: .returned, reason: .notOwnWork, comment: "請重傳"))),
        ("S1130001", nil, "S1130001", .performanceUploaded(PerformanceUploaded(itemId: "S1130001-P1", year: AcademicYear(113), category: .serviceLearning, title: "志工", description: "淨灘", startedOn: day("2024-10-01"), endedOn: day("2024-10-05"), files: [pdf()]))),
        ("S1130001", nil, "S1130001", .performanceWithdrawn(ItemWithdrawn(itemId: "S1130001-P1", reason: nil))),
        ("S1130001", nil, "S1130001", .itemSelected(ItemRef(itemId: "S1130001-C1"))),
        ("S1130001", nil, "S1130001", .itemDeselected(ItemRef(itemId: "S1130001-C1"))),
        ("A001", nil, nil, .submissionMade(SubmissionMade(batchId: "113-course-outcomes-1", kind: .courseOutcomes, year: AcademicYear(113), term: t, items: ["S1130001-C1"], students: ["S1130001"], replaces: "113-course-outcomes-0"))),
        ("S1130001", nil, "S1130001", .receiptConfirmed(ReceiptConfirmed(batchId: "113-course-outcomes-1", method: .platform, note: "ok"))),
        ("S1130001", nil, "S1130001", .receiptDisputed(ReceiptDisputed(batchId: "113-course-outcomes-1", reason: "少一件"))),
        ("A001", nil, "S1130001", .receiptDisputeResolved(ReceiptDisputeResolved(batchId: "113-course-outcomes-1", resolution: "已補"))),
        ("A001", nil, "S1130001", .studentTransferredOut(StudentTransferredOut(destinationSchool: "173302", effectiveOn: day("2025-02-01"), bundleDigest: sha))),
        ("A001", nil, "S1130009", .studentTransferredIn(StudentTransferredIn(sourceSchool: "173302", bundleDigest: sha, name: "轉入生", class: "101", importedEvents: 42))),
        ("A001", nil, "S1130001", .retentionPurged(RetentionPurged(note: "保存期滿"))),
        ("A001", nil, nil, .schoolTrusted(SchoolTrusted(schoolCode: "173302", publicKey: "ed25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="))),
    ]
    return bodies.enumerated().map { i, b in
        Event(seq: UInt64(i + 1), recordedAt: ts("2024-09-02T09:00:00+08:00") + Int64(i) * 1_000_000, actor: b.0, onBehalfOf: b.1, student: b.2,
              requestId: i % 3 == 0 ? "req-\(i)" : nil, body: b.3)
    }
}
