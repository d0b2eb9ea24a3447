import Testing
@testable import LichengDomain

/// A whole semester 113-1: store, staff, enrolment, courses, windows, uploads, certifications by
/// the right and the wrong teacher, selections, submissions and receipts; then the projections
/// now and as of three earlier seqs.
@Suite struct WholeSemesterScenarioTests {
    struct Run {
        var w: World
        var afterUploads: UInt64 = 0
        var afterSelections: UInt64 = 0
        var afterSubmissions: UInt64 = 0
    }

    static func run() throws -> Run {
        var w = try World.school()
        let t = Term(113, 1)
        try w.append("P001", .workingGroupMeetingHeld(WorkingGroupMeetingHeld(date: day("2024-09-03"), term: t, decisions: "期程與分工")))
        try w.append("DA01", .trainingHeld(TrainingHeld(kind: .orientation, date: day("2024-09-04"), audience: [.students, .parents], hosts: ["DA01"])))
        try w.append("RS01", .electiveRegistered(ElectiveRegistered(term: t, courseIds: ["CHEM1"])), student: "S1130001")
        try w.append("T001", .cadreRecorded(CadreRecorded(level: .class, title: "班長", term: t)), student: "S1130001")
        try w.append("CC01", .counselingRecorded(CounselingRecorded(heldAt: Instant(ts("2024-09-05T10:00:00+08:00")), place: "輔導室", content: "選組", opinion: "自然組")), student: "S1130001")

        w.now = ts("2024-10-01T19:00:00+08:00")
        try w.upload("S1130001", course: "MATH1", title: "函數報告")             // C1
        try w.upload("S1130001", course: "MATH1", title: "化學實驗")             // C2 (filed under the wrong course)
        try w.upload("S1130001", course: "CHEM1", title: "滴定")                 // C3
        try w.uploadPerformance("S1130001")                                       // P1
        try w.uploadPerformance("S1130001")                                       // P2
        try w.upload("S1130002", course: "MATH1", title: "統計")                 // S1130002-C1
        var run = Run(w: w)
        run.afterUploads = w.shared.lastSeq

        w.now = ts("2024-11-01T10:00:00+08:00")
        try w.certify("T001", "S1130001-C1")
        w.rejects(.authority, "T002", .courseOutcomeCertified(CourseOutcomeCertified(itemId: "S1130001-C2")))
        try w.certify("T001", "S1130001-C2", .returned)
        try w.upload("S1130001", course: "CHEM1", title: "化學實驗", itemId: "S1130001-C2")
        try w.certify("T002", "S1130001-C2")
        try w.certify("T002", "S1130001-C3")
        w.rejects(.authority, "T002", .courseOutcomeCertified(CourseOutcomeCertified(itemId: "S1130002-C1")))

        w.now = ts("2024-12-15T10:00:00+08:00")
        try w.select("S1130001", "S1130001-C1")
        try w.select("S1130001", "S1130001-C2")
        try w.select("S1130001", "S1130001-P1")
        run.afterSelections = w.shared.lastSeq

        w.now = ts("2025-01-20T10:00:00+08:00")
        try w.append("A001", .submissionMade(SubmissionMade(kind: .courseOutcomes, year: AcademicYear(113))))
        try w.append("CS01", .submissionMade(SubmissionMade(kind: .performances, year: AcademicYear(113))))
        w.rejects(.authority, "CS01", .submissionMade(SubmissionMade(kind: .courseOutcomes, year: AcademicYear(113))))
        run.afterSubmissions = w.shared.lastSeq

        w.now = ts("2025-01-25T10:00:00+08:00")
        try w.append("A001", .receiptConfirmed(ReceiptConfirmed(batchId: "113-course-outcomes-1")))
        try w.append("S1130001", .receiptConfirmed(ReceiptConfirmed(batchId: "113-course-outcomes-1")), student: "S1130001")
        try w.append("S1130001", .receiptDisputed(ReceiptDisputed(batchId: "113-performances-1", reason: "證明文件缺頁")), student: "S1130001")
        try w.append("CS01", .receiptDisputeResolved(ReceiptDisputeResolved(batchId: "113-performances-1", resolution: "已補件")), student: "S1130001")
        run.w = w
        return run
    }

    func states(_ p: Portfolio) -> [String: String] {
        Dictionary(uniqueKeysWithValues: p.items.map { ($0.item.itemId, $0.state) })
    }

    @Test func finalPortfolioAndQuotaAreExact() throws {
        let r = try Self.run()
        let w = r.w
        let p = Portfolio(student: w.students["S1130001"]!, shared: w.shared)
        #expect(p.registry?.name == "林小明" && p.registry?.class == "101" && p.registry?.nationalId == "A123456781")
        #expect(p.registry?.admittedOn == day("2024-08-01") && p.registry?.departedOn == nil)
        #expect(p.cadres.map(\.data.title) == ["班長"] && p.cadres[0].by == "T001")
        #expect(p.counseling.map(\.data.place) == ["輔導室"])
        #expect(p.electives.map(\.data.courseIds) == [["CHEM1"]])
        #expect(p.items.map(\.item.itemId) == ["S1130001-C1", "S1130001-C2", "S1130001-C3", "S1130001-P1", "S1130001-P2"])
        #expect(states(p) == [
            "S1130001-C1": "receipt-confirmed", "S1130001-C2": "receipt-confirmed", "S1130001-C3": "certified",
            "S1130001-P1": "submitted", "S1130001-P2": "uploaded",
        ])
        let c2 = p.item("S1130001-C2")!
        #expect(c2.item.courseId == "CHEM1" && c2.item.title == "化學實驗" && c2.item.status == .certified && c2.item.selected)
        #expect(c2.submittedIn == "113-course-outcomes-1" && c2.receipt == .confirmed)
        #expect(c2.item.history.map(\.action.rawValue) == ["uploaded", "returned", "re-uploaded", "certified", "selected", "receipt-confirmed"])
        #expect(c2.item.history.map(\.actor) == ["S1130001", "T001", "S1130001", "T002", "S1130001", "S1130001"])
        #expect(c2.item.files == [pdf()])
        let p1 = p.item("S1130001-P1")!
        #expect(p1.receipt == .resolved && p1.item.history.map(\.action.rawValue) == ["uploaded", "selected", "receipt-disputed", "dispute-resolved"])

        let q = QuotaCounters(student: w.students["S1130001"]!, shared: w.shared)
        #expect(q.term == Term(113, 1))
        #expect(q.courseOutcomeUploads == QuotaCounter(used: 3, limit: 15))
        #expect(q.performanceUploads == QuotaCounter(used: 2, limit: 30))
        #expect(q.courseOutcomeSelections == QuotaCounter(used: 2, limit: 6))
        #expect(q.performanceSelections == QuotaCounter(used: 1, limit: 10))
        let qj = q.jsonObject()
        #expect(qj.keys == ["studentId", "term", "year", "courseOutcomeUploads", "performanceUploads", "courseOutcomeSelections", "performanceSelections"])
        #expect(qj["courseOutcomeUploads"] == .object(JSONObject(["used": .int(3), "limit": .int(15), "remaining": .int(12)])))

        let batch = w.shared.batches["113-course-outcomes-1"]!
        #expect(batch.items == ["S1130001-C1", "S1130001-C2"] && batch.students == ["S1130001"] && batch.schoolReceipt?.status == .confirmed)
        #expect(w.shared.batches["113-performances-1"]!.items == ["S1130001-P1"])
        #expect(w.shared.awaiting(CourseTerm("MATH1", Term(113, 1))) == ["S1130002-C1"])
    }

    @Test func projectionsAsOfThreeEarlierSeqs() throws {
        let r = try Self.run()
        let a = r.w.asOf(r.afterUploads)
        let pa = Portfolio(student: a.students["S1130001"]!, shared: a.shared)
        #expect(states(pa) == ["S1130001-C1": "uploaded", "S1130001-C2": "uploaded", "S1130001-C3": "uploaded", "S1130001-P1": "uploaded", "S1130001-P2": "uploaded"])
        #expect(pa.item("S1130001-C2")!.item.courseId == "MATH1")
        #expect(pa.asOfSeq == r.afterUploads)
        let qa = QuotaCounters(student: a.students["S1130001"]!, shared: a.shared)
        #expect(qa.courseOutcomeUploads.used == 3 && qa.courseOutcomeSelections.used == 0 && qa.performanceUploads.used == 2)
        #expect(a.shared.awaiting(CourseTerm("MATH1", Term(113, 1))) == ["S1130001-C1", "S1130001-C2", "S1130002-C1"])

        let b = r.w.asOf(r.afterSelections)
        let pb = Portfolio(student: b.students["S1130001"]!, shared: b.shared)
        #expect(states(pb) == ["S1130001-C1": "selected", "S1130001-C2": "selected", "S1130001-C3": "certified", "S1130001-P1": "selected", "S1130001-P2": "uploaded"])
        let qb = QuotaCounters(student: b.students["S1130001"]!, shared: b.shared)
        #expect(qb.courseOutcomeSelections == QuotaCounter(used: 2, limit: 6) && qb.performanceSelections.used == 1)
        #expect(qb.courseOutcomeUploads.used == 3)
        #expect(b.shared.batches.isEmpty)

        let c = r.w.asOf(r.afterSubmissions)
        let pc = Portfolio(student: c.students["S1130001"]!, shared: c.shared)
        #expect(states(pc) == ["S1130001-C1": "submitted", "S1130001-C2": "submitted", "S1130001-C3": "certified", "S1130001-P1": "submitted", "S1130001-P2": "uploaded"])
        #expect(c.shared.batches["113-course-outcomes-1"]!.schoolReceipt == nil)
        // The exam section confirms the receipt of every batch (rules 6(3)).
        #expect(PendingWork(actor: "A001", shared: c.shared, now: c.now).receiptsToConfirm == ["113-course-outcomes-1", "113-performances-1"])
        #expect(PendingWork(actor: "S1130001", shared: c.shared, now: c.now).receiptsToConfirm == ["113-course-outcomes-1", "113-performances-1"])
    }

    @Test func replayFromStoredBytesGivesTheSameProjections() throws {
        let r = try Self.run()
        var replay = World()
        for e in r.w.log {
            let bytes = e.encodeStored()
            replay.apply(try Event.decodeStored(bytes, seq: e.seq, recordedAt: e.recordedAt))
        }
        for s in ["S1130001", "S1130002", "S1130003"] {
            #expect(Portfolio(student: replay.students[s]!, shared: replay.shared).jsonObject() == Portfolio(student: r.w.students[s]!, shared: r.w.shared).jsonObject())
        }
        // And from the JSON documents.
        var fromJSON = World()
        for e in r.w.log {
            var back = try Event.parseJSONLine(e.jsonString(includeLogPosition: false), line: Int(e.seq))
            back.seq = e.seq; back.recordedAt = e.recordedAt
            fromJSON.apply(back)
        }
        #expect(Portfolio(student: fromJSON.students["S1130001"]!, shared: fromJSON.shared).jsonObject() == Portfolio(student: r.w.students["S1130001"]!, shared: r.w.shared).jsonObject())
    }

    @Test func auditFilterSelectsByStudentActorTypeAndTime() throws {
        let r = try Self.run()
        let log = r.w.log
        let certs = log.filter(AuditFilter(types: [.courseOutcomeCertified]).matches)
        #expect(certs.map(\.actor) == ["T001", "T001", "T002", "T002"])
        let s2 = log.filter(AuditFilter(student: "S1130002").matches)
        #expect(s2.map(\.type) == [.studentEnrolled, .courseOutcomeUploaded])
        let nov = log.filter(AuditFilter(from: ts("2024-11-01"), until: ts("2024-12-01")).matches)
        #expect(nov.count == 5)
        #expect(log.filter(AuditFilter(actor: "T002", throughSeq: r.afterSelections).matches).count == 2)
        #expect(AuditFilter(actor: "T002", types: [.gradeRecorded]).jsonObject().keys == ["actor", "types"])
    }

    @Test func pendingWorkAndClassOverview() throws {
        let r = try Self.run()
        let w = r.w
        let t1 = PendingWork(actor: "T001", shared: w.shared, now: ts("2025-02-05T10:00:00+08:00"))
        #expect(t1.certifications.map(\.itemId) == ["S1130002-C1"])
        #expect(t1.closingWindows.map(\.kind) == [.certification])
        #expect(PendingWork(actor: "T002", shared: w.shared, now: w.now).certifications.isEmpty)
        let cs = PendingWork(actor: "CS01", shared: w.shared, now: w.now)
        #expect(cs.disputesToResolve.isEmpty)
        let json = t1.jsonObject()
        #expect(json.keys == ["actor", "certifications", "closingWindows", "receiptsToConfirm", "disputesToResolve", "replacing", "submissionsDue", "mailReceipts"])

        let overview = ClassOverview(className: "101", shared: w.shared, students: w.students)
        #expect(overview.rows.map(\.studentId) == ["S1130001", "S1130002"])
        #expect(overview.rows.map(\.courseOutcomeUploads.used) == [3, 1])
        #expect(overview.rows.map(\.courseOutcomeSelections.used) == [2, 0])
        #expect(overview.missing.isEmpty)
        // The homeroom teacher sees which outcomes still wait for a teacher's certification.
        #expect(overview.awaitingCertification.mapValues { $0.map(\.itemId) } == ["S1130002": ["S1130002-C1"]])
        #expect(overview.jsonObject()["class"] == .string("101"))
    }

    @Test func portfolioJSONHasTheDocumentedKeys() throws {
        let r = try Self.run()
        let j = Portfolio(student: r.w.students["S1130001"]!, shared: r.w.shared).jsonObject()
        #expect(Array(j.keys.prefix(4)) == ["studentId", "asOfSeq", "purged", "registry"])
        let item = j["items"]!.arrayValue![1].objectValue!
        #expect(Array(item.keys.prefix(5)) == ["itemId", "kind", "state", "status", "selected"])
        #expect(item["state"] == .string("receipt-confirmed"))
        #expect(j["cadres"]!.arrayValue![0]["recordedBy"] == .string("T001"))
    }
}
