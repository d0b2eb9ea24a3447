import Testing
@testable import LichengDomain

/// The hand-built keys and parsers of the replay path give what the plain forms give.
@Suite struct ReplayHelperTests {
    @Test func keysAreTheDocumentedForms() {
        for (course, term) in [("MATH1", Term(113, 1)), ("數學", Term(99, 2)), ("", Term(1000, 1)), ("C-0123", Term(1, 2)),
                               ("A", Term(9, 1)), ("LONG-COURSE-IDENTIFIER-OF-MANY-BYTES", Term(9999, 2)), ("X", Term(10, 2)),
                               ("Z", Term(0, 1)), ("N", Term(-5, 2))] {
            #expect(SharedState.courseKey(course, term) == "\(course)@\(term.year.value)-\(term.semester)")
            // A course and term read back from its key.
            #expect(CourseTerm(key: SharedState.courseKey(course, term)) == CourseTerm(course, term))
        }
        for year in [Int(Int32.max), Int(Int32.min), 9999, 1000] {
            #expect(CourseTerm(key: SharedState.courseKey("C", Term(year, 2))) == CourseTerm("C", Term(year, 2)), "\(year)")
        }
        #expect(CourseTerm(key: "A@B@113-1") == CourseTerm("A@B", Term(113, 1)))
        for bad in ["", "MATH1", "MATH1@", "MATH1@113", "MATH1@113-3", "MATH1@113-1x", "MATH1@-1", "MATH1@x-1",
                    "MATH1@113--1", "MATH1@2147483648-1", "MATH1@-2147483649-1", "MATH1@123456789012-1"] {
            #expect(CourseTerm(key: bad) == nil, "\(bad)")
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

    /// An upload's item, made from the event's content with its first history entry written in
    /// place, is the item made field by field with that entry as its history.
    @Test func uploadedItemEqualsTheItemMadeFieldByField() {
        let files = [FileEntry(name: "成果.pdf", mediaType: "application/pdf", size: 5459, sha256: String(repeating: "ab", count: 32))]
        let content = ItemContent(title: "歷史田野調查", description: "113-1學期歷史課程之作品集", files: files)
        let entries = [
            ItemHistoryEntry(seq: 1, at: 0, action: .uploaded, actor: "S1", onBehalfOf: nil, detail: nil),
            ItemHistoryEntry(seq: 300_000_000_000, at: -1_700_000_000_000_000, action: .uploaded, actor: "S1130407",
                             onBehalfOf: "T0001", detail: "代理上傳"),
            ItemHistoryEntry(seq: .max, at: .max, action: .uploaded, actor: "", onBehalfOf: "", detail: nil),
        ]
        for e in entries {
            let made = Item(itemId: "S1-C1", kind: .courseOutcome, term: Term(113, 1), year: AcademicYear(113), courseId: "C1",
                            content: content, status: .uploaded, uploadSeq: e.seq, uploadedAt: e.at, uploaded: e)
            let expected = Item(itemId: "S1-C1", kind: .courseOutcome, term: Term(113, 1), year: AcademicYear(113), courseId: "C1",
                                title: content.title, description: content.description, files: files, status: .uploaded,
                                uploadSeq: e.seq, uploadedAt: e.at, history: [e])
            #expect(made == expected)
            // The entry keeps its own seq and time where they are not the upload's.
            let other = Item(itemId: "S1-C1", kind: .courseOutcome, term: Term(113, 1), year: AcademicYear(113), courseId: "C1",
                             content: content, status: .uploaded, uploadSeq: 7, uploadedAt: 8, uploaded: e)
            #expect(other.history == [e] && other.uploadSeq == 7 && other.uploadedAt == 8)
            #expect(made.history == [e])
            // A later entry goes after the first, as it would on the item made field by field.
            var a = made, b = expected
            let later = ItemHistoryEntry(seq: 2, at: 5, action: .certified, actor: "T0001", onBehalfOf: nil, detail: nil)
            a.appendHistory(later); b.appendHistory(later)
            #expect(a == b && a.history == [e, later])
        }
    }

    @Test func exactUTF8AcceptsValidTextAndRefusesRepairs() {
        for text in ["", "a", "abcdefgh", "abcdefghi", "學習歷程檔案", "mixed 混合 text of some length 文字"] {
            let bytes = Array(text.utf8)
            #expect(bytes.withUnsafeBytes { String(exactUTF8: $0) } == text)
        }
        // Short ASCII texts are made from their words as small strings (15 bytes and fewer),
        // bit for bit what the standard library makes: every length around that limit, every
        // ASCII byte value, and a non-ASCII byte at each position of short texts.
        #if _pointerBitWidth(_64) && _endian(little)
        #expect(String.smallLayoutHolds)
        #endif
        for n in 0...17 {
            for byte in UInt8(0)...0x7F {
                let bytes = (0..<n).map { i in i == n / 2 ? byte : UInt8(ascii: "A") &+ UInt8(i) }
                let made = bytes.withUnsafeBytes { String(exactUTF8: $0) }
                let expected = String(decoding: bytes, as: UTF8.self)
                #expect(made.map { Array($0.utf8) } == bytes && made == expected)
                if n <= 15 {
                    #expect(made.map { unsafeBitCast($0, to: (UInt64, UInt64).self) == unsafeBitCast(expected, to: (UInt64, UInt64).self) } == true)
                }
                #expect(made.map { ID($0) == ID(expected) && $0.hashValue == expected.hashValue && $0.utf8.count == n } == true)
            }
            for at in 0..<n {
                var bytes = Array(repeating: UInt8(ascii: "x"), count: n)
                bytes[at] = 0xFF
                #expect(bytes.withUnsafeBytes { String(exactUTF8: $0) } == nil, "\(bytes)")
                bytes[at] = 0xC3; if at + 1 < n { bytes[at + 1] = 0xA9 }
                let made = bytes.withUnsafeBytes { String(exactUTF8: $0) }
                #expect(made == (at + 1 < n ? String(decoding: bytes, as: UTF8.self) : nil), "\(bytes)")
            }
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

    private static func isValidUTF8(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { String.isValidUTF8($0) } }

    /// What the standard library accepts as UTF-8.
    private static func stdlibAccepts(_ bytes: [UInt8]) -> Bool { String(validating: bytes, as: UTF8.self) != nil }

    @Test func utf8CheckAgreesWithTheStandardLibrary() {
        // Every one- and two-byte sequence.
        for a in 0...255 {
            #expect(Self.isValidUTF8([UInt8(a)]) == Self.stdlibAccepts([UInt8(a)]), "\(a)")
            for b in 0...255 {
                let s = [UInt8(a), UInt8(b)]
                #expect(Self.isValidUTF8(s) == Self.stdlibAccepts(s), "\(s)")
            }
        }
        // Every lead byte with continuations at and around the edges of table 3-7's ranges.
        let edges: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xE0, 0xED, 0xF0, 0xF4, 0xFF]
        for a in 0xC0...0xFF {
            for b in edges {
                for c in edges {
                    let three = [UInt8(a), b, c]
                    #expect(Self.isValidUTF8(three) == Self.stdlibAccepts(three), "\(three)")
                    for d in edges {
                        let four = [UInt8(a), b, c, d]
                        #expect(Self.isValidUTF8(four) == Self.stdlibAccepts(four), "\(four)")
                    }
                }
            }
        }
        // Three-byte sequences are passed two at a time from one word: every lead E0–EF with
        // continuations at the edges, first or second of a pair, beside a valid one, at each
        // offset from the pair's start, and runs of valid ones ending in each kind of byte.
        let cjk = Array("學".utf8)
        for a in 0xE0...0xEF {
            for b in edges {
                for c in edges {
                    let seq = [UInt8(a), b, c]
                    for pad in 0..<3 {
                        let x = Array(repeating: UInt8(ascii: "x"), count: pad)
                        for bytes in [x + seq + cjk + cjk + x, x + cjk + seq + cjk + x, x + cjk + cjk + seq + Array("xy".utf8)] {
                            #expect(Self.isValidUTF8(bytes) == Self.stdlibAccepts(bytes), "\(bytes)")
                        }
                    }
                }
            }
        }
        for count in 1...6 {
            for end: [UInt8] in [[], [0x41], [0xC3, 0xA9], [0xF0, 0x9F, 0x8E, 0x93], [0xE5, 0xAD], [0x80], [0xFF]] {
                let bytes = Array(repeating: cjk, count: count).flatMap { $0 } + end + cjk
                #expect(Self.isValidUTF8(bytes) == Self.stdlibAccepts(bytes), "\(bytes)")
            }
        }
        // Mixed text cut at every length and shifted across the eight-byte steps.
        let text = Array("abc 學習歷程 defghijk 🎓 lmnop é \u{10FFFF} qrstuvwxyz".utf8)
        for pad in 0..<8 {
            let padded = Array(repeating: UInt8(ascii: "x"), count: pad) + text
            for n in 0...padded.count {
                let cut = Array(padded[..<n])
                #expect(Self.isValidUTF8(cut) == Self.stdlibAccepts(cut), "\(pad) \(n)")
            }
        }
    }

    /// Upload bodies with every branch of the stored content: texts in several scripts, known and
    /// unknown media types, compact and text digests, sizes small, large and negative, no files.
    private static let uploadSamples: [(title: String, description: String, files: [FileEntry])] = {
        let hex = String(repeating: "0123456789abcdef", count: 4)
        return [
            ("", "", []),
            ("英語文閱讀心得", "113-1學期英語文課程之期末專題報告", [FileEntry(name: "成果.pdf", mediaType: "application/pdf", size: 4564, sha256: hex)]),
            ("Title 🎓", String(repeating: "長", count: 300), [
                FileEntry(name: "a.png", mediaType: "image/png", size: 0, sha256: hex),
                FileEntry(name: "b.bin", mediaType: "application/x-unknown", size: 1 << 40, sha256: hex.uppercased()),
                FileEntry(name: "", mediaType: "", size: -1, sha256: "not a digest 文"),
                FileEntry(name: "c", mediaType: "audio/mp4", size: 300, sha256: String(hex.dropLast())),
            ]),
            // The content at its largest against the stored bytes (4 stored bytes a file, 15 in the content).
            ("", "", Array(repeating: FileEntry(name: "", mediaType: "", size: -1, sha256: ""), count: 50)),
        ]
    }()

    private static func stored<T: FieldRecord>(_ value: T) -> [UInt8] {
        var w = ByteWriter()
        value.write(to: &w)
        return w.bytes
    }

    /// Decodes `bytes` both ways: the type's own `read` and the field visitor's.
    private static func bothWays<T: FieldRecord>(_ type: T.Type, _ bytes: [UInt8], version: UInt8)
        -> (Result<T, StoredDecodeError>, Result<T, StoredDecodeError>) {
        bytes.withUnsafeBytes { raw in
            var a = ByteReader(raw), b = ByteReader(raw)
            let own = Result { () throws(StoredDecodeError) -> T in
                let v = try T.read(from: &a, version: version)
                guard a.remaining == 0 else { throw StoredDecodeError(offset: a.offset, message: "left over") }
                return v
            }
            let visited = Result { () throws(StoredDecodeError) -> T in
                let v = try T.readVisiting(from: &b, version: version)
                guard b.remaining == 0 else { throw StoredDecodeError(offset: b.offset, message: "left over") }
                return v
            }
            return (own, visited)
        }
    }

    @Test func uploadContentReadFromStoredBytesIsTheFieldsContent() throws {
        for (title, description, files) in Self.uploadSamples {
            let course = CourseOutcomeUploaded(itemId: "S1-C1", term: Term(113, 2), courseId: "1132-101-ENG",
                                               title: title, description: description, files: files)
            let performance = PerformanceUploaded(itemId: nil, year: AcademicYear(113), category: .competition, title: title,
                                                  description: description, startedOn: LocalDate(days: 19_000), endedOn: nil, files: files)
            let (c1, c2) = Self.bothWays(CourseOutcomeUploaded.self, Self.stored(course), version: 2)
            #expect(try c1.get() == course)
            #expect(try c2.get() == course)
            #expect(try c1.get().content == ItemContent(title: title, description: description, files: files))
            let (p1, p2) = Self.bothWays(PerformanceUploaded.self, Self.stored(performance), version: 1)
            #expect(try p1.get() == performance)
            #expect(try p2.get() == performance)
            #expect(try p1.get().files == files)

            // Schema version 1 of a course outcome had no description: it reads as empty.
            var w = ByteWriter()
            course.itemId.write(to: &w); course.term.write(to: &w); course.courseId.write(to: &w)
            course.title.write(to: &w); course.files.write(to: &w)
            let (v1, v1Visited) = Self.bothWays(CourseOutcomeUploaded.self, w.bytes, version: 1)
            #expect(try v1.get().description == "")
            #expect(try v1.get() == v1Visited.get())
        }
    }

    @Test func uploadContentReadRefusesWhatTheFieldsRefuse() {
        // Every byte of stored uploads replaced by values that break lengths, UTF-8, digests and
        // flags: both ways of reading give the same value or the same error (offset and message).
        for (title, description, files) in Self.uploadSamples.dropFirst() {
            let course = Self.stored(CourseOutcomeUploaded(itemId: "S1-C1", term: Term(113, 2), courseId: "C", title: title,
                                                           description: description, files: files))
            let performance = Self.stored(PerformanceUploaded(itemId: "S1-P1", year: AcademicYear(113), title: title,
                                                              description: description, files: files))
            // (type, schema version): a course outcome's version 1 reads the same bytes without a description.
            for (bytes, kind) in [(course, 2), (course, 1), (performance, 0)] {
                func same(_ bytes: [UInt8]) -> Bool {
                    switch kind {
                    case 2, 1:
                        let (a, b) = Self.bothWays(CourseOutcomeUploaded.self, bytes, version: UInt8(kind))
                        return a == b
                    default:
                        let (a, b) = Self.bothWays(PerformanceUploaded.self, bytes, version: 1)
                        return a == b
                    }
                }
                for i in bytes.indices {
                    for v: UInt8 in [0x00, 0x41, 0x80, 0xC0, 0xE5, 0xFF] where bytes[i] != v {
                        var bad = bytes
                        bad[i] = v
                        #expect(same(bad), "\(kind): byte \(i) = \(v)")
                    }
                }
                // Cut at every length.
                for n in 0..<bytes.count { #expect(same(Array(bytes[..<n])), "\(kind): cut at \(n)") }
            }
        }
    }

    /// The plain reading of 64 lowercase hex digits, one at a time.
    private static func plainHexWords(_ text: [UInt8]) -> [UInt64]? {
        guard text.count == 64 else { return nil }
        var words: [UInt64] = []
        for k in 0..<4 {
            var v: UInt64 = 0
            for c in text[k * 16..<k * 16 + 16] {
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): v = v << 4 | UInt64(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): v = v << 4 | UInt64(c - UInt8(ascii: "a") + 10)
                default: return nil
                }
            }
            words.append(v)
        }
        return words
    }

    @Test func digestWordsAreThePlainReadingOfTheHexDigits() {
        let hex = Array("0123456789abcdeffedcba98765432100f1e2d3c4b5a69788796a5b4c3d2e1f0".utf8)
        var cases: [[UInt8]] = [hex, Array(repeating: UInt8(ascii: "0"), count: 64), Array(repeating: UInt8(ascii: "f"), count: 64),
                                Array(hex.dropLast()), hex + [UInt8(ascii: "0")], []]
        // Every byte value at every position of a valid digest.
        for i in stride(from: 0, to: 64, by: 7) {
            for v in 0...255 {
                var t = hex
                t[i] = UInt8(v)
                cases.append(t)
            }
        }
        // Random digests, and random bytes near the digits' ranges.
        var g = SystemRandomNumberGenerator()
        let near = Array(UInt8(ascii: "/")...UInt8(ascii: ":")) + Array(UInt8(ascii: "`")...UInt8(ascii: "g")) + [0x00, 0x7F, 0x80, 0xB0, 0xE1, 0xFF]
        for _ in 0..<2000 { cases.append((0..<64).map { _ in hex.randomElement(using: &g)! }) }
        for _ in 0..<2000 { cases.append((0..<64).map { _ in near.randomElement(using: &g)! }) }
        for t in cases {
            let fast = t.withUnsafeBytes { FileDigest.words(hex: $0) }.map { [$0.0, $0.1, $0.2, $0.3] }
            #expect(fast == Self.plainHexWords(t), "\(String(decoding: t, as: UTF8.self))")
        }
    }
}
