import Testing
import TestSupport
@testable import LichengDomain

/// `SubmissionMade.forEachStudentShare` groups a batch's items by one walk over them in byte
/// order; here it is checked against the plain reading: a table of every student, filled item by
/// item.
@Suite struct SubmissionShareTests {
    /// What the batch holds of each student, the plain way.
    static func reference(_ d: SubmissionMade) -> [String: StudentSubmission] {
        var out: [String: StudentSubmission] = [:]
        for s in d.students { out[s] = StudentSubmission(carriesStudent: true, items: []) }
        for i in d.items.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            guard let s = studentID(ofItem: i) else { continue }
            out[s, default: StudentSubmission(carriesStudent: false, items: [])].items.append(i)
        }
        return out
    }

    @Test func sharesMatchThePlainReading() {
        var g = SeededGenerator(seed: 42)
        // Student IDs that prefix one another ("S1" and "S12"), items of other shapes, named
        // students with and without items, repeated names and items, sorted and shuffled lists.
        let students = ["S1", "S12", "S123", "S2", "A", "a", "S1.2", "S_9"]
        let suffixes = ["-C1", "-C10", "-C2", "-P1", "-P1-x", "-"]
        for round in 0..<400 {
            var items: [String] = []
            for _ in 0..<Int.random(in: 0...30, using: &g) {
                items.append(students.randomElement(using: &g)! + suffixes.randomElement(using: &g)!)
            }
            if Bool.random(using: &g) { items.append(["nodash", "-C1", "S1"].randomElement(using: &g)!) }
            if round % 2 == 0 { items.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) } }
            let named = (0..<Int.random(in: 0...4, using: &g)).map { _ in students.randomElement(using: &g)! }
            let d = SubmissionMade(batchId: "B\(round)", items: items, students: named)

            var seen: [String: StudentSubmission] = [:]
            var order: [String] = []
            d.forEachStudentShare { s, share in
                #expect(seen[s] == nil, "student \(s) given twice")
                seen[s] = share
                order.append(s)
            }
            #expect(seen == Self.reference(d), "round \(round): \(items) named \(named)")
            // Students owning items come first, in byte order.
            let owners = order.filter { s in seen[s]!.items.isEmpty == false }
            #expect(order.prefix(owners.count).elementsEqual(owners))
            #expect(owners == owners.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        }
    }

    /// The walk tells a student's items by their bytes: what `studentID(ofItem:)` says, for IDs
    /// that prefix one another, items of other shapes and the same bytes made another way.
    @Test func itemsOfAStudentAreToldByTheirBytes() {
        let students = ["S1", "S12", "S123", "S2", "A", "a", "S1.2", "S_9", "S1130001"]
        let items = students.flatMap { s in ["-C1", "-C10", "-", "", "-P1-x", "x-C1", "2-C1"].map { s + $0 } } + ["-C1", "nodash", "S1"]
        for i in items {
            for s in students {
                let expected = studentID(ofItem: i) == s
                #expect(isItem(i, of: s) == expected, "\(i) of \(s)")
                #expect(isItem(IDMapTests.native(i), of: IDMapTests.native(s)) == expected)
            }
        }
    }

    /// A batch's items are kept in byte order and found by binary search: every item it holds
    /// is found, no other.
    @Test func batchesFindTheirItems() {
        var g = SeededGenerator(seed: 7)
        let pool = ["S1", "S12", "S2", "A", "a", "S1.2"].flatMap { s in ["-C1", "-C10", "-C2", "-P1", "-P9"].map { s + $0 } }
        for _ in 0..<200 {
            let held = pool.filter { _ in Bool.random(using: &g) }.shuffled(using: &g)
            let d = SubmissionMade(batchId: "B", items: held)
            let batch = Batch(batchId: "B", kind: .performances, year: AcademicYear(113), term: nil, items: d.itemsInByteOrder,
                              students: [], replaces: nil, replacedBy: nil, submittedBy: "T1", onBehalfOf: nil, seq: 1, at: 0)
            for id in pool + ["", "S1", "S1-", "S1-C", "zz"] {
                #expect(batch.carries(id) == held.contains(id), "\(id) in \(held)")
            }
        }
    }

    @Test func itemsInByteOrder() {
        let sorted = SubmissionMade(items: ["S1-C1", "S1-C10", "S1-C2", "S12-C1"])
        #expect(sorted.itemsInByteOrder == sorted.items)
        let shuffled = SubmissionMade(items: ["S12-C1", "S1-C2", "S1-C1", "S1-C10"])
        #expect(shuffled.itemsInByteOrder == ["S1-C1", "S1-C10", "S1-C2", "S12-C1"])
        #expect(SubmissionMade(items: []).itemsInByteOrder.isEmpty)
    }
}
