/// CSV input for bulk imports (RFC 4180, as Excel and the school's administrative system
/// write it): quoted fields with doubled quotes, commas and line breaks inside quotes, CRLF or LF
/// line ends, UTF-8 with or without a byte order mark. The first non-blank row names the columns;
/// names match case-insensitively after trimming spaces.

/// A problem in a CSV file, naming the line (1-based, where the record starts) and, when known,
/// the column: `line 37, column "score": not a number`.
public struct CSVError: Error, Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: String?
    public var reason: String

    public init(line: Int, column: String? = nil, reason: String) {
        self.line = line
        self.column = column
        self.reason = reason
    }

    public var description: String {
        if let column { return "line \(line), column \"\(column)\": \(reason)" }
        return "line \(line): \(reason)"
    }
}

/// Column names of a CSV file and their positions.
public final class CSVHeader: Sendable {
    /// Names as written, trimmed.
    public let names: [String]
    private let positions: [String: Int]

    init(names: [String]) {
        self.names = names
        var positions: [String: Int] = [:]
        for (index, name) in names.enumerated() where !name.isEmpty {
            positions[name.lowercased()] = index
        }
        self.positions = positions
    }

    /// The position of `column`, matched case-insensitively after trimming.
    public func index(of column: String) -> Int? {
        positions[csvTrimmed(column).lowercased()]
    }

    public func contains(_ column: String) -> Bool { index(of: column) != nil }
}

/// One data row.
public struct CSVRecord: Sendable {
    /// The line on which the record starts (the header is usually line 1).
    public let line: Int
    public let fields: [String]
    public let header: CSVHeader

    /// The field in `column`, as written (not trimmed); nil when the file has no such column.
    public subscript(column: String) -> String? {
        guard let index = header.index(of: column) else { return nil }
        return index < fields.count ? fields[index] : ""
    }

    /// The trimmed field in `column`; an error naming line and column when it is missing or blank.
    public func required(_ column: String) throws(CSVError) -> String {
        guard let raw = self[column] else { throw CSVError(line: line, reason: "no column \"\(column)\"") }
        let value = csvTrimmed(raw)
        if value.isEmpty { throw error(column, "is empty") }
        return value
    }

    /// The trimmed field in `column`, or nil when the column is absent or the field blank.
    public func optional(_ column: String) -> String? {
        guard let raw = self[column] else { return nil }
        let value = csvTrimmed(raw)
        return value.isEmpty ? nil : value
    }

    /// An error about this record's `column`, for checks done by the caller:
    /// `throw record.error("score", "not a number: \"abc\"")`.
    public func error(_ column: String, _ reason: String) -> CSVError {
        let name = header.index(of: column).map { header.names[$0] } ?? column
        return CSVError(line: line, column: name, reason: reason)
    }
}

/// A parsed CSV file: its header and data records.
public struct CSVDocument: Sendable {
    public let header: CSVHeader
    public let records: [CSVRecord]
}

public enum CSVReader {
    /// Parses a whole file. Every data row must have as many fields as the header (extra empty
    /// fields, as spreadsheets sometimes add, are ignored); blank lines are skipped.
    /// `requiredColumns` must all be present in the header.
    public static func parse(
        _ bytes: [UInt8], requiredColumns: [String] = [], delimiter: UInt8 = UInt8(ascii: ",")
    ) throws(CSVError) -> CSVDocument {
        var header: CSVHeader?
        var headerLine = 1
        var records: [CSVRecord] = []
        try forEachRow(bytes, delimiter: delimiter, columnName: { index in
            header.flatMap { index < $0.names.count ? $0.names[index] : nil }
        }) { (line, fields) throws(CSVError) in
            guard let currentHeader = header else {
                let names = fields.map(csvTrimmed)
                var seen: Set<String> = []
                for name in names where !name.isEmpty && !seen.insert(name.lowercased()).inserted {
                    throw CSVError(line: line, reason: "column \"\(name)\" appears more than once in the header")
                }
                let newHeader = CSVHeader(names: names)
                for column in requiredColumns where !newHeader.contains(column) {
                    throw CSVError(line: line, reason: "the header has no column \"\(column)\"")
                }
                header = newHeader
                headerLine = line
                return
            }
            var fields = fields
            let expected = currentHeader.names.count
            if fields.count > expected && fields[expected...].allSatisfy(\.isEmpty) {
                fields.removeLast(fields.count - expected)
            }
            if fields.count != expected {
                throw CSVError(line: line, reason: "expected \(expected) fields as in the header, found \(fields.count)")
            }
            records.append(CSVRecord(line: line, fields: fields, header: currentHeader))
        }
        guard let header else { throw CSVError(line: headerLine, reason: "the file is empty; expected a header row") }
        return CSVDocument(header: header, records: records)
    }

    /// Calls `body` with each non-blank row's starting line and fields, without header handling.
    /// `columnName` names a field position in invalid-UTF-8 errors.
    public static func forEachRow(
        _ bytes: [UInt8], delimiter: UInt8 = UInt8(ascii: ","),
        columnName: (Int) -> String? = { _ in nil },
        _ body: (_ line: Int, _ fields: [String]) throws(CSVError) -> Void
    ) throws(CSVError) {
        try withUnsafeRawBytes(of: bytes) { (buffer) throws(CSVError) in
            var scanner = CSVScanner(bytes: buffer, delimiter: delimiter)
            while let (line, fields) = try scanner.nextRow(columnName: columnName) {
                try body(line, fields)
            }
        }
    }
}

private struct CSVScanner {
    let bytes: UnsafeRawBufferPointer
    let delimiter: UInt8
    var position = 0
    var line = 1
    var scratch: [UInt8] = []

    static let quote = UInt8(ascii: "\"")
    static let lineFeed = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")

    init(bytes: UnsafeRawBufferPointer, delimiter: UInt8) {
        self.bytes = bytes
        self.delimiter = delimiter
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { position = 3 }
    }

    /// The next non-blank row, or nil at the end of input.
    mutating func nextRow(columnName: (Int) -> String?) throws(CSVError) -> (Int, [String])? {
        while position < bytes.count {
            let rowLine = line
            // A blank line (only a line end) is skipped.
            if let length = lineEndLength(at: position) {
                position += length
                line += 1
                continue
            }
            var fields: [String] = []
            while true {
                let fieldIndex = fields.count
                let field: String
                if position < bytes.count && bytes[position] == Self.quote {
                    field = try quotedField(rowLine: rowLine, columnName: columnName(fieldIndex))
                } else {
                    field = try plainField(rowLine: rowLine, columnName: columnName(fieldIndex))
                }
                fields.append(field)
                if position >= bytes.count { return (rowLine, fields) }
                if bytes[position] == delimiter {
                    position += 1
                    continue
                }
                let length = lineEndLength(at: position)!  // the field scanners stop only here
                position += length
                line += 1
                return (rowLine, fields)
            }
        }
        return nil
    }

    func lineEndLength(at offset: Int) -> Int? {
        guard offset < bytes.count else { return nil }
        if bytes[offset] == Self.lineFeed { return 1 }
        if bytes[offset] == Self.carriageReturn {
            return offset + 1 < bytes.count && bytes[offset + 1] == Self.lineFeed ? 2 : 1
        }
        return nil
    }

    mutating func plainField(rowLine: Int, columnName: String?) throws(CSVError) -> String {
        let start = position
        var asciiOnly = true
        while position < bytes.count {
            let byte = bytes[position]
            if byte == delimiter || byte == Self.lineFeed || byte == Self.carriageReturn { break }
            if byte == Self.quote {
                throw CSVError(line: line, column: columnName,
                               reason: "a quote inside an unquoted field; put the whole field in quotes and double the quote")
            }
            if byte >= 0x80 { asciiOnly = false }
            position += 1
        }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<position])
        return try makeString(slice, asciiOnly: asciiOnly, line: rowLine, columnName: columnName)
    }

    mutating func quotedField(rowLine: Int, columnName: String?) throws(CSVError) -> String {
        let openLine = line
        position += 1  // opening quote
        scratch.removeAll(keepingCapacity: true)
        var asciiOnly = true
        while true {
            guard position < bytes.count else {
                throw CSVError(line: openLine, column: columnName,
                               reason: "a quoted field is not closed before the end of the file")
            }
            let byte = bytes[position]
            position += 1
            if byte == Self.quote {
                if position < bytes.count && bytes[position] == Self.quote {
                    scratch.append(Self.quote)
                    position += 1
                    continue
                }
                break
            }
            if byte == Self.lineFeed { line += 1 }
            if byte >= 0x80 { asciiOnly = false }
            scratch.append(byte)
        }
        if position < bytes.count && bytes[position] != delimiter && lineEndLength(at: position) == nil {
            throw CSVError(line: line, column: columnName,
                           reason: "unexpected text after a closing quote; double a quote inside quotes (\"\")")
        }
        let fieldBytes = scratch
        return try fieldBytes.withUnsafeBytes { raw in
            Result { () throws(CSVError) -> String in
                try makeString(raw, asciiOnly: asciiOnly, line: rowLine, columnName: columnName)
            }
        }.get()
    }

    func makeString(
        _ raw: UnsafeRawBufferPointer, asciiOnly: Bool, line: Int, columnName: String?
    ) throws(CSVError) -> String {
        if asciiOnly { return String(decoding: raw, as: UTF8.self) }
        guard let text = String(exactUTF8: raw) else {
            throw CSVError(line: line, column: columnName,
                           reason: "the text is not valid UTF-8; save the file as \"CSV UTF-8\" (Big5 is not accepted)")
        }
        return text
    }
}

/// Trims spaces, tabs and ideographic spaces (U+3000) at both ends.
func csvTrimmed(_ text: String) -> String {
    guard let first = text.firstIndex(where: { !$0.isWhitespace }) else { return "" }
    let last = text.lastIndex(where: { !$0.isWhitespace })!
    return String(text[first...last])
}

/// `Array.withUnsafeBytes` with a typed error (the standard library's version only rethrows).
func withUnsafeRawBytes<Result, Failure: Error>(
    of bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
) throws(Failure) -> Result {
    let outcome: Swift.Result<Result, Failure> = bytes.withUnsafeBytes { buffer in
        Swift.Result { () throws(Failure) -> Result in try body(buffer) }
    }
    return try outcome.get()
}
