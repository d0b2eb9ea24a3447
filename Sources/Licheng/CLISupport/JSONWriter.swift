/// Deterministic JSON text: members in the order given, integers without `.0`, control
/// characters escaped, output always valid UTF-8.
public struct JSONWriter: Sendable {
    /// Two-space indentation and one member per line, instead of one compact line.
    public var pretty: Bool
    /// Escape every non-ASCII character as `\uXXXX` (surrogate pairs beyond the BMP).
    public var asciiOnly: Bool

    public init(pretty: Bool = false, asciiOnly: Bool = false) {
        self.pretty = pretty
        self.asciiOnly = asciiOnly
    }

    /// One document, without a trailing newline.
    public func string(_ value: JSONValue) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        write(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// JSON Lines: one compact document per line, each ending in `\n`.
    public static func jsonLines(_ values: some Sequence<JSONValue>) -> String {
        let writer = JSONWriter()
        var bytes: [UInt8] = []
        for value in values {
            writer.write(value, to: &bytes)
            bytes.append(UInt8(ascii: "\n"))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public func write(_ value: JSONValue, to output: inout [UInt8]) {
        write(value, to: &output, depth: 0)
    }

    private func write(_ value: JSONValue, to out: inout [UInt8], depth: Int) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .integer(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d): writeDouble(d, to: &out)
        case .string(let s): writeString(s, to: &out)
        case .array(let elements):
            if elements.isEmpty { out.append(contentsOf: "[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                newline(&out, depth: depth + 1)
                write(element, to: &out, depth: depth + 1)
            }
            newline(&out, depth: depth)
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            if object.members.isEmpty { out.append(contentsOf: "{}".utf8); return }
            out.append(UInt8(ascii: "{"))
            for (index, member) in object.members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                newline(&out, depth: depth + 1)
                writeString(member.key, to: &out)
                out.append(UInt8(ascii: ":"))
                if pretty { out.append(UInt8(ascii: " ")) }
                write(member.value, to: &out, depth: depth + 1)
            }
            newline(&out, depth: depth)
            out.append(UInt8(ascii: "}"))
        }
    }

    private func newline(_ out: inout [UInt8], depth: Int) {
        guard pretty else { return }
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: depth * 2))
    }

    /// Shortest round-tripping form; integral values keep `.0` so they read back as doubles.
    /// JSON has no NaN or infinity: those are written as `null`.
    private func writeDouble(_ d: Double, to out: inout [UInt8]) {
        guard d.isFinite else { out.append(contentsOf: "null".utf8); return }
        out.append(contentsOf: d.description.utf8)  // "1.5", "1e-07", "1.0", "-0.0"
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        if !asciiOnly {
            var s = s
            s.withUTF8 { utf8 in
                var runStart = 0
                for (index, byte) in utf8.enumerated() where byte < 0x20 || byte == 0x22 || byte == 0x5C {
                    out.append(contentsOf: utf8[runStart..<index])
                    writeEscape(UInt16(byte), to: &out)
                    runStart = index + 1
                }
                out.append(contentsOf: utf8[runStart...])
            }
        } else {
            for unit in s.utf16 {
                if unit < 0x20 || unit == 0x22 || unit == 0x5C || unit >= 0x7F {
                    writeEscape(unit, to: &out)
                } else {
                    out.append(UInt8(unit))
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private func writeEscape(_ unit: UInt16, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\\"))
        switch unit {
        case 0x22: out.append(UInt8(ascii: "\""))
        case 0x5C: out.append(UInt8(ascii: "\\"))
        case 0x0A: out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        case 0x08: out.append(UInt8(ascii: "b"))
        case 0x0C: out.append(UInt8(ascii: "f"))
        default:
            out.append(UInt8(ascii: "u"))
            for shift in stride(from: 12, through: 0, by: -4) {
                out.append(Self.hexDigits[Int((unit >> UInt16(shift)) & 0xF)])
            }
        }
    }
}

extension JSONValue {
    /// Compact JSON text.
    public var jsonText: String { JSONWriter().string(self) }
}
