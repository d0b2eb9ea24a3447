import Testing
@testable import LichengDomain

/// Succession (SPEC §6, rules 7(3)): departures with an effective date, account extension,
/// proxy chains, and the pending work a successor inherits.
@Suite struct SuccessionTests {
    /// T001 (teaches MATH1) has the proxy list T002, T003; S1130001 uploaded a MATH1 outcome.
    func world() throws -> (World, String) {
        var w = try World.school()
        let id = try w.upload("S1130001", at: "2024-10-15T10:00:00+08:00")
        try w.append("D001", .proxyAssigned(ProxyAssigned(staffId: "T001", role: nil, proxies: ["T002", "T003"])))
        return (w, id)
    }

    @Test func proxyChainTeacherDepartsMidWindowFirstProxyUnavailableSecondCertifies() throws {
        var (w, id) = try world()
        // Mid-window (the certification window runs 2024-09-01 … 2025-02-10).
        try w.append("A001", .staffDeparted(StaffDeparted(staffId: "T001", effectiveOn: day("2024-11-01"))), at: "2024-10-30T09:00:00+08:00")
        try w.append("A001", .staffUnavailable(StaffUnavailable(staffId: "T002", reason: "颱風災害")), at: "2024-11-04T08:00:00+08:00")
        w.now = ts("2024-11-05T10:00:00+08:00")
        // The departed teacher's account expired on the effective date; the first proxy is away.
        #expect(w.rejects(.authority, "T001", .courseOutcomeCertified(CourseOutcomeCertified(itemId: id))).contains("expired"))
        #expect(w.rejects(.authority, "T002", .courseOutcomeCertified(CourseOutcomeCertified(itemId: id)), onBehalfOf: "T001").contains("unavailable"))
        // The second proxy certifies for T001.
        try w.certify("T003", id, onBehalfOf: "T001")
        let e = w.log.last!
        #expect(e.actor == "T003" && e.onBehalfOf == "T001" && e.type == .courseOutcomeCertified)
        // The audit trail shows both: filtering by either account finds the event.
        #expect(w.log.filter(AuditFilter(actor: "T003").matches).map(\.seq) == [e.seq])
        #expect(w.log.filter(AuditFilter(actor: "T001", types: [.courseOutcomeCertified]).matches).map(\.seq) == [e.seq])
        #expect(w.students["S1130001"]!.items[id]!.history.last!.actor == "T003")
        // The compliance report counts it for T001, by proxy.
        let r = ComplianceReport(year: AcademicYear(113), shared: w.shared)
        let t1 = r.certification.first { $0.teacher == "T001" && $0.term == Term(113, 1) }!
        #expect(t1.decisions == 1 && t1.byProxy == 1 && t1.late == 0)
    }

    @Test func departureRecordedAheadTakesEffectOnItsDate() throws {
        var (w, id) = try world()
        try w.append("A001", .staffDeparted(StaffDeparted(staffId: "T001", effectiveOn: day("2024-11-01"))), at: "2024-10-20T09:00:00+08:00")
        // Before the effective date T001 is still in post: no proxy may act for them.
        #expect(w.rejects(.authority, "T002", .courseOutcomeCertified(CourseOutcomeCertified(itemId: id)), onBehalfOf: "T001").contains("acts in person"))
        #expect(PendingWork(actor: "T002", shared: w.shared, now: w.now).replacing.isEmpty)
        // From the effective date the duties are the proxy's.
        w.now = ts("2024-11-01T08:00:00+08:00")
        #expect(PendingWork(actor: "T002", shared: w.shared, now: w.now).replacing.map(\.staffId) == ["T001"])
        try w.certify("T002", id, onBehalfOf: "T001")
    }

    @Test func extensionLetsTheDepartedTeacherCertifyUntilTheNewExpiryAndNotAfter() throws {
        var w = try World.school()
        let a = try w.upload("S1130001", at: "2024-10-15T10:00:00+08:00")
        let b = try w.upload("S1130002", at: "2024-10-15T10:05:00+08:00")
        try w.append("A001", .staffDeparted(StaffDeparted(staffId: "T001", effectiveOn: day("2024-11-01"))), at: "2024-10-30T09:00:00+08:00")
        // 減緩原帳號消滅時間: the account lives until 2024-12-31 00:00.
        try w.append("A001", .staffAccountExtended(StaffAccountExtended(staffId: "T001", accountExpiresAt: Instant(ts("2024-12-31")))))
        try w.certify("T001", a, at: "2024-12-30T23:59:00+08:00")
        #expect(w.log.last!.actor == "T001" && w.log.last!.onBehalfOf == nil)
        let m = w.rejects(.authority, "T001", .courseOutcomeCertified(CourseOutcomeCertified(itemId: b)), at: "2024-12-31T00:00:00+08:00")
        #expect(m.contains("expired at 2024-12-31T00:00:00+08:00"))
        // An expired account has no pending work of its own; it sits with the proxy.
        #expect(PendingWork(actor: "T001", shared: w.shared, now: w.now).certifications.isEmpty)
    }

    @Test func anExtensionMustPostponeTheExpiry() throws {
        var w = try World.school()
        try w.append("A001", .staffDeparted(StaffDeparted(staffId: "T001", effectiveOn: day("2024-11-01"), accountExpiresAt: Instant(ts("2024-12-01")))))
        #expect(w.rejects(.state, "A001", .staffAccountExtended(StaffAccountExtended(staffId: "T001", accountExpiresAt: Instant(ts("2024-11-15"))))).contains("postpone"))
        try w.append("A001", .staffAccountExtended(StaffAccountExtended(staffId: "T001", accountExpiresAt: Instant(ts("2025-01-15")))))
        #expect(w.shared.staff["T001"]!.accountExpiresAt == ts("2025-01-15"))
    }

    @Test func aDepartedProxyIsSkippedAndCannotAct() throws {
        var (w, id) = try world()
        try w.append("A001", .staffDeparted(StaffDeparted(staffId: "T002", effectiveOn: day("2024-10-16"), accountExpiresAt: Instant(ts("2025-06-30")))))
        try w.append("A001", .staffUnavailable(StaffUnavailable(staffId: "T001", reason: "產假")), at: "2024-10-20T09:00:00+08:00")
        // T002 left (its account still runs for its own courses) and is no one's proxy.
        #expect(w.rejects(.authority, "T002", .courseOutcomeCertified(CourseOutcomeCertified(itemId: id)), onBehalfOf: "T001").contains("no longer anyone's proxy"))
        #expect(w.shared.currentProxy(for: w.shared.staff["T001"]!, at: w.now) == "T003")
        try w.certify("T003", id, onBehalfOf: "T001")
    }

    /// Role lists hand over one role each: the teaching proxy of someone who is also the
    /// exam section cannot act as the exam section, and that role's proxy can.
    @Test func aRoleListProxyHoldsOnlyThatRole() throws {
        var w = try World.school()
        try w.append("A001", .staffRegistered(StaffRegistered(staffId: "E002", name: "試務組員", roles: [.examSection])))
        try w.append("A001", .staffRolesChanged(StaffRolesChanged(staffId: "T001", roles: [.subjectTeacher, .homeroomTeacher, .examSection], homeroomClass: "101")))
        try w.append("D001", .proxyAssigned(ProxyAssigned(staffId: nil, role: .subjectTeacher, proxies: ["T002"])))
        try w.append("D001", .proxyAssigned(ProxyAssigned(staffId: nil, role: .examSection, proxies: ["E002"])))
        let item = try w.upload("S1130001")
        try w.append("A001", .staffUnavailable(StaffUnavailable(staffId: "T001", reason: "病假")))
        let grade = EventBody.gradeRecorded(GradeRecorded(courseId: "MATH1", term: Term(113, 1), score: 80, credits: 2))
        let m = w.rejects(.authority, "T002", grade, student: "S1130001", onBehalfOf: "T001")
        #expect(m.contains("exam-section"), "\(m)")
        try w.append("E002", grade, student: "S1130001", onBehalfOf: "T001")
        try w.certify("T002", item, onBehalfOf: "T001")
    }

    @Test func aProxyCannotActBeyondTheReplacedTeachersDuties() throws {
        var (w, _) = try world()
        try w.append("A001", .staffUnavailable(StaffUnavailable(staffId: "T001", reason: "病假")))
        // T001 is a subject and homeroom teacher (class 101); registering staff is not among their duties.
        let m = w.rejects(.authority, "T002", .staffRegistered(StaffRegistered(staffId: "T010", name: "x", roles: [.subjectTeacher])), onBehalfOf: "T001")
        #expect(m.contains("T002 (for T001)") && m.contains("exam-section"))
        // Their own duty, a class cadre of class 101, passes to the proxy.
        try w.append("T002", .cadreRecorded(CadreRecorded(level: .class, title: "班長", term: Term(113, 1))), student: "S1130001", onBehalfOf: "T001")
        // But not class 102's, which is T003's class.
        w.rejects(.authority, "T002", .cadreRecorded(CadreRecorded(level: .class, title: "班長", term: Term(113, 1))), student: "S1130003", onBehalfOf: "T001")
    }

    @Test func theProxysTodoListsTheInheritedOutcomesAndWhoseTheyAre() throws {
        var (w, id) = try world()
        let other = try w.upload("S1130002", at: "2024-10-16T10:00:00+08:00")
        try w.append("A001", .staffDeparted(StaffDeparted(staffId: "T001", effectiveOn: day("2024-11-01"))), at: "2024-11-01T09:00:00+08:00")
        try w.append("A001", .staffUnavailable(StaffUnavailable(staffId: "T002", reason: "病假")))
        let todo = PendingWork(actor: "T003", shared: w.shared, now: w.now)
        #expect(todo.replacing.map(\.staffId) == ["T001"])
        #expect(todo.replacing.first?.reason == "departed 2024-11-01")
        #expect(todo.certifications.map(\.itemId) == [id, other])
        #expect(todo.certifications.allSatisfy { $0.onBehalfOf == "T001" })
        // The unavailable first proxy inherits nothing; the departed teacher has nothing left.
        #expect(PendingWork(actor: "T002", shared: w.shared, now: w.now).replacing.isEmpty)
        #expect(PendingWork(actor: "T001", shared: w.shared, now: w.now).certifications.isEmpty)
        // When T002 is back, the duties move to them.
        try w.append("A001", .staffAvailable(StaffAvailable(staffId: "T002")))
        #expect(PendingWork(actor: "T002", shared: w.shared, now: w.now).certifications.map(\.itemId) == [id, other])
        #expect(PendingWork(actor: "T003", shared: w.shared, now: w.now).certifications.isEmpty)
    }

    @Test func submissionsDueGoToTheUnitAndToItsProxy() throws {
        var w = try World.school()
        let due = PendingWork(actor: "AS01", shared: w.shared, now: w.now).submissionsDue
        #expect(due.map(\.kind) == [.cadres] && due.first?.onBehalfOf == nil)
        try w.append("D001", .proxyAssigned(ProxyAssigned(staffId: nil, role: .activitiesSection, proxies: ["CS01"])))
        try w.append("P001", .staffUnavailable(StaffUnavailable(staffId: "AS01", reason: "公假")))
        let clubs = PendingWork(actor: "CS01", shared: w.shared, now: w.now).submissionsDue
        #expect(clubs.map(\.kind) == [.cadres, .performances])
        #expect(clubs.first { $0.kind == .cadres }?.onBehalfOf == "AS01")
        #expect(clubs.first { $0.kind == .performances }?.onBehalfOf == nil)
        // Once made, the submission is no longer due.
        try w.append("CS01", .submissionMade(SubmissionMade(kind: .cadres, year: AcademicYear(113))), onBehalfOf: "AS01")
        #expect(PendingWork(actor: "CS01", shared: w.shared, now: w.now).submissionsDue.map(\.kind) == [.performances])
    }
}

/// The compliance report's checks (rules 2, 3, 4, 10, 11): each one broken and satisfied.
@Suite struct ComplianceCheckTests {
    static let positions = ["校長", "教務主任", "學務主任", "輔導主任", "圖書館主任", "實驗研究組長", "試務組長", "社團活動組長", "資料組長",
                            "課程諮詢教師代表", "高一導師", "高二導師", "高三導師", "家長會代表", "學生代表"]

    func members(_ n: Int) -> [WorkingGroupMember] {
        Self.positions.prefix(n).enumerated().map { i, p in
            WorkingGroupMember(name: "委員\(i + 1)", position: p, staffId: i == 0 ? "P001" : i == 1 ? "D001" : i == 10 ? "T001" : nil)
        }
    }

    @Test func fifteenSeatsFilledIsCompliant() throws {
        var w = try World.school()
        try w.append("P001", .workingGroupMemberSet(WorkingGroupMemberSet(members: members(15))))
        let r = ComplianceReport(year: AcademicYear(113), shared: w.shared)
        #expect(r.workingGroup.filled == 15 && r.workingGroup.hasConvener && r.workingGroup.hasSecretary)
        #expect(r.findings(.workingGroup).isEmpty)
    }

    @Test func fourteenSeatsOrADepartedMemberIsAFinding() throws {
        var w = try World.school()
        try w.append("P001", .workingGroupMemberSet(WorkingGroupMemberSet(members: members(14))))
        #expect(ComplianceReport(year: AcademicYear(113), shared: w.shared).findings(.workingGroup).map(\.message) == ["the working group has 14 of 15 seats filled"])
        try w.append("P001", .workingGroupMemberSet(WorkingGroupMemberSet(members: members(15))))
        try w.append("A001", .staffDeparted(StaffDeparted(staffId: "T001", effectiveOn: day("2024-09-01"))))
        let r = ComplianceReport(year: AcademicYear(113), shared: w.shared)
        #expect(r.workingGroup.vacated == ["高一導師"])
        #expect(r.findings(.workingGroup).map(\.message) == ["the working group has 14 of 15 seats filled (vacated by departure: 高一導師)"])
    }

    @Test func trainingsMustBeHostedByTheUnitsTheRulesName() throws {
        var w = try World.school()
        try w.append("A001", .staffRegistered(StaffRegistered(staffId: "CR01", name: "生涯輔導教師", roles: [.careerCounselor])))
        // System training by the exam section alone: held, but not as rule 10(2) says.
        try w.append("A001", .trainingHeld(TrainingHeld(kind: .systemTraining, date: day("2024-10-02"), audience: [.students, .teachers], hosts: ["A001"])))
        var r = ComplianceReport(year: AcademicYear(113), shared: w.shared)
        #expect(r.trainings[.systemTraining]!.count == 1)
        #expect(r.findings(.trainings).map(\.message).contains("no system-training training in academic year 113 was hosted by exam-section and career-counselor together"))
        try w.append("CR01", .trainingHeld(TrainingHeld(kind: .systemTraining, date: day("2024-10-09"), audience: [.students, .teachers], hosts: ["A001", "CR01"])))
        try w.append("DA01", .trainingHeld(TrainingHeld(kind: .orientation, date: day("2024-09-06"), audience: [.students, .parents, .staff], hosts: ["DA01"])))
        try w.append("RS01", .trainingHeld(TrainingHeld(kind: .workshop, date: day("2025-03-12"), audience: [.students, .teachers], hosts: ["RS01", "CC01"])))
        r = ComplianceReport(year: AcademicYear(113), shared: w.shared)
        #expect(r.findings(.trainings).isEmpty)
        // A training of the next academic year does not count for this one.
        #expect(ComplianceReport(year: AcademicYear(114), shared: w.shared).findings(.trainings).map(\.subject) == ["orientation", "system-training", "workshop"])
    }

    @Test func certificationAfterAReopenedWindowIsLateAndNamesTheTeacher() throws {
        var w = try World.school()
        let a = try w.upload("S1130001", at: "2024-10-15T10:00:00+08:00")
        let c = try w.upload("S1130002", course: "CHEM1", at: "2024-10-15T10:00:00+08:00")
        try w.certify("T002", c, at: "2025-02-01T10:00:00+08:00")
        // The window closed on 2025-02-10 with T001's outcome uncertified: missing.
        w.now = ts("2025-02-12T09:00:00+08:00")
        var r = ComplianceReport(year: AcademicYear(113), shared: w.shared, now: w.now)
        #expect(r.findings(.missingCertification).map(\.subject) == ["T001"])
        #expect(r.findings(.lateCertification).isEmpty)
        // The director re-opens it; T001 certifies: done, but late.
        try w.window("113-1", .certification, "2024-09-01", "2025-02-20T23:59:59+08:00")
        try w.certify("T001", a, at: "2025-02-14T10:00:00+08:00")
        r = ComplianceReport(year: AcademicYear(113), shared: w.shared, now: ts("2025-02-21T00:00:00+08:00"))
        #expect(r.findings(.missingCertification).isEmpty)
        #expect(r.findings(.lateCertification).map(\.subject) == ["T001"])
        let t1 = r.certification.first { $0.teacher == "T001" && $0.term == Term(113, 1) }!
        #expect(t1.late == 1 && t1.onTime == 0 && t1.insideWindow == 1)
        let t2 = r.certification.first { $0.teacher == "T002" && $0.term == Term(113, 1) }!
        #expect(t2.late == 0 && t2.onTime == 1)
        #expect(r.windows.first { $0.term == Term(113, 1) && $0.kind == .certification }?.reopenedAfter == ts("2025-02-10T23:59:59+08:00"))
    }

    @Test func aDeadlineMovedBeforeItPassedIsNotLate() throws {
        var w = try World.school()
        let a = try w.upload("S1130001", at: "2024-10-15T10:00:00+08:00")
        // Extended on 2025-02-05, before the published 2025-02-10 deadline: the new one counts.
        w.now = ts("2025-02-05T09:00:00+08:00")
        try w.window("113-1", .certification, "2024-09-01", "2025-02-20T23:59:59+08:00")
        try w.certify("T001", a, at: "2025-02-15T10:00:00+08:00")
        let r = ComplianceReport(year: AcademicYear(113), shared: w.shared, now: ts("2025-03-01T00:00:00+08:00"))
        #expect(r.findings(.lateCertification).isEmpty && r.findings(.missingCertification).isEmpty)
        #expect(r.windows.first { $0.term == Term(113, 1) && $0.kind == .certification }?.reopenedAfter == nil)
    }

    @Test func windowsWithoutSelfCheckTimesAreFindings() throws {
        var w = try World.school()
        // World.school publishes 113-1's windows without self-check times and none for 113-2.
        var r = ComplianceReport(year: AcademicYear(113), shared: w.shared)
        #expect(r.findings(.windows).count == 12)
        for k in WindowKind.allCases {
            try w.window("113-1", k, "2024-09-01", "2025-01-31T23:59:59+08:00", selfCheck: "2025-01-15T12:00:00+08:00")
            try w.window("113-2", k, "2025-02-01", "2025-07-31T23:59:59+08:00", selfCheck: "2025-07-15T12:00:00+08:00")
        }
        r = ComplianceReport(year: AcademicYear(113), shared: w.shared)
        #expect(r.findings(.windows).isEmpty)
    }
}

@Suite struct ProxyReadAccessTests {
    @Test func aProxyReadsTheReplacedTeachersStudentsOnlyWhileReplacingThem() throws {
        var w = try World.school()
        try w.append("D001", .proxyAssigned(ProxyAssigned(staffId: "T001", role: nil, proxies: ["T002"])))
        // T002 teaches CHEM1 (no class); S1130001 is in T001's class 101.
        #expect(!ReadAccess.mayRead(actor: "T002", student: w.student("S1130001"), shared: w.shared, now: w.now))
        try w.append("A001", .staffUnavailable(StaffUnavailable(staffId: "T001", reason: "病假")))
        #expect(ReadAccess.mayRead(actor: "T002", student: w.student("S1130001"), shared: w.shared, now: w.now))
        #expect(!ReadAccess.mayRead(actor: "T002", student: w.student("S1130003"), shared: w.shared, now: w.now))  // class 102: not T001's
        try w.append("A001", .staffAvailable(StaffAvailable(staffId: "T001")))
        #expect(!ReadAccess.mayRead(actor: "T002", student: w.student("S1130001"), shared: w.shared, now: w.now))
    }
}
