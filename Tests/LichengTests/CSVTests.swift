import Testing
@testable import Licheng

@Suite struct CSVTests {
    func parse(_ text: String, requiredColumns: [String] = []) throws(CSVError) -> CSVDocument {
        try CSVReader.parse(Array(text.utf8), requiredColumns: requiredColumns)
    }

    func parseError(_ bytes: [UInt8]) -> CSVError? {
        do {
            _ = try CSVReader.parse(bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func excelFileWithBOMAndCRLF() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("學號,姓名,Class\r\nS001,王小明,101\r\nS002,陳美玲,102\r\n".utf8)
        let document = try CSVReader.parse(bytes, requiredColumns: ["學號", "class"])
        #expect(document.header.names == ["學號", "姓名", "Class"])
        #expect(document.records.count == 2)
        #expect(document.records[0]["學號"] == "S001")
        #expect(document.records[1]["姓名"] == "陳美玲")
        #expect(document.records[1]["CLASS"] == "102")
        #expect(document.records.map(\.line) == [2, 3])
    }

    @Test func quotedFieldsWithDoubledQuotesCommasAndLineBreaks() throws {
        let text = "id,title,note\n1,\"He said \"\"hi\"\"\",\"a, b\"\n2,\"two\nlines\r\nhere\",\n3,\"\",x"
        let document = try parse(text)
        let records = document.records
        #expect(records.map(\.fields) == [
            ["1", "He said \"hi\"", "a, b"],
            ["2", "two\nlines\r\nhere", ""],
            ["3", "", "x"],
        ])
        #expect(records.map(\.line) == [2, 3, 6])
    }

    @Test func headerNamesAreTrimmedAndMatchedIgnoringCase() throws {
        let document = try parse("  Student ID , Score\u{3000}\nS1,90\n")
        #expect(document.header.names == ["Student ID", "Score"])
        #expect(document.records[0]["student id"] == "S1")
        #expect(document.records[0][" SCORE "] == "90")
        #expect(document.records[0]["missing"] == nil)
    }

    @Test func blankLinesAndTrailingEmptyFieldsAreTolerated() throws {
        let document = try parse("a,b\n\n1,2,,\r\n\r\n3,4")
        #expect(document.records.map(\.fields) == [["1", "2"], ["3", "4"]])
        #expect(document.records.map(\.line) == [3, 5])
    }

    @Test func raggedRowsNameTheLine() {
        #expect(parseError(Array("a,b,c\n1,2,3\n4,5\n".utf8))
                == CSVError(line: 3, reason: "expected 3 fields as in the header, found 2"))
        #expect(parseError(Array("a,b\n1,2,3\n".utf8))
                == CSVError(line: 2, reason: "expected 2 fields as in the header, found 3"))
    }

    @Test func invalidUTF8NamesLineAndColumn() {
        // "王" in Big5 is 0xA4 0xFD: not UTF-8.
        let bytes = Array("id,name\nS1,ok\nS2,".utf8) + [0xA4, 0xFD] + Array("\n".utf8)
        let error = parseError(bytes)
        #expect(error?.line == 3)
        #expect(error?.column == "name")
        #expect(error?.description.hasPrefix("line 3, column \"name\": the text is not valid UTF-8") == true)
        // Also inside quotes, and in the header.
        #expect(parseError(Array("id,name\n\"S\n1\",\"".utf8) + [0xFF] + Array("\"\n".utf8))?.line == 2)
        #expect(parseError([0xC3, 0x28] + Array(",b\n".utf8))?.line == 1)
    }

    @Test func malformedQuotingIsReported() {
        #expect(parseError(Array("a,b\n1,\"open\n2,3\n".utf8))
                == CSVError(line: 2, column: "b", reason: "a quoted field is not closed before the end of the file"))
        #expect(parseError(Array("a,b\n1,\"x\"y\n".utf8))
                == CSVError(line: 2, column: "b", reason: "unexpected text after a closing quote; double a quote inside quotes (\"\")"))
        #expect(parseError(Array("a,b\n1,x\"y\n".utf8))?.reason.hasPrefix("a quote inside an unquoted field") == true)
    }

    @Test func headerProblems() {
        #expect(parseError(Array("".utf8)) == CSVError(line: 1, reason: "the file is empty; expected a header row"))
        #expect(parseError(Array("a,B,b\n".utf8)) == CSVError(line: 1, reason: "column \"b\" appears more than once in the header"))
        #expect(throws: CSVError(line: 1, reason: "the header has no column \"score\"")) {
            try parse("id\nS1\n", requiredColumns: ["score"])
        }
    }

    @Test func recordHelpersNameLineAndColumn() throws {
        let record = try parse("id,Score\nS1,  \n").records[0]
        #expect(throws: CSVError(line: 2, column: "Score", reason: "is empty")) { try record.required("score") }
        #expect(record.optional("score") == nil)
        #expect(record.error("score", "not a number").description == "line 2, column \"Score\": not a number")
        #expect(throws: CSVError(line: 2, reason: "no column \"grade\"")) { try record.required("grade") }
    }

    @Test func hundredThousandRows() throws {
        var text = "學號,姓名,班級,科目,分數,備註\r\n"
        for index in 0..<100_000 {
            text += "S\(index),王小明\(index % 97),10\(index % 9),\"國語文, 必修\",\(index % 101),\"說明 \"\"\(index)\"\"\"\r\n"
        }
        let bytes = Array(text.utf8)
        let clock = ContinuousClock()
        var document: CSVDocument?
        let elapsed = try clock.measure { document = try CSVReader.parse(bytes) }
        #expect(document?.records.count == 100_000)
        #expect(document?.records.last?["備註"] == "說明 \"99999\"")
        // Well under a second in release builds; debug builds are several times slower.
        #expect(elapsed < .seconds(10))
        print("CSV: 100k rows (\(bytes.count) bytes) in \(elapsed)")
    }
}
