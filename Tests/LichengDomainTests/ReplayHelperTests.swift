import Testing
@testable import LichengDomain

/// The hand-built keys and parsers of the replay path give what the plain forms give.
@Suite struct ReplayHelperTests {
    @Test func keysAreTheDocumentedForms() {
        for (course, term) in [("MATH1", Term(113, 1)), ("數學", Term(99, 2)), ("", Term(1000, 1)), ("C-0123", Term(1, 2)),
                               ("A", Term(9, 1)), ("LONG-COURSE-IDENTIFIER-OF-MANY-BYTES", Term(9999, 2)), ("X", Term(10, 2)),
                               ("Z", Term(0, 1)), ("N", Term(-5, 2))] {
            #expect(SharedState.courseKey(course, term) == "\(course)@\(term.year.value)-\(term.semester)")
        }
    }

    @Test func itemCounterReadsOnlyAssignedIds() {
        let c = UInt8(ascii: "C"), p = UInt8(ascii: "P")
        #expect(StudentState.counter("S1130001-C12", student: "S1130001", letter: c) == 12)
        #expect(StudentState.counter("S1130001-C007", student: "S1130001", letter: c) == 7)
        #expect(StudentState.counter("S1130001-P3", student: "S1130001", letter: p) == 3)
        for id in ["S1130001-P3", "S1130001-C", "S1130001-Cx1", "S1130001-C-1", "S11300012-C1", "S113000-C1", "S1130001C1",
                   "S1130001-lab-1", "S1130001-C99999999999999999999999"] {
            #expect(StudentState.counter(id, student: "S1130001", letter: c) == nil, "\(id)")
        }
    }

    @Test func studentOfItemIsThePartBeforeTheFirstDash() {
        #expect(studentID(ofItem: "S1-C1") == "S1")
        #expect(studentID(ofItem: "S1-lab-2") == "S1")
        #expect(studentID(ofItem: "-C1") == nil)
        #expect(studentID(ofItem: "S1-") == nil)
        #expect(studentID(ofItem: "S1") == nil)
    }

    @Test func exactUTF8AcceptsValidTextAndRefusesRepairs() {
        for text in ["", "a", "abcdefgh", "abcdefghi", "學習歷程檔案", "mixed 混合 text of some length 文字"] {
            let bytes = Array(text.utf8)
            #expect(bytes.withUnsafeBytes { String(exactUTF8: $0) } == text)
        }
        // Truncated, stray continuation, overlong, surrogate; at offsets that cross the 8-byte steps.
        for bad: [UInt8] in [[0xE5, 0xAD], [0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF0, 0x90, 0x80]] {
            for pad in [0, 5, 8, 13] {
                let bytes = Array(repeating: UInt8(ascii: "x"), count: pad) + bad + Array("尾".utf8)
                #expect(bytes.withUnsafeBytes { String(exactUTF8: $0) } == nil, "\(bytes)")
            }
        }
    }

    @Test func byteOrderIsTheUTF8Order() {
        let words = ["", "a", "b", "ab", "abcdefgh", "abcdefgi", "abcdefghi", "abcdefgh\u{7F}", "S1130001-C10", "S1130001-C9",
                     "S1130001-P1", "S11300010-C1", "學", "學習", "z", "é", "e\u{301}", String(repeating: "x", count: 40),
                     // Words whose first eight bytes differ in two places in opposite directions, and
                     // longer ones that differ only in their second or third eight bytes.
                     "azzzzzzz", "baaaaaaa", "abzzzzzz", "baaaaaaz", "12345678abcdefgh", "12345678abcdefgi",
                     "12345678bbcdefga", "12345678abcdefgh12345678", "12345678abcdefgh02345679"]
        for a in words {
            for b in words {
                #expect(String.utf8Precedes(a, b) == a.utf8.lexicographicallyPrecedes(b.utf8), "\(a) vs \(b)")
            }
        }
    }
}
