import Foundation
import Testing
@testable import LichengDomain

/// The compact forms of the replayed state behave like the plain ones they replaced.
@Suite struct ItemTableTests {
    func item(_ id: String, _ title: String = "t") -> Item {
        Item(itemId: id, kind: .performance, year: AcademicYear(113), title: title, description: "", files: [],
             status: .uploaded, uploadSeq: 1, uploadedAt: 0)
    }

    @Test func keepsUploadOrderAndFindsByID() {
        var t = ItemTable()
        for id in ["S1-P3", "S1-P1", "S1-P2"] { t.add(item(id)) }
        #expect(t.keys == ["S1-P3", "S1-P1", "S1-P2"])
        #expect(t["S1-P1"]?.itemId == "S1-P1" && t["S1-P9"] == nil && t.contains("S1-P2") && !t.contains("S1-P9"))
        // Replacing keeps the position; a new ID goes to the end.
        t["S1-P1"] = item("S1-P1", "changed")
        t["S1-P4"] = item("S1-P4")
        #expect(t.keys == ["S1-P3", "S1-P1", "S1-P2", "S1-P4"] && t["S1-P1"]?.title == "changed")
        t.add(item("S1-P3", "again"))
        #expect(t.count == 4 && t["S1-P3"]?.title == "again" && t.first?.title == "again")
    }

    @Test func removingReindexesTheItemsAfter() {
        var t = ItemTable([item("A-1"), item("A-2"), item("A-3"), item("A-4")])
        t["A-2"] = nil
        t["A-9"] = nil
        #expect(t.keys == ["A-1", "A-3", "A-4"])
        for id in ["A-1", "A-3", "A-4"] { #expect(t[id]?.itemId == id) }
        #expect(t.modifyValue(forKey: "A-4") { $0.selected = true; return 7 } == 7 && t["A-4"]!.selected)
        #expect(t.modifyValue(forKey: "A-2") { _ in 1 } == nil)
    }

    @Test func equalityAndCodableFollowTheOrder() throws {
        let a = ItemTable([item("A-1"), item("A-2")]), b = ItemTable([item("A-2"), item("A-1")])
        #expect(a != b && a == ItemTable([item("A-1"), item("A-2")]))
        let back = try JSONDecoder().decode(ItemTable.self, from: JSONEncoder().encode(a))
        #expect(back == a && back["A-2"]?.itemId == "A-2")
    }

    @Test func compactTermsKeepTheirValuesAndCodableForm() throws {
        #expect(MemoryLayout<Term>.size <= 8 && MemoryLayout<AcademicYear>.size == 4)
        let t = Term(113, 2)
        #expect(t.year.value == 113 && t.semester == 2 && t.description == "113-2" && Term(113, 1) < t)
        let json = String(decoding: try JSONEncoder().encode(t), as: UTF8.self)
        #expect(json.contains("\"semester\":2") && json.contains("\"value\":113"))
        #expect(try JSONDecoder().decode(Term.self, from: Data(json.utf8)) == t)
        // A stored form with a semester other than 1 or 2 is refused, not trapped on.
        let bad = json.replacingOccurrences(of: "\"semester\":2", with: "\"semester\":3")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Term.self, from: Data(bad.utf8)) }
        let huge = #"{"value":99999999999}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(AcademicYear.self, from: Data(huge.utf8)) }
    }
}
