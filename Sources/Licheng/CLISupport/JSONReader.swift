/// A JSON syntax error: the byte offset (0-based) and column (1-based) where it was found.
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public var offset: Int
    public var reason: String
    public var column: Int { offset + 1 }

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "column \(column): \(reason)" }
}

/// A strict RFC 8259 parser over bytes. It rejects invalid UTF-8, lone surrogates in `\u`
/// escapes, duplicate object keys, trailing characters, nesting deeper than `maximumDepth` and
/// strings longer than `maximumStringBytes`. Integers that fit in 64 bits stay exact.
/// A leading UTF-8 byte order mark is skipped.
public struct JSONReader: Sendable {
    public var maximumDepth: Int
    public var maximumStringBytes: Int

    public init(maximumDepth: Int = 64, maximumStringBytes: Int = 1 << 20) {
        self.maximumDepth = maximumDepth
        self.maximumStringBytes = maximumStringBytes
    }

    public func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        try withUnsafeRawBytes(of: bytes) { (buffer) throws(JSONParseError) -> JSONValue in try parse(buffer) }
    }

    public func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    /// Parses exactly one JSON value filling `buffer` (surrounding whitespace allowed).
    public func parse(_ buffer: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONValue {
        var parser = Parser(bytes: buffer, maximumDepth: maximumDepth, maximumStringBytes: maximumStringBytes)
        if buffer.count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF {
            parser.position = 3
        }
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.position < buffer.count {
            throw parser.error("unexpected \(parser.describeByte(at: parser.position)) after the JSON value")
        }
        return value
    }
}

/// An error in a JSON Lines input: the 1-based line and the column within that line.
public struct JSONLinesError: Error, Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var reason: String

    public var description: String { "line \(line), column \(column): \(reason)" }
}

extension JSONReader {
    /// Calls `body` with each non-blank line's value and its 1-based line number. Lines end in
    /// LF or CRLF. Stops at the first malformed line.
    public func forEachLine(
        in bytes: [UInt8], _ body: (_ line: Int, _ value: JSONValue) throws(JSONLinesError) -> Void
    ) throws(JSONLinesError) {
        try withUnsafeRawBytes(of: bytes) { (buffer) throws(JSONLinesError) in
            var lineStart = 0
            var lineNumber = 1
            while lineStart < buffer.count {
                var lineEnd = lineStart
                while lineEnd < buffer.count && buffer[lineEnd] != 0x0A { lineEnd += 1 }
                let line = UnsafeRawBufferPointer(rebasing: buffer[lineStart..<lineEnd])
                if line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) {
                    let value: JSONValue
                    do throws(JSONParseError) {
                        value = try parse(line)
                    } catch {
                        throw JSONLinesError(line: lineNumber, column: error.column, reason: error.reason)
                    }
                    try body(lineNumber, value)
                }
                lineStart = lineEnd + 1
                lineNumber += 1
            }
        }
    }

    /// All values of a JSON Lines input with their line numbers.
    public func parseLines(_ bytes: [UInt8]) throws(JSONLinesError) -> [(line: Int, value: JSONValue)] {
        var values: [(line: Int, value: JSONValue)] = []
        try forEachLine(in: bytes) { line, value in values.append((line, value)) }
        return values
    }
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

private struct Parser {
    let bytes: UnsafeRawBufferPointer
    let maximumDepth: Int
    let maximumStringBytes: Int
    var position = 0
    var scratch: [UInt8] = []

    init(bytes: UnsafeRawBufferPointer, maximumDepth: Int, maximumStringBytes: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
        self.maximumStringBytes = maximumStringBytes
    }

    func error(_ reason: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(offset: offset ?? position, reason: reason)
    }

    func describeByte(at offset: Int) -> String {
        guard offset < bytes.count else { return "end of input" }
        let byte = bytes[offset]
        if byte >= 0x21 && byte < 0x7F { return "character '\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard position < bytes.count else { throw error("unexpected end of input; expected a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("unexpected \(describeByte(at: position)); expected a value")
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let start = position
        for expected in UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount) {
            guard position < bytes.count, bytes[position] == expected else {
                throw error("invalid literal; expected '\(literal)'", at: start)
            }
            position += 1
        }
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maximumDepth else { throw error("nesting deeper than \(maximumDepth) levels") }
        position += 1  // {
        var members: [(key: String, value: JSONValue)] = []
        var seenKeys: Set<String>? = nil
        skipWhitespace()
        if position < bytes.count && bytes[position] == UInt8(ascii: "}") {
            position += 1
            return .object(JSONObject(members))
        }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                throw error("unexpected \(describeByte(at: position)); expected a string key")
            }
            let keyOffset = position
            let key = try parseString()
            // Linear search for small objects; a set once they grow.
            let isDuplicate: Bool
            if var keys = seenKeys {
                isDuplicate = !keys.insert(key).inserted
                seenKeys = keys
            } else {
                isDuplicate = members.contains { $0.key == key }
                if members.count >= 16 { seenKeys = Set(members.map(\.key) + [key]) }
            }
            if isDuplicate { throw error("duplicate key \"\(key)\"", at: keyOffset) }
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
                throw error("unexpected \(describeByte(at: position)); expected ':' after object key")
            }
            position += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            members.append((key, value))
            skipWhitespace()
            guard position < bytes.count else { throw error("unexpected end of input; expected ',' or '}'") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(JSONObject(members)) }
            throw error("unexpected \(describeByte(at: position)); expected ',' or '}'")
        }
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maximumDepth else { throw error("nesting deeper than \(maximumDepth) levels") }
        position += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if position < bytes.count && bytes[position] == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard position < bytes.count else { throw error("unexpected end of input; expected ',' or ']'") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(elements) }
            throw error("unexpected \(describeByte(at: position)); expected ',' or ']'")
        }
    }

    // MARK: Strings

    mutating func parseString() throws(JSONParseError) -> String {
        let open = position
        position += 1
        let start = position
        // Fast path: printable ASCII without escapes.
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                try checkLength(position - start, open: open)
                let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
                position += 1
                return text
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 { break }
            position += 1
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<position]))
        while true {
            guard position < bytes.count else { throw error("unterminated string", at: open) }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                try checkLength(scratch.count, open: open)
                return String(decoding: scratch, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape()
            case 0..<0x20:
                throw error("unescaped control character U+" + String(byte, radix: 16, uppercase: true).leftPadded(to: 4) + " in string")
            case 0x80...:
                try copyMultiByteSequence()
            default:
                scratch.append(byte)
                position += 1
            }
            if scratch.count > maximumStringBytes { try checkLength(scratch.count, open: open) }
        }
    }

    func checkLength(_ length: Int, open: Int) throws(JSONParseError) {
        if length > maximumStringBytes {
            throw error("string longer than \(maximumStringBytes) bytes", at: open)
        }
    }

    /// Validates one UTF-8 sequence (RFC 3629: no overlongs, surrogates or values past U+10FFFF).
    mutating func copyMultiByteSequence() throws(JSONParseError) {
        let lead = bytes[position]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: throw error("invalid UTF-8 in string")
        }
        guard position + length <= bytes.count else { throw error("invalid UTF-8 in string") }
        guard secondRange.contains(bytes[position + 1]) else { throw error("invalid UTF-8 in string") }
        for index in 2..<length where !(0x80...0xBF).contains(bytes[position + index]) {
            throw error("invalid UTF-8 in string")
        }
        scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[position..<position + length]))
        position += length
    }

    mutating func parseEscape() throws(JSONParseError) {
        let escapeStart = position
        position += 1
        guard position < bytes.count else { throw error("unterminated string") }
        let byte = bytes[position]
        position += 1
        switch byte {
        case UInt8(ascii: "\""): scratch.append(0x22)
        case UInt8(ascii: "\\"): scratch.append(0x5C)
        case UInt8(ascii: "/"): scratch.append(0x2F)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = UInt32(try parseHex4(escapeStart: escapeStart))
            if (0xDC00...0xDFFF).contains(scalar) {
                throw error("lone low surrogate \\u" + String(scalar, radix: 16, uppercase: true) + " in string", at: escapeStart)
            }
            if (0xD800...0xDBFF).contains(scalar) {
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                      bytes[position + 1] == UInt8(ascii: "u") else {
                    throw error("lone high surrogate \\u" + String(scalar, radix: 16, uppercase: true) + " in string", at: escapeStart)
                }
                let lowStart = position
                position += 2
                let low = UInt32(try parseHex4(escapeStart: lowStart))
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw error("high surrogate \\u" + String(scalar, radix: 16, uppercase: true) + " not followed by a low surrogate", at: escapeStart)
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            appendUTF8(Unicode.Scalar(scalar)!)
        default:
            let shown = byte >= 0x21 && byte < 0x7F ? "'\\\(Character(Unicode.Scalar(byte)))'" : describeByte(at: position - 1)
            throw error("invalid escape \(shown) in string", at: escapeStart)
        }
    }

    mutating func parseHex4(escapeStart: Int) throws(JSONParseError) -> UInt16 {
        guard position + 4 <= bytes.count else { throw error("incomplete \\u escape", at: escapeStart) }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid \\u escape; expected 4 hex digits", at: escapeStart)
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }

    mutating func appendUTF8(_ scalar: Unicode.Scalar) {
        UTF8.encode(scalar) { scratch.append($0) }
    }

    // MARK: Numbers

    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = position
        let negative = bytes[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        guard position < bytes.count, isDigit(bytes[position]) else { throw error("invalid number", at: start) }
        // Accumulate negatively so Int64.min fits.
        var accumulator: Int64 = 0
        var overflow = false
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count && isDigit(bytes[position]) {
                throw error("invalid number: leading zero", at: start)
            }
        } else {
            while position < bytes.count && isDigit(bytes[position]) {
                let digit = Int64(bytes[position] - UInt8(ascii: "0"))
                let (times10, o1) = accumulator.multipliedReportingOverflow(by: 10)
                let (next, o2) = times10.subtractingReportingOverflow(digit)
                overflow = overflow || o1 || o2
                accumulator = next
                position += 1
            }
        }
        var isInteger = true
        if position < bytes.count && bytes[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else {
                throw error("invalid number: expected a digit after '.'", at: start)
            }
            while position < bytes.count && isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count && (bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E")) {
            isInteger = false
            position += 1
            if position < bytes.count && (bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-")) {
                position += 1
            }
            guard position < bytes.count, isDigit(bytes[position]) else {
                throw error("invalid number: expected a digit in the exponent", at: start)
            }
            while position < bytes.count && isDigit(bytes[position]) { position += 1 }
        }
        if isInteger {
            if !negative {
                let (positive, o) = (0 as Int64).subtractingReportingOverflow(accumulator)
                overflow = overflow || o
                accumulator = positive
            }
            if overflow { throw error("integer out of the 64-bit range", at: start) }
            return .integer(accumulator)
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw error("number out of range", at: start)
        }
        return .double(value)
    }

    func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
