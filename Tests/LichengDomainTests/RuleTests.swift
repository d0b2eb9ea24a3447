import Testing
@testable import LichengDomain

/// One test that breaks and one that satisfies every rule of SPEC §4 (and §6 proxies).
@Suite struct AuthorityRuleTests {
    @Test func studentUploadingOwnOutcomeIsAccepted() throws {
        var w = try World.school()
        let id = try w.upload("S1130001")
        #expect(id == "S1130001-C1")
    }

    @Test func studentUploadingForAnotherStudentIsRejected() throws {
        var w = try World.school()
        let m = w.rejects(.authority, "S1130002", .courseOutcomeUploaded(CourseOutcomeUploaded(term: Term(113, 1), courseId: "MATH1", title: "x")), student: "S1130001")
        #expect(m.contains("Rule 1 (authority)") && m.contains("own records"))
    }

    @Test func staffCannotUploadForAStudent() throws {
        var w = try World.school()
        w.rejects(.authority, "T001", .courseOutcomeUploaded(CourseOutcomeUploaded(term: Term(113, 1), courseId: "MATH1", title: "x")), student: "S1130001")
    }

    @Test func teacherOfTheCourseCertifies() throws {
        var w = try World.school()
        let id = try w.upload("S1130001")
        try w.certify("T001", id)
        #expect(w.students["S1130001"]!.items[id]!.status == .certified)
    }

    @Test func teacherWhoDoesNotTeachTheCourseCannotCertify() throws {
        var w = try World.school()
        let id = try w.upload("S1130001")
        let m = w.rejects(.authority, "T002", .courseOutcomeCertified(CourseOutcomeCertified(itemId: id)))
        #expect(m.contains("does not teach course MATH1"))
    }

    @Test func homeroomTeacherRecordsCadresOfOwnClass() throws {
        var w = try World.school()
        try w.append("T001", .cadreRecorded(CadreRecorded(level: .class, title: "班長", term: Term(113, 1))), student: "S1130001")
        #expect(w.students["S1130001"]!.cadres.count == 1)
    }

    @Test func homeroomTeacherOfAnotherClassCannotRecordClassCadres() throws {
        var w = try World.school()
        let m = w.rejects(.authority, "T003", .cadreRecorded(CadreRecorded(level: .class, title: "班長", term: Term(113, 1))), student: "S1130001")
        #expect(m.contains("class 102"))
    }

    @Test func schoolCadresNeedTheActivitiesSection() throws {
        var w = try World.school()
        try w.append("AS01", .cadreRecorded(CadreRecorded(level: .school, title: "學生會長", term: Term(113, 1))), student: "S1130001")
        w.rejects(.authority, "CS01", .cadreRecorded(CadreRecorded(level: .school, title: "學生會長", term: Term(113, 1))), student: "S1130001")
        try w.append("CS01", .cadreRecorded(CadreRecorded(level: .club, title: "社長", term: Term(113, 1))), student: "S1130001")
    }

    @Test func onlyExamSectionRegistersStaff() throws {
        var w = try World.school()
        w.rejects(.authority, "D001", .staffRegistered(StaffRegistered(staffId: "T009", name: "x", roles: [.subjectTeacher])))
        try w.append("A001", .staffRegistered(StaffRegistered(staffId: "T009", name: "x", roles: [.subjectTeacher])))
    }

    @Test func unregisteredActorCanDoNothing() throws {
        var w = try World.school()
        let m = w.rejects(.authority, "X999", .gradeRecorded(GradeRecorded(courseId: "MATH1", term: Term(113, 1), score: 90, credits: 2)), student: "S1130001")
        #expect(m.contains("not a registered account"))
    }

    @Test func expiredAccountCanDoNothing() throws {
        var w = try World.school()
        try w.append("A001", .staffDeparted(StaffDeparted(staffId: "T001", effectiveOn: day("2024-10-01"))))
        let id = try w.upload("S1130001")
        let m = w.rejects(.authority, "T001", .courseOutcomeCertified(CourseOutcomeCertified(itemId: id)), at: "2024-10-02T10:00:00+08:00")
        #expect(m.contains("expired"))
    }

    @Test func departedTeacherWithExtendedAccountMayStillCertify() throws {
        var w = try World.school()
        try w.append("A001", .staffDeparted(StaffDeparted(staffId: "T001", effectiveOn: day("2024-10-01"))))
        try w.append("A001", .staffAccountExtended(StaffAccountExtended(staffId: "T001", accountExpiresAt: Instant(ts("2025-02-28")))))
        let id = try w.upload("S1130001", at: "2024-12-01T10:00:00+08:00")
        try w.certify("T001", id)
    }

    @Test func studentsActOnlyOnTheirOwnItems() throws {
        var w = try World.school()
        let id = try w.upload("S1130001")
        w.rejects(.authority, "S1130002", .courseOutcomeWithdrawn(ItemWithdrawn(itemId: id)))
        try w.append("S1130001", .courseOutcomeWithdrawn(ItemWithdrawn(itemId: id)))
    }
}

@Suite struct ProxyRuleTests {
    /// T001 departs; T002 is the first proxy for the subject-teacher role, T003 the second.
    func worldWithDepartedTeacher() throws -> (World, String) {
        var w = try World.school()
        let id = try w.upload("S1130001")
        try w.append("D001", .proxyAssigned(ProxyAssigned(staffId: "T001", role: nil, proxies: ["T002", "T003"])))
        try w.append("A001", .staffDeparted(StaffDeparted(staffId: "T001", effectiveOn: day("2024-10-01"))))
        w.now = ts("2024-10-02T09:00:00+08:00")
        return (w, id)
    }

    @Test func proxyCertifiesAfterTeacherDeparts() throws {
        var (w, id) = try worldWithDepartedTeacher()
        try w.certify("T002", id, onBehalfOf: "T001")
        #expect(w.log.last!.onBehalfOf == "T001" && w.log.last!.actor == "T002")
        #expect(w.students["S1130001"]!.items[id]!.history.last!.onBehalfOf == "T001")
    }

    @Test func secondProxyIsRejectedWhileTheFirstIsAvailable() throws {
        var (w, id) = try worldWithDepartedTeacher()
        let m = w.rejects(.authority, "T003", .courseOutcomeCertified(CourseOutcomeCertified(itemId: id)), onBehalfOf: "T001")
        #expect(m.contains("first available proxy is T002"))
    }

    @Test func secondProxyActsWhenTheFirstIsUnavailable() throws {
        var (w, id) = try worldWithDepartedTeacher()
        try w.append("A001", .staffUnavailable(StaffUnavailable(staffId: "T002", reason: "病假")))
        try w.certify("T003", id, onBehalfOf: "T001")
    }

    @Test func roleProxyListIsUsedWhenTheAccountHasNone() throws {
        var w = try World.school()
        let id = try w.upload("S1130001")
        try w.append("D001", .proxyAssigned(ProxyAssigned(staffId: nil, role: .subjectTeacher, proxies: ["T003"])))
        try w.append("A001", .staffUnavailable(StaffUnavailable(staffId: "T001")))
        try w.certify("T003", id, onBehalfOf: "T001")
    }

    @Test func proxyIsRejectedWhileTheTeacherIsAvailable() throws {
        var w = try World.school()
        let id = try w.upload("S1130001")
        try w.append("D001", .proxyAssigned(ProxyAssigned(staffId: "T001", role: nil, proxies: ["T002"])))
        let m = w.rejects(.authority, "T002", .courseOutcomeCertified(CourseOutcomeCertified(itemId: id)), onBehalfOf: "T001")
        #expect(m.contains("acts in person"))
    }

    @Test func onlyTheSecretaryOrPrincipalAssignsProxies() throws {
        var w = try World.school()
        w.rejects(.authority, "A001", .proxyAssigned(ProxyAssigned(staffId: "T001", role: nil, proxies: ["T002"])))
        try w.append("P001", .proxyAssigned(ProxyAssigned(staffId: "T001", role: nil, proxies: ["T002"])))
    }

    @Test func pendingWorkMovesToTheProxy() throws {
        let (w, id) = try worldWithDepartedTeacher()
        let p = PendingWork(actor: "T002", shared: w.shared, now: w.now)
        #expect(p.certifications.map(\.itemId) == [id])
        #expect(p.certifications.first?.onBehalfOf == "T001")
        #expect(PendingWork(actor: "T003", shared: w.shared, now: w.now).certifications.isEmpty)
    }
}

@Suite struct WindowRuleTests {
    @Test func uploadInsideTheWindowIsAccepted() throws {
        var w = try World.school()
        try w.upload("S1130001", at: "2025-01-31T23:59:59+08:00")
    }

    @Test func uploadAfterTheWindowClosesIsRejected() throws {
        var w = try World.school()
        let m = w.rejects(.window, "S1130001", .courseOutcomeUploaded(CourseOutcomeUploaded(term: Term(113, 1), courseId: "MATH1", title: "x")), at: "2025-02-01T00:00:00+08:00")
        #expect(m.contains("Rule 2 (window)") && m.contains("113-1"))
    }

    @Test func noWindowSetMeansClosed() throws {
        var w = try World.school()
        let m = w.rejects(.window, "S1130001", .courseOutcomeUploaded(CourseOutcomeUploaded(term: Term(113, 2), courseId: "MATH2", title: "x")), at: "2025-03-01T10:00:00+08:00")
        #expect(m.contains("no course-outcome-upload window has been set for term 113-2"))
    }

    @Test func uploadMustFallInsideTheWindowOfItsOwnTerm() throws {
        var w = try World.school()
        // In 113-2 time, uploading to 113-2 needs 113-2's window even though 113-1's is set.
        try w.window("113-2", .courseOutcomeUpload, "2025-02-01", "2025-07-31")
        w.rejects(.window, "S1130001", .courseOutcomeUploaded(CourseOutcomeUploaded(term: Term(113, 1), courseId: "MATH1", title: "x")), at: "2025-03-01T10:00:00+08:00")
        try w.upload("S1130001", course: "MATH2", term: "113-2")
    }

    @Test func certificationOutsideItsWindowIsRejected() throws {
        var w = try World.school()
        let id = try w.upload("S1130001")
        w.rejects(.window, "T001", .courseOutcomeCertified(CourseOutcomeCertified(itemId: id)), at: "2025-02-11T00:00:00+08:00")
        try w.certify("T001", id, at: "2025-02-10T12:00:00+08:00")
    }

    @Test func selectionOutsideItsWindowIsRejected() throws {
        var w = try World.school()
        let id = try w.upload("S1130001")
        try w.certify("T001", id)
        w.rejects(.window, "S1130001", .itemSelected(ItemRef(itemId: id)), at: "2025-02-05T00:00:00+08:00")
        try w.window("113-2", .selection, "2025-02-01", "2025-03-01")
        try w.select("S1130001", id)
    }

    @Test func submissionAndReceiptNeedTheirWindows() throws {
        var w = try World.school()
        w.now = ts("2025-02-05T00:00:00+08:00")
        w.rejects(.window, "A001", .submissionMade(SubmissionMade(kind: .enrolmentAndGrades, year: AcademicYear(113))))
        try w.window("113-2", .submission, "2025-02-01", "2025-03-01")
        let e = try w.append("A001", .submissionMade(SubmissionMade(kind: .enrolmentAndGrades, year: AcademicYear(113))))
        guard case .submissionMade(let d) = e.body else { return }
        w.rejects(.window, "A001", .receiptConfirmed(ReceiptConfirmed(batchId: d.batchId!)))
        try w.window("113-2", .receiptConfirmation, "2025-02-01", "2025-03-01")
        try w.append("A001", .receiptConfirmed(ReceiptConfirmed(batchId: d.batchId!)))
    }
}

@Suite struct QuotaRuleTests {
    @Test func fifteenthUploadInASemesterIsAccepted() throws {
        var w = try World.school()
        for _ in 0..<14 { try w.upload("S1130001") }
        let id = try w.upload("S1130001")
        #expect(id == "S1130001-C15")
        #expect(QuotaCounters(student: w.students["S1130001"]!, shared: w.shared).courseOutcomeUploads == QuotaCounter(used: 15, limit: 15))
    }

    @Test func sixteenthUploadInASemesterIsRejected() throws {
        var w = try World.school()
        for _ in 0..<15 { try w.upload("S1130001") }
        let m = w.rejects(.quota, "S1130001", .courseOutcomeUploaded(CourseOutcomeUploaded(term: Term(113, 1), courseId: "MATH1", title: "x")))
        #expect(m == "Rule 3 (quota): student S1130001 has already uploaded 15 course outcomes in term 113-1; the limit is 15.")
    }

    @Test func withdrawnUploadFreesItsSlot() throws {
        var w = try World.school()
        for _ in 0..<15 { try w.upload("S1130001") }
        try w.append("S1130001", .courseOutcomeWithdrawn(ItemWithdrawn(itemId: "S1130001-C3")))
        let id = try w.upload("S1130001")
        #expect(id == "S1130001-C16")
        w.rejects(.quota, "S1130001", .courseOutcomeUploaded(CourseOutcomeUploaded(term: Term(113, 1), courseId: "MATH1", title: "x")))
    }

    @Test func newSemesterResetsTheFifteen() throws {
        var w = try World.school()
        for _ in 0..<15 { try w.upload("S1130001") }
        try w.window("113-2", .courseOutcomeUpload, "2025-02-01", "2025-07-31")
        w.now = ts("2025-02-03T09:00:00+08:00")
        for _ in 0..<15 { try w.upload("S1130001", course: "MATH2", term: "113-2") }
        w.rejects(.quota, "S1130001", .courseOutcomeUploaded(CourseOutcomeUploaded(term: Term(113, 2), courseId: "MATH2", title: "x")))
    }

    @Test func returnedOutcomeReuploadDoesNotTakeASecondSlot() throws {
        var w = try World.school()
        for _ in 0..<15 { try w.upload("S1130001") }
        try w.certify("T001", "S1130001-C4", .returned)
        try w.upload("S1130001", title: "Lab report (fixed)", itemId: "S1130001-C4")
        let st = w.students["S1130001"]!
        #expect(st.courseOutcomeUploads[Term(113, 1)] == 15)
        #expect(st.items["S1130001-C4"]!.status == .uploaded)
        #expect(st.items["S1130001-C4"]!.history.map(\.action.rawValue) == ["uploaded", "returned", "re-uploaded"])
        try w.certify("T001", "S1130001-C4")
    }

    @Test func reuploadOfAnItemThatWasNotReturnedIsRejected() throws {
        var w = try World.school()
        let id = try w.upload("S1130001")
        w.rejects(.state, "S1130001", .courseOutcomeUploaded(CourseOutcomeUploaded(itemId: id, term: Term(113, 1), courseId: "MATH1", title: "x")))
    }

    @Test func policySetChangesTheQuotaFromItsTimeOn() throws {
        var w = try World.school()
        for _ in 0..<15 { try w.upload("S1130001") }
        w.rejects(.quota, "S1130001", .courseOutcomeUploaded(CourseOutcomeUploaded(term: Term(113, 1), courseId: "MATH1", title: "x")))
        try w.append("D001", .policySet(PolicySet(courseOutcomeUploads: 16)))
        try w.upload("S1130001")
        w.rejects(.quota, "S1130001", .courseOutcomeUploaded(CourseOutcomeUploaded(term: Term(113, 1), courseId: "MATH1", title: "x")))
        #expect(w.shared.policies.count == 1 && w.shared.policy.courseOutcomeUploads == 16 && w.shared.policy.performanceUploads == 30)
        #expect(w.shared.policy(at: ts("2024-09-01")).courseOutcomeUploads == 15)
    }

    @Test func seventhCourseOutcomeSelectionInAYearIsRejected() throws {
        var w = try World.school()
        var ids: [String] = []
        for _ in 0..<7 { let id = try w.upload("S1130001"); try w.certify("T001", id); ids.append(id) }
        for id in ids.prefix(6) { try w.select("S1130001", id) }
        let m = w.rejects(.quota, "S1130001", .itemSelected(ItemRef(itemId: ids[6])))
        #expect(m.contains("already selected 6 course outcomes for academic year 113; the limit is 6"))
        try w.append("S1130001", .itemDeselected(ItemRef(itemId: ids[0])))
        try w.select("S1130001", ids[6])
    }

    @Test func thirtyFirstPerformanceUploadInAYearIsRejected() throws {
        var w = try World.school()
        for _ in 0..<30 { try w.uploadPerformance("S1130001") }
        let m = w.rejects(.quota, "S1130001", .performanceUploaded(PerformanceUploaded(year: AcademicYear(113), category: .work, title: "x")))
        #expect(m.contains("30 diverse performances"))
    }

    @Test func eleventhPerformanceSelectionInAYearIsRejected() throws {
        var w = try World.school()
        var ids: [String] = []
        for _ in 0..<11 { ids.append(try w.uploadPerformance("S1130001")) }
        for id in ids.prefix(10) { try w.select("S1130001", id) }
        w.rejects(.quota, "S1130001", .itemSelected(ItemRef(itemId: ids[10])))
        let q = QuotaCounters(student: w.students["S1130001"]!, shared: w.shared)
        #expect(q.performanceSelections == QuotaCounter(used: 10, limit: 10))
        #expect(q.performanceUploads == QuotaCounter(used: 11, limit: 30))
        #expect(q.performanceSelections.remaining == 0 && q.performanceUploads.remaining == 19)
    }
}

@Suite struct StateRuleTests {
    @Test func onlyCertifiedOutcomesCanBeSelected() throws {
        var w = try World.school()
        let id = try w.upload("S1130001")
        let m = w.rejects(.state, "S1130001", .itemSelected(ItemRef(itemId: id)))
        #expect(m.contains("only certified course outcomes can be selected"))
        try w.certify("T001", id)
        try w.select("S1130001", id)
    }

    @Test func certifiedItemCannotBeWithdrawn() throws {
        var w = try World.school()
        let id = try w.upload("S1130001")
        let other = try w.upload("S1130001")
        try w.certify("T001", id)
        w.rejects(.state, "S1130001", .courseOutcomeWithdrawn(ItemWithdrawn(itemId: id)))
        try w.append("S1130001", .courseOutcomeWithdrawn(ItemWithdrawn(itemId: other)))
    }

    @Test func withdrawnItemCannotBeCertified() throws {
        var w = try World.school()
        let id = try w.upload("S1130001")
        try w.append("S1130001", .courseOutcomeWithdrawn(ItemWithdrawn(itemId: id)))
        let m = w.rejects(.state, "T001", .courseOutcomeCertified(CourseOutcomeCertified(itemId: id)))
        #expect(m.contains("withdrawn item cannot be certified"))
        #expect(w.shared.awaiting(CourseTerm("MATH1", Term(113, 1))) == [])
    }

    @Test func sameCertificationDecisionTwiceIsRejected() throws {
        var w = try World.school()
        let id = try w.upload("S1130001")
        try w.certify("T001", id)
        let m = w.rejects(.state, "T001", .courseOutcomeCertified(CourseOutcomeCertified(itemId: id)))
        #expect(m.contains("same decision twice"))
        let r = try w.upload("S1130001")
        try w.certify("T001", r, .returned)
        w.rejects(.state, "T001", .courseOutcomeCertified(CourseOutcomeCertified(itemId: r, decision: .returned, reason: .notOwnWork)))
    }

    @Test func submittedSelectionCannotBeChanged() throws {
        var w = try World.school()
        let a = try w.upload("S1130001"), b = try w.upload("S1130001")
        try w.certify("T001", a); try w.certify("T001", b)
        try w.select("S1130001", a)
        try w.append("A001", .submissionMade(SubmissionMade(kind: .courseOutcomes, year: AcademicYear(113))))
        let m = w.rejects(.state, "S1130001", .itemDeselected(ItemRef(itemId: a)))
        #expect(m.contains("submitted selection cannot be changed"))
        w.rejects(.state, "S1130001", .itemSelected(ItemRef(itemId: b)))
        // A batch naming an item another batch carried is refused, naming that batch.
        let again = w.rejects(.state, "A001", .submissionMade(SubmissionMade(kind: .courseOutcomes, year: AcademicYear(113), items: [a])))
        #expect(again.contains("item \(a) was already submitted in batch 113-course-outcomes-1"), "\(again)")
        // Another student's selections are not frozen.
        let c = try w.upload("S1130002"); try w.certify("T001", c); try w.select("S1130002", c)
        try w.append("S1130002", .itemDeselected(ItemRef(itemId: c)))
    }

    @Test func receiptOnlyForASubmittedBatch() throws {
        var w = try World.school()
        let m = w.rejects(.state, "A001", .receiptConfirmed(ReceiptConfirmed(batchId: "113-course-outcomes-1")))
        #expect(m.contains("never submitted"))
        try w.append("A001", .submissionMade(SubmissionMade(kind: .courseOutcomes, year: AcademicYear(113))))
        try w.append("A001", .receiptConfirmed(ReceiptConfirmed(batchId: "113-course-outcomes-1")))
        w.rejects(.state, "A001", .receiptConfirmed(ReceiptConfirmed(batchId: "113-course-outcomes-1")))
    }

    @Test func departedStudentCannotUpload() throws {
        var w = try World.school()
        try w.append("A001", .studentDeparted(StudentDeparted(reason: .withdrawn, effectiveOn: day("2024-09-30"))), student: "S1130001")
        let m = w.rejects(.state, "S1130001", .courseOutcomeUploaded(CourseOutcomeUploaded(term: Term(113, 1), courseId: "MATH1", title: "x")))
        #expect(m.contains("can no longer upload"))
        try w.append("A001", .studentReEnrolled(StudentReEnrolled(kind: .resumed, effectiveOn: day("2024-10-15"))), student: "S1130001")
        try w.upload("S1130001")
    }

    @Test func storeIsInitializedOnlyOnce() throws {
        var w = World()
        w.rejects(.state, "A001", .staffRegistered(StaffRegistered(staffId: "T1", name: "x", roles: [.auditor])))
        try w.append("A001", .storeInitialized(StoreInitialized(schoolCode: "1", schoolName: "x", adminId: "A001", adminName: "a")))
        w.rejects(.state, "A001", .storeInitialized(StoreInitialized(schoolCode: "1", schoolName: "x", adminId: "A001", adminName: "a")))
    }

    @Test func disputeIsResolvedByTheSubmittingUnit() throws {
        var w = try World.school()
        let id = try w.upload("S1130001"); try w.certify("T001", id); try w.select("S1130001", id)
        try w.append("A001", .submissionMade(SubmissionMade(kind: .courseOutcomes, year: AcademicYear(113))))
        w.rejects(.state, "A001", .receiptDisputeResolved(ReceiptDisputeResolved(batchId: "113-course-outcomes-1")), student: "S1130001")
        try w.append("S1130001", .receiptDisputed(ReceiptDisputed(batchId: "113-course-outcomes-1", reason: "少一件")), student: "S1130001")
        w.rejects(.authority, "CS01", .receiptDisputeResolved(ReceiptDisputeResolved(batchId: "113-course-outcomes-1")), student: "S1130001")
        try w.append("A001", .receiptDisputeResolved(ReceiptDisputeResolved(batchId: "113-course-outcomes-1", resolution: "已補")), student: "S1130001")
    }
}

@Suite struct ReferenceRuleTests {
    @Test func uploadForACourseNotOfferedIsRejected() throws {
        var w = try World.school()
        let m = w.rejects(.reference, "S1130001", .courseOutcomeUploaded(CourseOutcomeUploaded(term: Term(113, 1), courseId: "PHYS9", title: "x")))
        #expect(m.contains("course PHYS9 is not offered in term 113-1"))
        try w.upload("S1130001", course: "CHEM1")
    }

    @Test func gradeForAnUnknownStudentIsRejected() throws {
        var w = try World.school()
        w.rejects(.reference, "A001", .gradeRecorded(GradeRecorded(courseId: "MATH1", term: Term(113, 1), score: 90, credits: 2)), student: "S9999999")
        try w.append("A001", .gradeRecorded(GradeRecorded(courseId: "MATH1", term: Term(113, 1), score: 90, credits: 2)), student: "S1130001")
    }

    @Test func certifyingAnUnknownItemIsRejected() throws {
        var w = try World.school()
        w.rejects(.reference, "T001", .courseOutcomeCertified(CourseOutcomeCertified(itemId: "S1130001-C9")))
    }

    @Test func courseWithAnUnknownTeacherIsRejected() throws {
        var w = try World.school()
        w.rejects(.reference, "A001", .courseOffered(CourseOffered(courseId: "ART1", term: Term(113, 1), name: "美術", teachers: ["T404"])))
        try w.append("RS01", .courseOffered(CourseOffered(courseId: "ART1", term: Term(113, 1), name: "美術", teachers: ["T003"])))
    }

    @Test func clientItemIdMustStartWithTheStudentId() throws {
        var w = try World.school()
        w.rejects(.reference, "S1130001", .courseOutcomeUploaded(CourseOutcomeUploaded(itemId: "S1130002-X1", term: Term(113, 1), courseId: "MATH1", title: "x")), student: "S1130001")
        let id = try w.upload("S1130001", itemId: "S1130001-lab-1")
        #expect(id == "S1130001-lab-1")
        #expect(studentID(ofItem: id) == "S1130001")
    }
}

@Suite struct ItemLimitRuleTests {
    @Test func descriptionOfOneHundredCharactersIsAccepted() throws {
        var w = try World.school()
        try w.upload("S1130001", description: String(repeating: "字", count: 100))
    }

    @Test func descriptionOfOneHundredAndOneCharactersIsRejected() throws {
        var w = try World.school()
        let m = w.rejects(.itemLimit, "S1130001", .courseOutcomeUploaded(CourseOutcomeUploaded(term: Term(113, 1), courseId: "MATH1", title: "x", description: String(repeating: "字", count: 101))))
        #expect(m.hasPrefix("Item limit: the description has 101 characters"))
    }

    @Test func documentsUpToFourMegabytesAreAccepted() throws {
        var w = try World.school()
        try w.upload("S1130001", files: [pdf(size: 4 << 20), FileEntry(name: "a.png", mediaType: "image/png", size: 4 << 20, sha256: sha)])
        w.rejects(.itemLimit, "S1130001", .courseOutcomeUploaded(CourseOutcomeUploaded(term: Term(113, 1), courseId: "MATH1", title: "x", files: [pdf(size: (4 << 20) + 1)])))
    }

    @Test func mediaUpToTenMegabytesAreAccepted() throws {
        var w = try World.school()
        try w.upload("S1130001", files: [FileEntry(name: "v.mp4", mediaType: "video/mp4", size: 10 << 20, sha256: sha)])
        w.rejects(.itemLimit, "S1130001", .courseOutcomeUploaded(CourseOutcomeUploaded(term: Term(113, 1), courseId: "MATH1", title: "x", files: [FileEntry(name: "a.mp3", mediaType: "audio/mpeg", size: (10 << 20) + 1, sha256: sha)])))
    }

    @Test func otherFileTypesAreRejected() throws {
        var w = try World.school()
        w.rejects(.itemLimit, "S1130001", .courseOutcomeUploaded(CourseOutcomeUploaded(term: Term(113, 1), courseId: "MATH1", title: "x", files: [FileEntry(name: "a.docx", mediaType: "application/msword", size: 10, sha256: sha)])))
    }

    @Test func policyChangesTheItemLimits() throws {
        var w = try World.school()
        try w.append("D001", .policySet(PolicySet(descriptionMaxChars: 120)))
        try w.upload("S1130001", description: String(repeating: "字", count: 120))
    }
}

@Suite struct RetentionRuleTests {
    func departed() throws -> World {
        var w = try World.school()
        let id = try w.upload("S1130001")
        try w.certify("T001", id)
        try w.append("A001", .studentDeparted(StudentDeparted(reason: .graduated, effectiveOn: day("2025-01-20"))), student: "S1130001")
        return w
    }

    @Test func purgeBeforeTheRetentionPeriodIsRejected() throws {
        var w = try departed()
        let m = w.rejects(.retention, "A001", .retentionPurged(RetentionPurged()), student: "S1130001", at: "2028-01-19T23:59:59+08:00")
        #expect(m.contains("until 2028-01-20"))
        w.rejects(.retention, "A001", .retentionPurged(RetentionPurged()), student: "S1130002")
    }

    @Test func purgeAfterTheRetentionPeriodRemovesThePortfolio() throws {
        var w = try departed()
        try w.append("A001", .retentionPurged(RetentionPurged(note: "保存期滿")), student: "S1130001", at: "2028-01-20T00:00:00+08:00")
        let st = w.students["S1130001"]!
        #expect(st.registry == nil && st.items.isEmpty && st.purgedSeq != nil)
        #expect(w.shared.students["S1130001"]!.purged && w.shared.students["S1130001"]!.name.isEmpty)
        #expect(w.shared.items.keys.allSatisfy { !$0.hasPrefix("S1130001-") })
        #expect(Portfolio(student: st, shared: w.shared).purged)
    }
}
