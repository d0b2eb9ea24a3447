import Testing
@testable import Licheng

@Suite struct TableTests {
    @Test func cjkColumnsAlignByDisplayWidth() {
        var table = Table(columns: [
            .init("學號 Student"), .init("姓名 Name"), .init("課程學習成果 Course outcomes", alignment: .right),
        ])
        table.addRow(["S001", "王小明", "3"])
        table.addRow(["S0002", "Ａｌｉｃｅ", "12"])
        table.addRow(["S3", "José", "0"])
        #expect(table.render() == """
            學號 Student  姓名 Name   課程學習成果 Course outcomes
            ──────────────────────────────────────────────────────
            S001          王小明                                 3
            S0002         Ａｌｉｃｅ                            12
            S3            José                                   0

            """)
    }

    @Test(arguments: [
        ("abc", 3), ("王小明", 6), ("Ａ", 2), ("é", 1), ("e\u{301}", 1), ("한국", 4),
        ("ｶﾀｶﾅ", 4), ("👍", 2), ("\u{200B}", 0), ("。", 2), ("𠀀", 2),
    ])
    func displayWidth(text: String, width: Int) {
        #expect(DisplayWidth.of(text) == width)
    }

    @Test func controlCharactersInCellsCannotBreakTheTable() {
        var table = Table(columns: [.init("A"), .init("B")])
        table.headerRule = false
        table.addRow(["x\ny", "\u{1B}[31mred"])
        #expect(table.render() == "A    B\nx y  \u{FFFD}[31mred\n")
    }

    @Test func shortRowsArePaddedAndRightAlignedColumnsStayAligned() {
        var table = Table(columns: [.init("k"), .init("n", alignment: .right)])
        table.headerRule = false
        table.addRow(["a"])
        table.addRow(["bb", "100"])
        #expect(table.render() == "k     n\na\nbb  100\n")
    }

    @Test func keyValueBlockAlignsLabels() {
        var block = KeyValueBlock()
        block.add("學號 Student", "S001")
        block.add("姓名 Name", "王小明")
        block.add("Note", "line one\nline two")
        #expect(block.render() == """
            學號 Student  S001
            姓名 Name     王小明
            Note          line one
                          line two

            """)
    }
}
