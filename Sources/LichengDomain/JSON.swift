// A small JSON value with ordered objects, a strict parser and a stable serializer.
// JSON is only used at the edges (input documents, --json output), never on replay paths.

/// A JSON object that keeps its keys in insertion order (so output is stable).
public struct JSONObject: Equatable, Sendable {
    public private(set) var keys: [String] = []
    public private(set) var values: [String: JSONValue] = [:]

    public init() {}

    public init(_ pairs: KeyValuePairs<String, JSONValue>) {
        for (k, v) in pairs { self[k] = v }
    }

    public subscript(key: String) -> JSONValue? {
        get { values[key] }
        set {
            if let newValue {
                if values.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if values.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    public var count: Int { keys.count }
}

public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var intValue: Int64? { if case .int(let i) = self { return i }; return nil }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var objectValue: JSONObject? { if case .object(let o) = self { return o }; return nil }

    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    // MARK: serialize

    /// Compact JSON text; object keys in their stored order.
    public func serialized() -> String {
        var out = ""
        write(to: &out)
        return out
    }

    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            if d.isFinite, abs(d) < 1e15, Double(Int64(d)) == d { out += String(Int64(d)) } else if d.isFinite { out += "\(d)" } else { out += "null" }
        case .string(let s): JSONValue.writeString(s, to: &out)
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() { if i > 0 { out += "," }; v.write(to: &out) }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, k) in o.keys.enumerated() {
                if i > 0 { out += "," }
                JSONValue.writeString(k, to: &out)
                out += ":"
                o.values[k]!.write(to: &out)
            }
            out += "}"
        }
    }

    static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }

    // MARK: parse

    /// Parses one JSON document (strict RFC 8259; duplicate keys, invalid UTF-8, trailing data
    /// and nesting deeper than 64 are refused). Errors name the byte offset and the line.
    public static func parse(_ text: String, line: Int? = nil) throws(InputError) -> JSONValue {
        try parse(bytes: Array(text.utf8), line: line)
    }

    public static func parse(bytes: some Collection<UInt8>, line: Int? = nil) throws(InputError) -> JSONValue {
        var p = JSONParser(bytes: Array(bytes), line: line)
        p.skipWS()
        let v = try p.value(depth: 0)
        p.skipWS()
        guard p.i == p.b.count else { throw p.error("unexpected data after the JSON document") }
        return v
    }
}

struct JSONParser {
    let b: [UInt8]
    let line: Int?
    var i = 0

    init(bytes: [UInt8], line: Int?) { b = bytes; self.line = line }

    func error(_ msg: String) -> InputError { InputError(line: line, field: nil, offset: i, message: msg) }

    mutating func skipWS() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    mutating func value(depth: Int) throws(InputError) -> JSONValue {
        guard depth < 64 else { throw error("JSON nested too deeply") }
        guard i < b.count else { throw error("unexpected end of JSON") }
        switch b[i] {
        case 0x7B: // {
            i += 1
            var o = JSONObject()
            skipWS()
            if i < b.count, b[i] == 0x7D { i += 1; return .object(o) }
            while true {
                skipWS()
                guard i < b.count, b[i] == 0x22 else { throw error("expected a string key") }
                let k = try string()
                if o[k] != nil { throw error("duplicate key \"\(k)\"") }
                skipWS()
                guard i < b.count, b[i] == 0x3A else { throw error("expected ':'") }
                i += 1
                skipWS()
                o[k] = try value(depth: depth + 1)
                skipWS()
                guard i < b.count else { throw error("unexpected end of JSON in an object") }
                if b[i] == 0x2C { i += 1; continue }
                if b[i] == 0x7D { i += 1; return .object(o) }
                throw error("expected ',' or '}'")
            }
        case 0x5B: // [
            i += 1
            var a: [JSONValue] = []
            skipWS()
            if i < b.count, b[i] == 0x5D { i += 1; return .array(a) }
            while true {
                skipWS()
                a.append(try value(depth: depth + 1))
                skipWS()
                guard i < b.count else { throw error("unexpected end of JSON in an array") }
                if b[i] == 0x2C { i += 1; continue }
                if b[i] == 0x5D { i += 1; return .array(a) }
                throw error("expected ',' or ']'")
            }
        case 0x22: return .string(try string())
        case 0x74: try literal("true"); return .bool(true)
        case 0x66: try literal("false"); return .bool(false)
        case 0x6E: try literal("null"); return .null
        default: return try number()
        }
    }

    mutating func literal(_ s: String) throws(InputError) {
        for c in s.utf8 {
            guard i < b.count, b[i] == c else { throw error("invalid literal") }
            i += 1
        }
    }

    mutating func number() throws(InputError) -> JSONValue {
        let start = i
        if i < b.count, b[i] == 0x2D { i += 1 }
        var intDigits = 0
        while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1; intDigits += 1 }
        guard intDigits > 0 else { i = start; throw error("invalid value") }
        if intDigits > 1, b[start + (b[start] == 0x2D ? 1 : 0)] == 48 { throw error("leading zero in a number") }
        var isInt = true
        if i < b.count, b[i] == 0x2E {
            isInt = false; i += 1
            var n = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1; n += 1 }
            guard n > 0 else { throw error("invalid number") }
        }
        if i < b.count, b[i] == 0x65 || b[i] == 0x45 {
            isInt = false; i += 1
            if i < b.count, b[i] == 0x2B || b[i] == 0x2D { i += 1 }
            var n = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1; n += 1 }
            guard n > 0 else { throw error("invalid number") }
        }
        let text = String(decoding: b[start..<i], as: UTF8.self)
        if isInt, let v = Int64(text) { return .int(v) }
        guard let d = Double(text), d.isFinite else { throw error("number out of range") }
        return .double(d)
    }

    mutating func hex4() throws(InputError) -> UInt32 {
        guard i + 4 <= b.count else { throw error("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[i]
            let d: UInt32
            switch c {
            case 48...57: d = UInt32(c - 48)
            case 65...70: d = UInt32(c - 55)
            case 97...102: d = UInt32(c - 87)
            default: throw error("invalid \\u escape")
            }
            v = v * 16 + d; i += 1
        }
        return v
    }

    mutating func string() throws(InputError) -> String {
        i += 1 // opening quote
        var bytes: [UInt8] = []
        while true {
            guard i < b.count else { throw error("unterminated string") }
            let c = b[i]
            if c == 0x22 { i += 1; break }
            if c < 0x20 { throw error("control character in a string") }
            if c != 0x5C { bytes.append(c); i += 1; continue }
            i += 1
            guard i < b.count else { throw error("unterminated escape") }
            let e = b[i]; i += 1
            switch e {
            case 0x22: bytes.append(0x22)
            case 0x5C: bytes.append(0x5C)
            case 0x2F: bytes.append(0x2F)
            case 0x62: bytes.append(0x08)
            case 0x66: bytes.append(0x0C)
            case 0x6E: bytes.append(0x0A)
            case 0x72: bytes.append(0x0D)
            case 0x74: bytes.append(0x09)
            case 0x75:
                var u = try hex4()
                if u >= 0xD800 && u < 0xDC00 {
                    guard i + 1 < b.count, b[i] == 0x5C, b[i + 1] == 0x75 else { throw error("unpaired surrogate") }
                    i += 2
                    let lo = try hex4()
                    guard lo >= 0xDC00 && lo < 0xE000 else { throw error("unpaired surrogate") }
                    u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)
                } else if u >= 0xDC00 && u < 0xE000 { throw error("unpaired surrogate") }
                guard let scalar = Unicode.Scalar(u) else { throw error("invalid \\u escape") }
                bytes.append(contentsOf: Array(String(Character(scalar)).utf8))
            default: throw error("invalid escape")
            }
        }
        guard let s = bytes.withUnsafeBytes({ String(exactUTF8: $0) }) else { throw error("invalid UTF-8 in a string") }
        return s
    }
}

/// Bad input at the JSON edge: names the line, the field path (`data.files[1].size`) or the byte offset.
public struct InputError: Error, CustomStringConvertible, Sendable, Equatable {
    public var line: Int?
    public var field: String?
    public var offset: Int?
    public var message: String

    public init(line: Int? = nil, field: String? = nil, offset: Int? = nil, message: String) {
        self.line = line; self.field = field; self.offset = offset; self.message = message
    }

    public var description: String {
        var parts: [String] = []
        if let line { parts.append("line \(line)") }
        if let field { parts.append("field \(field)") }
        if let offset { parts.append("byte \(offset)") }
        return parts.isEmpty ? message : parts.joined(separator: ", ") + ": " + message
    }
}
