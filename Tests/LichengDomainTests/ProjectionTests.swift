import Foundation
import Testing
@testable import LichengDomain

@Suite struct ProjectionTests {
    @Test func complianceReportCountsMeetingsTrainingsWindowsCertificationsAndSubmissions() throws {
        let r = try WholeSemesterScenarioTests.run()
        let c = ComplianceReport(year: AcademicYear(113), shared: r.w.shared)
        #expect(c.meetings.mapValues(\.count) == [Term(113, 1): 1, Term(113, 2): 0])
        #expect(c.trainings.mapValues(\.count) == [.orientation: 1, .systemTraining: 0, .workshop: 0])
        #expect(c.windows.filter(\.published).count == 6)
        let t1 = c.certification.first { $0.teacher == "T001" && $0.term == Term(113, 1) }!
        // The certification window is still open (to 2025-02-10): the waiting outcome is pending, not missing.
        #expect(t1.decisions == 2 && t1.insideWindow == 2 && t1.late == 0 && t1.pending == 1 && t1.missing == 0)
        let t2 = c.certification.first { $0.teacher == "T002" && $0.term == Term(113, 1) }!
        #expect(t2.decisions == 2 && t2.pending == 0)
        let co = c.submissions.first { $0.kind == .courseOutcomes }!
        #expect(co.batchIds == ["113-course-outcomes-1"] && co.confirmed == ["113-course-outcomes-1"] && co.unit == .examSection)
        let messages = c.findings.map(\.message)
        #expect(messages.contains("no working-group meeting in term 113-2"))
        #expect(messages.contains("no workshop training in academic year 113"))
        #expect(messages.contains("the receipt of batch 113-performances-1 is not confirmed"))
        #expect(c.findings(.missingCertification).isEmpty)
        #expect(c.jsonObject().keys == ["year", "now", "workingGroup", "meetings", "trainings", "trainingSessions", "windows", "certification", "submissions", "findings"])

        // After the window closed, the same outcome is missing and T001 is named.
        let later = ComplianceReport(year: AcademicYear(113), shared: r.w.shared, now: ts("2025-02-11T00:00:00+08:00"))
        let t1Later = later.certification.first { $0.teacher == "T001" && $0.term == Term(113, 1) }!
        #expect(t1Later.pending == 0 && t1Later.missing == 1)
        #expect(later.findings(.missingCertification).map(\.subject) == ["T001"])
        #expect(later.findings(.missingCertification).first?.message == "T001 left 1 course outcome(s) of term 113-1 uncertified when the window closed")
    }

    @Test func readAccessFollowsRolesClassesAndCourses() throws {
        let w = try World.school()
        let now = w.now
        #expect(ReadAccess.mayRead(actor: "S1130001", student: w.student("S1130001"), shared: w.shared, now: now))
        #expect(!ReadAccess.mayRead(actor: "S1130002", student: w.student("S1130001"), shared: w.shared, now: now))
        #expect(ReadAccess.mayRead(actor: "A001", student: w.student("S1130003"), shared: w.shared, now: now))
        #expect(ReadAccess.mayRead(actor: "T001", student: w.student("S1130001"), shared: w.shared, now: now))   // homeroom 101
        #expect(!ReadAccess.mayRead(actor: "T001", student: w.student("S1130003"), shared: w.shared, now: now))  // class 102
        #expect(!ReadAccess.mayRead(actor: "T002", student: w.student("S1130001"), shared: w.shared, now: now))
        var w2 = w
        try w2.upload("S1130001", course: "CHEM1")
        #expect(ReadAccess.mayRead(actor: "T002", student: w2.student("S1130001"), shared: w2.shared, now: now))
        #expect(ReadAccess.mayReadSchoolWide(actor: "D001", shared: w.shared, now: now))
        #expect(!ReadAccess.mayReadSchoolWide(actor: "T001", shared: w.shared, now: now))
    }

    @Test func studentConfirmsOwnReceiptWithoutNamingThemself() throws {
        var w = try World.school()
        try w.append("A001", .submissionMade(SubmissionMade(kind: .enrolmentAndGrades, year: AcademicYear(113))))
        let e = try w.append("S1130002", .receiptConfirmed(ReceiptConfirmed(batchId: "113-enrolment-and-grades-1")))
        #expect(e.student == "S1130002" && e.streamKey == "S1130002")
        #expect(w.shared.batches["113-enrolment-and-grades-1"]!.students == ["S1130001", "S1130002", "S1130003"])
        #expect(w.students["S1130002"]!.batch("113-enrolment-and-grades-1")?.receipt?.status == .confirmed)
        // The school's receipt is still to do.
        #expect(w.shared.batches["113-enrolment-and-grades-1"]!.schoolReceipt == nil)
    }

    @Test func staffConfirmReceiptForALeftStudentOnlyByMail() throws {
        var w = try World.school()
        try w.append("A001", .submissionMade(SubmissionMade(kind: .enrolmentAndGrades, year: AcademicYear(113))))
        try w.append("A001", .studentDeparted(StudentDeparted(reason: .withdrawn, effectiveOn: day("2024-09-03"))), student: "S1130001")
        w.rejects(.authority, "A001", .receiptConfirmed(ReceiptConfirmed(batchId: "113-enrolment-and-grades-1")), student: "S1130001")
        let e = try w.append("A001", .receiptConfirmed(ReceiptConfirmed(batchId: "113-enrolment-and-grades-1", method: .mail)), student: "S1130001")
        #expect(e.actor == "A001" && e.student == "S1130001")
        #expect(w.shared.batches["113-enrolment-and-grades-1"]!.studentReceipts["S1130001"]?.method == .mail)
    }

    @Test func staffCannotConfirmByMailForAStudentStillAtSchool() throws {
        var w = try World.school()
        try w.append("A001", .submissionMade(SubmissionMade(kind: .enrolmentAndGrades, year: AcademicYear(113))))
        let m = w.rejects(.authority, "A001", .receiptConfirmed(ReceiptConfirmed(batchId: "113-enrolment-and-grades-1", method: .mail)), student: "S1130002")
        #expect(m.contains("has not left the school"))
    }

    @Test func examSectionTodoListsMailReceiptsOfStudentsWhoLeft() throws {
        var w = try World.school()
        try w.append("A001", .submissionMade(SubmissionMade(kind: .enrolmentAndGrades, year: AcademicYear(113))))
        #expect(PendingWork(actor: "A001", shared: w.shared, now: w.now).mailReceipts.isEmpty)
        try w.append("A001", .studentDeparted(StudentDeparted(reason: .transferredOut, effectiveOn: day("2024-09-03"))), student: "S1130003")
        let todo = PendingWork(actor: "A001", shared: w.shared, now: w.now)
        #expect(todo.mailReceipts.map(\.student) == ["S1130003"])
        try w.append("A001", .receiptConfirmed(ReceiptConfirmed(batchId: "113-enrolment-and-grades-1", method: .mail)), student: "S1130003")
        #expect(PendingWork(actor: "A001", shared: w.shared, now: w.now).mailReceipts.isEmpty)
    }

    @Test func resubmissionReplacesTheEarlierBatch() throws {
        var w = try World.school()
        let id = try w.upload("S1130001"); try w.certify("T001", id); try w.select("S1130001", id)
        try w.append("A001", .submissionMade(SubmissionMade(kind: .courseOutcomes, year: AcademicYear(113))))
        let e = try w.append("A001", .submissionMade(SubmissionMade(kind: .courseOutcomes, year: AcademicYear(113), replaces: "113-course-outcomes-1")))
        guard case .submissionMade(let d) = e.body else { return }
        #expect(d.batchId == "113-course-outcomes-2" && d.items == [id])
        #expect(w.shared.batches["113-course-outcomes-1"]!.replacedBy == "113-course-outcomes-2")
        w.rejects(.state, "A001", .receiptConfirmed(ReceiptConfirmed(batchId: "113-course-outcomes-1")))
        w.rejects(.state, "A001", .submissionMade(SubmissionMade(kind: .courseOutcomes, year: AcademicYear(113), replaces: "113-course-outcomes-1")))
    }

    @Test func statesSurviveACodableSnapshot() throws {
        let r = try WholeSemesterScenarioTests.run()
        let data = try JSONEncoder().encode(r.w.shared)
        let shared = try JSONDecoder().decode(SharedState.self, from: data)
        #expect(shared == r.w.shared)
        let st = try JSONDecoder().decode(StudentState.self, from: JSONEncoder().encode(r.w.students["S1130001"]!))
        #expect(st == r.w.students["S1130001"]!)
    }

    @Test func recordedAtNeverGoesBackwards() throws {
        var w = try World.school()
        let before = w.shared.lastRecordedAt
        w.now = before - 10_000_000
        let e = try w.append("A001", .staffUnavailable(StaffUnavailable(staffId: "T001")))
        #expect(e.recordedAt == before && e.seq == w.shared.lastSeq)
    }

    @Test func schoolStateAppliesAndDecidesLikeTheTestWorld() throws {
        let r = try WholeSemesterScenarioTests.run()
        var school = SchoolState()
        for e in r.w.log { school.apply(e) }
        #expect(school.shared == r.w.shared)
        #expect(school.students == r.w.students)
        #expect(school.portfolio("S1130001")!.jsonObject() == Portfolio(student: r.w.students["S1130001"]!, shared: r.w.shared).jsonObject())
        #expect(school.quota("S1130001")!.courseOutcomeUploads.used == 3)
        #expect(school.classOverview("101").rows.count == 2)
        let e = try school.decide(Event(actor: "S1130003", body: .autobiographyRecorded(AutobiographyRecorded(sections: [AutobiographySection(heading: "自傳", text: "…")]))), now: r.w.now)
        #expect(e.student == "S1130003" && e.seq == r.w.shared.lastSeq + 1)
        #expect(throws: Rejection.self) { try school.decide(Event(actor: "S1130003", body: .itemSelected(ItemRef(itemId: "S1130001-C3"))), now: r.w.now) }
    }
}
