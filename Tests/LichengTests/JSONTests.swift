import Testing
@testable import Licheng

@Suite struct JSONWriterTests {
    @Test func keysKeepTheirOrderAndIntegersHaveNoFraction() {
        let value: JSONValue = ["seq": 42, "itemId": "I-7", "score": 93.5, "whole": 2.0, "ok": true, "none": nil,
                                "big": .integer(Int64.min), "list": [1, "二"], "empty": [:]]
        #expect(value.jsonText == #"{"seq":42,"itemId":"I-7","score":93.5,"whole":2.0,"ok":true,"none":null,"big":-9223372036854775808,"list":[1,"二"],"empty":{}}"#)
    }

    @Test func controlCharactersQuotesAndBackslashesAreEscaped() {
        let value: JSONValue = .string("a\"b\\c\n\r\t\u{08}\u{0C}\u{00}\u{1F}\u{7F}/é")
        #expect(value.jsonText == #""a\"b\\c\n\r\t\b\f\u0000\u001f\#u{7F}/é""#)
    }

    @Test func asciiOnlyEscapesNonBMPAsSurrogatePairs() throws {
        let writer = JSONWriter(asciiOnly: true)
        #expect(writer.string(.string("歷程😀")) == #""\u6b77\u7a0b\ud83d\ude00""#)
        // And the reader turns them back into the same string.
        #expect(try JSONReader().parse(writer.string(.string("歷程😀"))) == .string("歷程😀"))
    }

    @Test func nonFiniteDoublesBecomeNull() {
        #expect(JSONValue.array([.double(.nan), .double(.infinity)]).jsonText == "[null,null]")
    }

    @Test func prettyOutputIndentsTwoSpaces() {
        let value: JSONValue = ["a": [1, 2], "b": [:], "c": ["d": nil]]
        #expect(JSONWriter(pretty: true).string(value) == """
            {
              "a": [
                1,
                2
              ],
              "b": {},
              "c": {
                "d": null
              }
            }
            """)
    }

    @Test func jsonLinesEndEachDocumentWithNewline() {
        #expect(JSONWriter.jsonLines([["a": 1], ["a": 2]]) == "{\"a\":1}\n{\"a\":2}\n")
    }

    @Test func roundTrip() throws {
        let value: JSONValue = ["s": "學生\u{1}\"", "n": [-0.5, 1e-7, 12345678901234], "o": ["x": [true, false, nil]]]
        #expect(try JSONReader().parse(value.jsonText) == value)
        #expect(try JSONReader().parse(JSONWriter(pretty: true, asciiOnly: true).string(value)) == value)
    }
}

@Suite struct JSONReaderTests {
    func parse(_ bytes: [UInt8]) -> Result<JSONValue, JSONParseError> {
        Result { () throws(JSONParseError) -> JSONValue in try JSONReader().parse(bytes) }
    }
    func parse(_ text: String) -> Result<JSONValue, JSONParseError> { parse(Array(text.utf8)) }
    func failure(_ text: String) -> JSONParseError? {
        if case .failure(let error) = parse(text) { return error } else { return nil }
    }

    @Test(arguments: [
        ("0", JSONValue.integer(0)), ("-0", .integer(0)), ("42", .integer(42)),
        ("9223372036854775807", .integer(.max)), ("-9223372036854775808", .integer(.min)),
        ("1.5", .double(1.5)), ("-2.5e3", .double(-2500)), ("1E2", .double(100)), ("1.0", .double(1)),
        ("  true ", .bool(true)), ("null", .null), ("\"\\u00e9\\n\"", .string("é\n")),
        ("\"\\ud83d\\ude00\"", .string("😀")), ("[]", .array([])), ("{}", .object([:])),
    ])
    func acceptsValidDocuments(text: String, expected: JSONValue) throws {
        #expect(try parse(text).get() == expected)
    }

    @Test func objectsKeepMemberOrder() throws {
        let object = try #require(try parse(#"{"z":1,"a":{"m":[1,2.5,"x"]}}"#).get().objectValue)
        #expect(object.keys == ["z", "a"])
        #expect(object["a"]?["m"] == [1, 2.5, "x"])
    }

    @Test(arguments: [
        ("9223372036854775808", 1, "integer out of the 64-bit range"),
        ("-9223372036854775809", 1, "integer out of the 64-bit range"),
        ("01", 1, "invalid number: leading zero"),
        ("1.", 1, "invalid number: expected a digit after '.'"),
        ("1e", 1, "invalid number: expected a digit in the exponent"),
        ("-", 1, "invalid number"),
        ("1e999", 1, "number out of range"),
        ("+1", 1, "unexpected character '+'; expected a value"),
        (".5", 1, "unexpected character '.'; expected a value"),
        ("NaN", 1, "unexpected character 'N'; expected a value"),
    ])
    func rejectsBadNumbers(text: String, column: Int, reason: String) {
        #expect(failure(text) == JSONParseError(offset: column - 1, reason: reason))
    }

    @Test(arguments: [
        (#"{"a":1} x"#, 9, "unexpected character 'x' after the JSON value"),
        (#"{"a":1}{}"#, 8, "unexpected character '{' after the JSON value"),
        (#"{"a":1,"a":2}"#, 8, #"duplicate key "a""#),
        (#"{"a" 1}"#, 6, "unexpected character '1'; expected ':' after object key"),
        (#"{"a":1,}"#, 8, "unexpected character '}'; expected a string key"),
        (#"[1,]"#, 4, "unexpected character ']'; expected a value"),
        (#"[1 2]"#, 4, "unexpected character '2'; expected ',' or ']'"),
        (#"{a:1}"#, 2, "unexpected character 'a'; expected a string key"),
        ("[1", 3, "unexpected end of input; expected ',' or ']'"),
        ("", 1, "unexpected end of input; expected a value"),
        ("tru", 1, "invalid literal; expected 'true'"),
        ("\"abc", 1, "unterminated string"),
        ("\"a\nb\"", 3, "unescaped control character U+000A in string"),
        (#""\x""#, 2, #"invalid escape '\x' in string"#),
        (#""\u12G4""#, 2, #"invalid \u escape; expected 4 hex digits"#),
        (#""\ud800""#, 2, #"lone high surrogate \uD800 in string"#),
        (#""\udc00x""#, 2, #"lone low surrogate \uDC00 in string"#),
        (#""\ud800\u0041""#, 2, #"high surrogate \uD800 not followed by a low surrogate"#),
        ("\"\\\u{7}\"", 2, "invalid escape byte 0x07 in string"),
        (#"'a'"#, 1, "unexpected character '''; expected a value"),
    ])
    func rejectsMalformedDocuments(text: String, column: Int, reason: String) {
        #expect(failure(text) == JSONParseError(offset: column - 1, reason: reason))
    }

    @Test(arguments: [
        [0x22, 0xC3, 0x22],                    // truncated 2-byte sequence
        [0x22, 0xC0, 0xAF, 0x22],              // overlong '/'
        [0x22, 0xED, 0xA0, 0x80, 0x22],        // UTF-8-encoded surrogate
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // beyond U+10FFFF
        [0x22, 0xFF, 0x22],
        [0x22, 0x61, 0x80, 0x22],              // stray continuation byte
    ] as [[UInt8]])
    func rejectsInvalidUTF8(bytes: [UInt8]) {
        guard case .failure(let error) = parse(bytes) else { Issue.record("accepted invalid UTF-8"); return }
        #expect(error.reason == "invalid UTF-8 in string")
    }

    @Test func invalidUTF8OutsideStringsNamesTheByte() {
        guard case .failure(let error) = parse([0x5B, 0xFF, 0x5D]) else { Issue.record("accepted"); return }
        #expect(error.description == "column 2: unexpected byte 0xFF; expected a value")
    }

    @Test func byteOrderMarkIsSkipped() throws {
        #expect(try parse([0xEF, 0xBB, 0xBF] + Array("[1]".utf8)).get() == [1])
    }

    @Test func deepNestingIsRejectedNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(failure(deep) == JSONParseError(offset: 64, reason: "nesting deeper than 64 levels"))
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect((try? parse(ok).get()) != nil)
    }

    @Test func overLongStringsAreRejected() throws {
        let reader = JSONReader(maximumStringBytes: 8)
        #expect(throws: JSONParseError(offset: 1, reason: "string longer than 8 bytes")) {
            try reader.parse(#"["123456789"]"#)
        }
        #expect(throws: JSONParseError(offset: 1, reason: "string longer than 8 bytes")) {
            try reader.parse(#"["1234\n56789"]"#)
        }
        #expect(try reader.parse(#"["12345678"]"#) == ["12345678"])
    }

    @Test func manyKeysStillDetectDuplicates() {
        let members = (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        #expect(failure("{\(members),\"k3\":0}")?.reason == #"duplicate key "k3""#)
    }

    @Test func jsonLinesReportLineAndColumn() throws {
        let input = Array("{\"a\":1}\r\n\n  \r\n[2]\n{\"b\":tru}\n".utf8)
        var seen: [Int] = []
        #expect(throws: JSONLinesError(line: 5, column: 6, reason: "invalid literal; expected 'true'")) {
            try JSONReader().forEachLine(in: input) { line, _ in seen.append(line) }
        }
        #expect(seen == [1, 4])
        let values = try JSONReader().parseLines(Array("1\n2".utf8))
        #expect(values.map(\.line) == [1, 2])
        #expect(values.map(\.value) == [1, 2])
    }
}

@Suite struct JSONThroughputTests {
    @Test func hundredThousandEventLines() throws {
        var lines: [JSONValue] = []
        for index in 0..<100_000 {
            let event: JSONValue = ["type": "upload.courseOutcome", "student": .string("S\(index)"), "term": "115-1",
                          "course": "C-國語文", "title": "讀書報告「紅樓夢」", "files": ["a.pdf"],
                          "actor": .string("S\(index)"), "at": "2026-10-01T08:00:00+08:00", "size": .integer(Int64(index))]
            lines.append(event)
        }
        let bytes = Array(JSONWriter.jsonLines(lines).utf8)
        let clock = ContinuousClock()
        var count = 0
        let elapsed = try clock.measure {
            try JSONReader().forEachLine(in: bytes) { _, value in
                if value["size"] != nil { count += 1 }
            }
        }
        #expect(count == 100_000)
        #expect(elapsed < .seconds(20))
        print("JSON: 100k lines (\(bytes.count) bytes) parsed in \(elapsed)")
    }
}
