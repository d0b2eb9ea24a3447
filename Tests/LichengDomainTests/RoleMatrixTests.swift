import Testing
@testable import LichengDomain

/// The 分工表 (division of work): each record type is accepted from its unit and rejected from another.
@Suite struct RoleMatrixTests {
    static let t = Term(113, 1)
    static let cases: [(name: String, right: String, wrong: String, student: String?, body: EventBody)] = [
        ("grade", "A001", "T001", "S1130001", .gradeRecorded(GradeRecorded(courseId: "MATH1", term: t, score: 88, credits: 3))),
        ("elective", "RS01", "A001", "S1130001", .electiveRegistered(ElectiveRegistered(term: t, courseIds: ["CHEM1"]))),
        ("counseling", "CC01", "CO01", "S1130001", .counselingRecorded(CounselingRecorded(heldAt: Instant(ts("2024-09-03T10:00:00+08:00")), place: "室", content: "c", opinion: "o"))),
        ("course plan", "CO01", "CC01", "S1130001", .coursePlanRecorded(CoursePlanRecorded(term: t, groupExploration: "g", careerPlan: "c"))),
        ("attendance", "DS01", "AS01", "S1130001", .attendanceRecorded(AttendanceRecorded(term: t, excusedPeriods: 1, unexcusedPeriods: 0))),
        ("service", "AS01", "DS01", "S1130001", .serviceRecorded(ServiceRecorded(date: day("2024-09-10"), organization: "o", hours: 2))),
        ("club cadre", "CS01", "AS01", "S1130001", .cadreRecorded(CadreRecorded(level: .club, title: "社長", term: t))),
        ("enrol", "A001", "RS01", "S1130009", .studentEnrolled(StudentEnrolled(name: "新生", class: "103"))),
        ("record update", "A001", "T001", "S1130001", .studentRecordUpdated(StudentRecordUpdated(class: "102"))),
        ("transfer in", "A001", "D001", "S1130010", .studentTransferredIn(StudentTransferredIn(sourceSchool: "173302", bundleDigest: sha, name: "轉入", class: "101"))),
        ("transfer out", "A001", "D001", "S1130001", .studentTransferredOut(StudentTransferredOut(destinationSchool: "173302", effectiveOn: day("2024-09-30")))),
        ("course", "RS01", "T001", nil, .courseOffered(CourseOffered(courseId: "BIO1", term: t, name: "生物", teachers: ["T002"]))),
        ("window", "D001", "A001", nil, .scheduleWindowSet(ScheduleWindowSet(term: Term(113, 2), kind: .selection, opensAt: Instant(ts("2025-02-01")), closesAt: Instant(ts("2025-03-01"))))),
        ("policy", "D001", "P001", nil, .policySet(PolicySet(performanceUploads: 25))),
        ("meeting", "P001", "A001", nil, .workingGroupMeetingHeld(WorkingGroupMeetingHeld(date: day("2024-09-03"), term: t))),
        ("members", "D001", "T001", nil, .workingGroupMemberSet(WorkingGroupMemberSet(members: [WorkingGroupMember(name: "校長", position: "召集人", staffId: "P001")]))),
        ("orientation", "DA01", "A001", nil, .trainingHeld(TrainingHeld(kind: .orientation, date: day("2024-09-05"), audience: [.students], hosts: ["DA01"]))),
        ("system training", "A001", "DA01", nil, .trainingHeld(TrainingHeld(kind: .systemTraining, date: day("2024-09-05"), audience: [.teachers], hosts: ["A001"]))),
        ("workshop", "CC01", "A001", nil, .trainingHeld(TrainingHeld(kind: .workshop, date: day("2024-09-05"), audience: [.teachers], hosts: ["RS01", "CC01"]))),
        ("unavailable", "D001", "T002", nil, .staffUnavailable(StaffUnavailable(staffId: "T001", reason: "公假"))),
        ("roles", "A001", "D001", nil, .staffRolesChanged(StaffRolesChanged(staffId: "T002", roles: [.subjectTeacher, .homeroomTeacher], homeroomClass: "103"))),
        ("cadres submission", "AS01", "CS01", nil, .submissionMade(SubmissionMade(kind: .cadres, year: AcademicYear(113)))),
        ("autobiography", "S1130001", "T001", "S1130001", .autobiographyRecorded(AutobiographyRecorded(sections: [AutobiographySection(heading: "自傳", text: "…")]))),
    ]

    @Test(arguments: 0..<cases.count)
    func rightUnitIsAcceptedAndAnotherIsRejected(_ i: Int) throws {
        let c = Self.cases[i]
        var w = try World.school()
        let m = w.rejects(.authority, c.wrong, c.body, student: c.student)
        #expect(m.contains(c.wrong), "\(c.name): \(m)")
        let e = try w.append(c.right, c.body, student: c.student)
        #expect(e.type == c.body.type && e.streamKey == (e.type.scope == .shared ? nil : c.student))
    }

    @Test func studentIdWithADashIsRefused() throws {
        var w = try World.school()
        w.rejects(.input, "A001", .studentEnrolled(StudentEnrolled(name: "x", class: "101")), student: "S-1")
    }

    @Test func sharedEventNamingAStudentIsRefused() throws {
        var w = try World.school()
        w.rejects(.input, "D001", .policySet(PolicySet(performanceUploads: 25)), student: "S1130001")
    }

    @Test func departedStaffAccountExpiresAtItsDepartureByDefault() throws {
        var w = try World.school()
        try w.append("A001", .staffDeparted(StaffDeparted(staffId: "AS01", effectiveOn: day("2024-09-10"))))
        try w.append("AS01", .serviceRecorded(ServiceRecorded(date: day("2024-09-05"), organization: "o", hours: 1)), student: "S1130001", at: "2024-09-09T23:59:59+08:00")
        w.rejects(.authority, "AS01", .serviceRecorded(ServiceRecorded(date: day("2024-09-05"), organization: "o", hours: 1)), student: "S1130001", at: "2024-09-10T00:00:00+08:00")
        w.rejects(.state, "A001", .staffDeparted(StaffDeparted(staffId: "AS01", effectiveOn: day("2024-09-10"))))
    }
}
