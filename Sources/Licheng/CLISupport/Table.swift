/// A table for people: columns aligned by terminal display width, so CJK text lines up.
///
///     var table = Table(columns: [.init("學號 Student"), .init("分數 Score", alignment: .right)])
///     table.addRow(["S001", "93"])
///     console.writeOutput(table.render())
public struct Table: Sendable {
    public enum Alignment: Sendable { case left, right }

    public struct Column: Sendable {
        public var header: String
        public var alignment: Alignment
        public init(_ header: String, alignment: Alignment = .left) {
            self.header = header
            self.alignment = alignment
        }
    }

    public var columns: [Column]
    public private(set) var rows: [[String]] = []
    /// Spaces between columns.
    public var gap = 2
    /// Draw a line of `─` under the header.
    public var headerRule = true

    public init(columns: [Column]) {
        self.columns = columns
    }

    /// Adds a row; missing cells are blank, extra cells are dropped.
    public mutating func addRow(_ cells: [String]) {
        var row = cells.prefix(columns.count).map(sanitizedCell)
        while row.count < columns.count { row.append("") }
        rows.append(row)
    }

    /// The table as lines ending in newlines, without trailing spaces.
    public func render() -> String {
        let headers = columns.map { sanitizedCell($0.header) }
        var widths = headers.map { DisplayWidth.of($0) }
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], DisplayWidth.of(cell)) }
        }
        var output = renderLine(headers, widths: widths)
        if headerRule {
            let ruleWidth = widths.reduce(0, +) + gap * max(0, widths.count - 1)
            output += String(repeating: "─", count: ruleWidth) + "\n"
        }
        for row in rows { output += renderLine(row, widths: widths) }
        return output
    }

    private func renderLine(_ cells: [String], widths: [Int]) -> String {
        var line = ""
        for (index, cell) in cells.enumerated() {
            if index > 0 { line += String(repeating: " ", count: gap) }
            line += DisplayWidth.pad(cell, to: widths[index], alignRight: columns[index].alignment == .right)
        }
        while line.hasSuffix(" ") { line.removeLast() }
        return line + "\n"
    }
}

/// A block of labelled values, labels aligned by display width:
///
///     學號 Student    S001
///     姓名 Name       王小明
public struct KeyValueBlock: Sendable {
    public private(set) var entries: [(key: String, value: String)] = []
    public var gap = 2

    public init(_ entries: [(String, String)] = []) {
        for (key, value) in entries { add(key, value) }
    }

    public mutating func add(_ key: String, _ value: String) {
        entries.append((sanitizedCell(key), value))
    }

    /// Multi-line values continue under the first value line.
    public func render() -> String {
        let labelWidth = entries.map { DisplayWidth.of($0.key) }.max() ?? 0
        let indent = String(repeating: " ", count: labelWidth + gap)
        var output = ""
        for (key, value) in entries {
            let valueLines = value.split(separator: "\n", omittingEmptySubsequences: false).map {
                sanitizedCell(String($0))
            }
            var line = DisplayWidth.pad(key, to: labelWidth) + String(repeating: " ", count: gap)
                + valueLines.joined(separator: "\n" + indent)
            while line.hasSuffix(" ") { line.removeLast() }
            output += line + "\n"
        }
        return output
    }
}

/// Control characters in data (tabs, newlines, terminal escapes) would break alignment or the
/// terminal: tabs and line breaks become spaces, other controls U+FFFD.
func sanitizedCell(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: isControl) else { return text }
    var result = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
        if !isControl(scalar) {
            result.append(scalar)
        } else if scalar == "\t" || scalar == "\n" || scalar == "\r" {
            result.append(" ")
        } else {
            result.append("\u{FFFD}")
        }
    }
    return String(result)
}

private func isControl(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value < 0x20 || (0x7F..<0xA0).contains(scalar.value)
}
