import Testing
@testable import LichengDomain

@Suite struct LifecycleTests {
    @Test func transferredInStudentUploadsAndShowsProvenance() throws {
        var w = try World.school()
        try w.append("A001", .studentTransferredIn(StudentTransferredIn(sourceSchool: "173302", bundleDigest: sha, name: "轉入生", class: "101", importedEvents: 12)), student: "S1130020")
        try w.upload("S1130020")
        let p = Portfolio(student: w.students["S1130020"]!, shared: w.shared)
        #expect(p.registry?.transferredFrom == "173302" && p.items.count == 1)
        w.rejects(.state, "A001", .studentTransferredIn(StudentTransferredIn(sourceSchool: "173302", bundleDigest: sha, name: "x", class: "101")), student: "S1130020")
    }

    /// Another school's receipts name its own batches (batch IDs repeat across schools): an
    /// imported history brings the items and records, not receipts that would block this school's.
    @Test func importedHistoryKeepsNoReceiptsOrRequestIds() throws {
        var st = StudentState(id: "S1130020")
        // This school's batch of the same name carries the student: the other school's
        // confirmation must not count as this one's.
        st.applySubmission(StudentSubmission(carriesStudent: true, items: []), batchId: "113-enrolment-and-grades-1", seq: 3)
        let other = [
            Event(seq: 5, recordedAt: ts("2024-09-02T10:00:00+08:00"), actor: "A001", student: "S1130020", requestId: "r-1",
                  body: .studentEnrolled(StudentEnrolled(name: "轉入生", class: "201"))),
            Event(seq: 9, recordedAt: ts("2024-12-02T10:00:00+08:00"), actor: "S1130020", student: "S1130020",
                  body: .receiptConfirmed(ReceiptConfirmed(batchId: "113-enrolment-and-grades-1", method: .platform))),
        ]
        st.applyImported(other, from: "173302")
        #expect(st.registry?.name == "轉入生" && st.requests.isEmpty)
        #expect(st.batches.map(\.batchId) == ["113-enrolment-and-grades-1"] && st.batch("113-enrolment-and-grades-1")?.receipt == nil)
    }

    @Test func purgedStudentIdCanBeEnrolledAgainWithAnEmptyPortfolio() throws {
        var w = try World.school()
        try w.upload("S1130003", course: "CHEM1")
        try w.append("A001", .studentDeparted(StudentDeparted(reason: .transferredOut, effectiveOn: day("2024-09-10"))), student: "S1130003")
        try w.append("A001", .retentionPurged(RetentionPurged()), student: "S1130003", at: "2027-09-10T00:00:00+08:00")
        w.rejects(.authority, "S1130003", .autobiographyRecorded(AutobiographyRecorded()))
        try w.append("A001", .studentEnrolled(StudentEnrolled(name: "新生", class: "101")), student: "S1130003")
        let st = w.students["S1130003"]!
        #expect(st.items.isEmpty && st.registry?.name == "新生" && st.courseOutcomeUploads.isEmpty)
    }

    @Test func policyChangesRetention() throws {
        var w = try World.school()
        try w.append("A001", .studentDeparted(StudentDeparted(reason: .graduated, effectiveOn: day("2024-09-10"))), student: "S1130003")
        try w.append("D001", .policySet(PolicySet(retentionYears: 4)))
        w.rejects(.retention, "A001", .retentionPurged(RetentionPurged()), student: "S1130003", at: "2027-09-10T00:00:00+08:00")
        try w.append("A001", .retentionPurged(RetentionPurged()), student: "S1130003", at: "2028-09-10T00:00:00+08:00")
    }

    /// SPEC §7: at least 3 years; a policy below that is bad input.
    @Test func retentionShorterThanThreeYearsIsRefused() throws {
        #expect(throws: InputError.self) {
            try Event.parseJSONLine(#"{"type":"policy.set","actor":"D001","data":{"retentionYears":2}}"#, line: 1)
        }
        #expect((try? Event.parseJSONLine(#"{"type":"policy.set","actor":"D001","data":{"retentionYears":3}}"#, line: 1)) != nil)
    }

    /// A departure dated in the past but recorded today starts the clock today.
    @Test func aBackdatedDepartureDoesNotShortenRetention() throws {
        var w = try World.school()
        w.now = ts("2024-10-01T09:00:00+08:00")
        try w.append("A001", .studentDeparted(StudentDeparted(reason: .withdrawn, effectiveOn: day("2020-01-01"))), student: "S1130003")
        let m = w.rejects(.retention, "A001", .retentionPurged(RetentionPurged()), student: "S1130003", at: "2027-09-30T23:00:00+08:00")
        #expect(m.contains("until 2027-10-01") && m.contains("recorded on 2024-10-01"), "\(m)")
        try w.append("A001", .retentionPurged(RetentionPurged()), student: "S1130003", at: "2027-10-01T00:00:00+08:00")
    }


    @Test func decideStampsTimeSeqStudentAndItemId() throws {
        let w = try World.school()
        let p = Event(actor: "S1130002", requestId: "r-1", body: .performanceUploaded(PerformanceUploaded(year: AcademicYear(113), category: .certificate, title: "英檢")))
        #expect(p.impliedStudent == "S1130002")
        let e = try w.school.decide(p, now: ts("2024-10-01T10:00:00+08:00"))
        #expect(e.recordedAt == ts("2024-10-01T10:00:00+08:00") && e.seq == w.shared.lastSeq + 1)
        #expect(e.student == "S1130002" && e.body.itemId == "S1130002-P1" && e.requestId == "r-1")
        #expect(e.streamKey == "S1130002")
    }

    @Test func rejectionDescriptionsNameTheRule() {
        #expect(Rejection(.window, "x").description == "Rule 2 (window): x")
        #expect(Rejection(.retention, "x").description == "Rule 6 (retention): x")
        #expect(Rejection(.itemLimit, "x").description == "Item limit: x")
        #expect(Rejection(.input, "x").description == "Invalid event: x")
    }

    @Test func staffUnavailabilityAndAvailabilityToggle() throws {
        var w = try World.school()
        w.rejects(.state, "A001", .staffAvailable(StaffAvailable(staffId: "T002")))
        try w.append("A001", .staffUnavailable(StaffUnavailable(staffId: "T002", reason: "颱風")))
        #expect(w.shared.staff["T002"]!.unavailable)
        w.rejects(.state, "A001", .staffUnavailable(StaffUnavailable(staffId: "T002")))
        try w.append("P001", .staffAvailable(StaffAvailable(staffId: "T002")))
        #expect(!w.shared.staff["T002"]!.unavailable)
        w.rejects(.reference, "A001", .staffUnavailable(StaffUnavailable(staffId: "T404")))
    }

    @Test func accountExtensionOnlyForADepartedAccount() throws {
        var w = try World.school()
        w.rejects(.state, "A001", .staffAccountExtended(StaffAccountExtended(staffId: "T002", accountExpiresAt: Instant(ts("2025-06-30")))))
        try w.append("A001", .staffDeparted(StaffDeparted(staffId: "T002", effectiveOn: day("2025-01-31"), accountExpiresAt: Instant(ts("2025-02-10")))))
        try w.append("A001", .staffAccountExtended(StaffAccountExtended(staffId: "T002", accountExpiresAt: Instant(ts("2025-06-30")))))
        #expect(w.shared.staff["T002"]!.accountExpiresAt == ts("2025-06-30"))
    }
}
