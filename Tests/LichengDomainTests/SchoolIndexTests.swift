import Foundation
import Testing
@testable import LichengDomain

/// The school index's item facts (`SharedState.items`) and certification queues with their
/// reverse (`awaitingQueue`), followed through an item's life.
@Suite struct SchoolIndexTests {
    /// The reverse of the certification queues holds exactly the items in them.
    func expectQueuesAgree(_ w: World, sourceLocation: SourceLocation = #_sourceLocation) {
        var reverse = IDMap<CourseTerm>()
        for (course, items) in w.shared.awaitingCertification {
            #expect(!items.isEmpty, "an empty queue \(course) stayed", sourceLocation: sourceLocation)
            for (id, _) in items { reverse[id] = course }
        }
        #expect(w.shared.awaitingQueue == reverse, sourceLocation: sourceLocation)
    }

    @Test func anItemIsIndexedThroughUploadDecisionReuploadSelectionAndSubmission() throws {
        var w = try World.school()
        let math = CourseTerm("MATH1", Term(113, 1)), chem = CourseTerm("CHEM1", Term(113, 1))
        let a = try w.upload("S1130001")
        let b = try w.upload("S1130001")
        let p = try w.uploadPerformance("S1130002")
        #expect(w.shared.items[a] == ItemInfo(kind: .courseOutcome, year: AcademicYear(113), semester: 1))
        #expect(w.shared.items[a]?.term == Term(113, 1) && w.shared.items[a]?.kind == .courseOutcome)
        #expect(w.shared.items[p] == ItemInfo(kind: .performance, year: AcademicYear(113)) && w.shared.items[p]?.term == nil)
        #expect(w.shared.awaitingQueue[a] == math && w.shared.awaitingQueue[b] == math && w.shared.awaitingQueue[p] == nil)
        #expect(w.shared.awaiting(math) == [a, b])
        expectQueuesAgree(w)

        // Returned for the wrong course, uploaded again under the right one: it moves queues
        // and is counted for the teacher of each decision.
        try w.certify("T001", a, .returned)
        #expect(w.shared.awaitingQueue[a] == nil && w.shared.awaiting(math) == [b])
        try w.upload("S1130001", course: "CHEM1", itemId: a)
        #expect(w.shared.awaitingQueue[a] == chem && w.shared.awaiting(chem) == [a] && w.shared.awaiting(math) == [b])
        expectQueuesAgree(w)
        // Decoded, the queues' reverse is rebuilt (it is not in the encoded form).
        let encoded = try JSONEncoder().encode(w.shared)
        #expect(!String(decoding: encoded, as: UTF8.self).contains("awaitingQueue"))
        let decoded = try JSONDecoder().decode(SharedState.self, from: encoded)
        #expect(decoded == w.shared && decoded.awaitingQueue == [a: chem, b: math])
        try w.certify("T002", a)
        #expect(w.shared.certificationTally[Term(113, 1)]?["T001"]?.decisions == 1)
        #expect(w.shared.certificationTally[Term(113, 1)]?["T002"]?.decisions == 1)
        #expect(w.shared.awaitingQueue[a] == nil && w.shared.awaitingCertification[chem] == nil)

        // Withdrawn: out of its queue, and the queue, now empty, out of the index.
        try w.append("S1130001", .courseOutcomeWithdrawn(ItemWithdrawn(itemId: b)))
        #expect(w.shared.awaitingQueue.isEmpty && w.shared.awaitingCertification.isEmpty)
        expectQueuesAgree(w)

        // Selected, deselected, selected; then carried by a batch.
        try w.select("S1130001", a)
        #expect(w.shared.items[a]?.selected == true && w.shared.items[a]?.submitted == false)
        try w.append("S1130001", .itemDeselected(ItemRef(itemId: a)))
        #expect(w.shared.items[a]?.selected == false)
        try w.select("S1130001", a)
        let e = try w.append("A001", .submissionMade(SubmissionMade(kind: .courseOutcomes, year: AcademicYear(113))))
        guard case .submissionMade(let d) = e.body else { Issue.record("not a submission"); return }
        #expect(d.items == [a] && d.students == ["S1130001"])
        #expect(w.shared.items[a] == ItemInfo(kind: .courseOutcome, year: AcademicYear(113), semester: 1, selected: true, submitted: true))
    }

    @Test func aPurgeTakesTheStudentsItemsOutOfTheIndexAndTheQueues() throws {
        var w = try World.school()
        let mine = try w.upload("S1130001"), theirs = try w.upload("S1130002")
        let performance = try w.uploadPerformance("S1130001")
        try w.append("A001", .studentDeparted(StudentDeparted(reason: .graduated, effectiveOn: day("2025-01-20"))), student: "S1130001")
        try w.append("A001", .retentionPurged(RetentionPurged(note: "保存期滿")), student: "S1130001", at: "2028-01-20T00:00:00+08:00")
        #expect(w.shared.items[mine] == nil && w.shared.items[performance] == nil && w.shared.awaitingQueue[mine] == nil)
        #expect(w.shared.items[theirs] != nil && w.shared.awaiting(CourseTerm("MATH1", Term(113, 1))) == [theirs])
        expectQueuesAgree(w)
    }

    /// An item's facts in one byte beside its year: each field set alone reads back alone;
    /// the stored form refuses unknown bits and semester 3.
    @Test func itemFactsKeepTheirBitsApart() {
        #expect(MemoryLayout<ItemInfo>.stride == 8)
        for semester in [nil, 1, 2] as [Int?] {
            for kind in [ItemKind.courseOutcome, .performance] {
                for selected in [false, true] {
                    for submitted in [false, true] {
                        let i = ItemInfo(kind: kind, year: AcademicYear(-1), semester: semester, selected: selected, submitted: submitted)
                        #expect(i.kind == kind && i.selected == selected && i.submitted == submitted && i.year == AcademicYear(-1))
                        #expect(i.term == semester.map { Term(year: AcademicYear(-1), semester: $0) })
                        #expect(ItemInfo(year: i.year, bits: i.bits) == i)
                        var j = i
                        j.selected.toggle()
                        #expect(j.selected != selected && j.submitted == submitted && j.kind == kind && j.term == i.term)
                        j.submitted.toggle()
                        #expect(j.submitted != submitted && j.selected != selected && j.kind == kind && j.term == i.term)
                    }
                }
            }
        }
        #expect(ItemInfo(year: AcademicYear(113), bits: 3) == nil)
        for bit in 5..<8 { #expect(ItemInfo(year: AcademicYear(113), bits: 1 << bit) == nil) }
    }
}
