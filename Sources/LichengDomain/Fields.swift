// One declaration per field drives four codecs: JSON decode (with validation), JSON encode
// (stable key order = declaration order), stored binary encode and stored binary decode.

/// What a JSON value must look like, checked when decoding input (stored bytes are trusted
/// to have been validated when they were appended, but are still bounds-checked).
public enum Constraint: Sendable {
    /// Free text of at most `max` characters (Unicode characters, not bytes).
    case text(Int)
    /// An identifier: 1–64 characters of `A–Z a–z 0–9 . _ -`.
    case id
    /// A SHA-256 digest: 64 lowercase hex digits.
    case digest
    /// An integer range.
    case range(ClosedRange<Int64>)
    case none
}

public protocol FieldValue: Sendable {
    static func fromJSON(_ j: JSONValue, path: String, line: Int?, constraint: Constraint) throws(InputError) -> Self
    func toJSON() -> JSONValue?
    func write(to w: inout ByteWriter)
    static func read(from r: inout ByteReader, version: UInt8) throws(StoredDecodeError) -> Self
    /// Reads past a stored value, refusing what `read` refuses, without making it (a text's
    /// bytes are checked as UTF-8, not made a `String`).
    static func skip(from r: inout ByteReader, version: UInt8) throws(StoredDecodeError)
    /// Optional values may be absent; they encode as nothing in JSON.
    static var isOptional: Bool { get }
}

extension FieldValue {
    public static var isOptional: Bool { false }
    public static func skip(from r: inout ByteReader, version: UInt8) throws(StoredDecodeError) { _ = try read(from: &r, version: version) }
}

public protocol FieldVisitor {
    /// The schema version being read (stored decode) or the current one (everything else).
    var version: UInt8 { get }
    /// The visitor sets the fields (a decoder); an encoder only reads them.
    static var setsFields: Bool { get }
    /// `optional: true` lets a non-Optional field (e.g. an array) be absent: it keeps its default.
    mutating func field<T: FieldValue>(_ key: String, _ value: inout T, _ c: Constraint, optional: Bool) throws
}

extension FieldVisitor {
    mutating func field<T: FieldValue>(_ key: String, _ value: inout T, _ c: Constraint = .none) throws {
        try field(key, &value, c, optional: false)
    }
}

/// A struct of fields (an event's data, a file entry, …).
public protocol FieldRecord: FieldValue, Equatable, Codable {
    /// A value with every field at its default (filled in by decoding).
    static var blank: Self { get }
    mutating func visit<V: FieldVisitor>(_ v: inout V) throws
    /// Cross-field checks after JSON decode: (field, message) of the first problem.
    func validate() -> (field: String, message: String)?
}

extension FieldRecord {
    public func validate() -> (field: String, message: String)? { nil }

    public static func fromJSON(_ j: JSONValue, path: String, line: Int?, constraint: Constraint) throws(InputError) -> Self {
        guard case .object(let o) = j else {
            throw InputError(line: line, field: path, message: "expected an object, found \(j.typeName)")
        }
        return try decodeObject(o, path: path, line: line, version: 0)
    }

    static func decodeObject(_ o: JSONObject, path: String, line: Int?, version: UInt8) throws(InputError) -> Self {
        var r = Self.blank
        var v = JSONDecodeVisitor(object: o, path: path, line: line, version: version)
        do { try r.visit(&v) } catch let e as InputError { throw e } catch {
            throw InputError(line: line, field: path, message: "\(error)")
        }
        for k in o.keys where !v.seen.contains(k) {
            throw InputError(line: line, field: path.isEmpty ? k : path + "." + k, message: "unknown field")
        }
        if let (f, m) = r.validate() {
            throw InputError(line: line, field: path.isEmpty ? f : path + "." + f, message: m)
        }
        return r
    }

    public func toJSON() -> JSONValue? { .object(jsonObject()) }

    public func jsonObject() -> JSONObject {
        var v = JSONEncodeVisitor()
        var copy = self
        try? copy.visit(&v)
        return v.object
    }

    public func write(to w: inout ByteWriter) {
        var v = BinaryEncodeVisitor(writer: w)
        // The visitor's writer holds the only reference to the bytes: its appends do not copy them.
        w.bytes = []
        var copy = self
        try? copy.visit(&v)
        w = v.writer
    }

    public static func read(from r: inout ByteReader, version: UInt8) throws(StoredDecodeError) -> Self {
        try readVisiting(from: &r, version: version)
    }

    /// Reads past the stored fields, refusing what `read` refuses, without making them (see
    /// `FieldValue.skip`): for a record copied as stored.
    static func skipStored(from r: inout ByteReader, version: UInt8) throws(StoredDecodeError) {
        var out = Self.blank
        var v = BinarySkipVisitor(reader: r, version: version)
        do { try out.visit(&v) } catch let e as StoredDecodeError { throw e } catch {
            throw StoredDecodeError(offset: v.reader.offset, message: "\(error)")
        }
        r = v.reader
    }

    /// The stored fields read through `visit` (what `read` does unless a type reads its own way).
    static func readVisiting(from r: inout ByteReader, version: UInt8) throws(StoredDecodeError) -> Self {
        var out = Self.blank
        var v = BinaryDecodeVisitor(reader: r, version: version)
        do { try out.visit(&v) } catch let e as StoredDecodeError { throw e } catch {
            throw StoredDecodeError(offset: v.reader.offset, message: "\(error)")
        }
        r = v.reader
        return out
    }
}

struct JSONDecodeVisitor: FieldVisitor {
    static var setsFields: Bool { true }
    let object: JSONObject
    let path: String
    let line: Int?
    let version: UInt8
    var seen = Set<String>()

    init(object: JSONObject, path: String, line: Int?, version: UInt8) {
        self.object = object; self.path = path; self.line = line; self.version = version
    }

    mutating func field<T: FieldValue>(_ key: String, _ value: inout T, _ c: Constraint, optional: Bool) throws {
        seen.insert(key)
        let p = path.isEmpty ? key : path + "." + key
        guard let j = object[key], j != .null else {
            if T.isOptional || optional { return }
            throw InputError(line: line, field: p, message: "missing required field")
        }
        value = try T.fromJSON(j, path: p, line: line, constraint: c)
    }
}

struct JSONEncodeVisitor: FieldVisitor {
    static var setsFields: Bool { false }
    var object = JSONObject()
    var version: UInt8 { 0 }
    mutating func field<T: FieldValue>(_ key: String, _ value: inout T, _ c: Constraint, optional: Bool) throws {
        guard let j = value.toJSON() else { return }
        if optional, case .array(let a) = j, a.isEmpty { return }
        object[key] = j
    }
}

struct BinaryEncodeVisitor: FieldVisitor {
    static var setsFields: Bool { false }
    var writer: ByteWriter
    var version: UInt8 { 0 }
    mutating func field<T: FieldValue>(_ key: String, _ value: inout T, _ c: Constraint, optional: Bool) throws {
        value.write(to: &writer)
    }
}

struct BinarySkipVisitor: FieldVisitor {
    static var setsFields: Bool { false }
    var reader: ByteReader
    let version: UInt8
    mutating func field<T: FieldValue>(_ key: String, _ value: inout T, _ c: Constraint, optional: Bool) throws {
        try T.skip(from: &reader, version: version)
    }
}

struct BinaryDecodeVisitor: FieldVisitor {
    static var setsFields: Bool { true }
    var reader: ByteReader
    let version: UInt8
    mutating func field<T: FieldValue>(_ key: String, _ value: inout T, _ c: Constraint, optional: Bool) throws {
        value = try T.read(from: &reader, version: version)
    }
}

// MARK: bytes

/// Signed integers as unsigned ones with small magnitudes small (0, -1, 1, -2 → 0, 1, 2, 3),
/// for LEB128 varints: the stored form's and the in-memory byte forms' one definition.
enum ZigZag {
    static func encode(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }
    static func decode(_ u: UInt64) -> Int64 { Int64(bitPattern: u >> 1) ^ -Int64(bitPattern: u & 1) }
}

/// Appends little-endian integers, LEB128 varints and length-prefixed UTF-8.
public struct ByteWriter: Sendable {
    public var bytes: [UInt8] = []
    public init() { bytes.reserveCapacity(64) }
    /// Continues `buffer` (left empty): appends go to its end, without a copy.
    public init(adopting buffer: inout [UInt8]) { swap(&bytes, &buffer) }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func u16(_ v: UInt16) { bytes.append(UInt8(v & 0xFF)); bytes.append(UInt8(v >> 8)) }
    /// Eight bytes, least significant first.
    public mutating func u64(_ v: UInt64) {
        for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(k)))) }
    }
    public mutating func varint(_ v0: UInt64) {
        guard v0 >= 0x80 else { return bytes.append(UInt8(v0)) }  // one byte, most varints: no loop
        var v = v0
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }
    public mutating func zigzag(_ v: Int64) { varint(ZigZag.encode(v)) }
    public mutating func string(_ s: String) {
        ID.withBytes(s) { u in varint(UInt64(u.count)); bytes.append(contentsOf: u) }
    }
}

/// Bounds-checked reads over borrowed bytes: every read throws instead of trapping.
public struct ByteReader {
    let base: UnsafeRawBufferPointer
    public private(set) var offset: Int
    /// Refuse a varint longer than its shortest form (which every writer writes): set where
    /// bytes are copied as they are stored (`StoredRecord`), so that they are exactly what
    /// their values would be written as. A decoder reads any form.
    var shortestVarintsOnly = false

    public init(_ base: UnsafeRawBufferPointer, offset: Int = 0) { self.base = base; self.offset = offset }

    public var remaining: Int { base.count - offset }

    func fail(_ m: String) -> StoredDecodeError { StoredDecodeError(offset: offset, message: m) }

    public mutating func u8() throws(StoredDecodeError) -> UInt8 {
        guard offset < base.count else { throw fail("truncated record") }
        defer { offset += 1 }
        return base[offset]
    }
    public mutating func u16() throws(StoredDecodeError) -> UInt16 {
        let lo = try u8(), hi = try u8()
        return UInt16(lo) | UInt16(hi) << 8
    }
    /// Eight bytes, least significant first.
    public mutating func u64() throws(StoredDecodeError) -> UInt64 {
        guard base.count - offset >= 8 else { throw fail("truncated record") }
        defer { offset += 8 }
        return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
    /// Most varints here (lengths, small numbers) are one byte: read in line; longer ones not.
    @inline(__always)
    public mutating func varint() throws(StoredDecodeError) -> UInt64 {
        if offset < base.count, base[offset] < 0x80 {
            offset += 1
            return UInt64(base[offset - 1])
        }
        return try longVarint()
    }
    @inline(never)
    private mutating func longVarint() throws(StoredDecodeError) -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try u8()
            guard shift < 64, !(shift == 63 && b > 1) else { throw fail("varint too long") }
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 {
                // A last byte of zero adds nothing: a longer form than the value's shortest.
                guard b != 0 || !shortestVarintsOnly else { throw fail("varint not in its shortest form") }
                return v
            }
            shift += 7
        }
    }
    public mutating func zigzag() throws(StoredDecodeError) -> Int64 {
        ZigZag.decode(try varint())
    }
    @inline(__always)
    public mutating func count(max: Int = 1 << 20) throws(StoredDecodeError) -> Int {
        let n = try varint()
        guard n <= UInt64(max), n <= UInt64(remaining) else { throw tooLong(n) }
        return Int(n)
    }
    @inline(never)
    private func tooLong(_ n: UInt64) -> StoredDecodeError { fail("length \(n) exceeds the record") }
    /// Reads a length-prefixed string's bytes without making a `String` of them: `body` gets
    /// them (not yet checked as UTF-8) and returns nil to refuse them.
    public mutating func stringBytes<R>(_ body: (UnsafeRawBufferPointer) -> R?) throws(StoredDecodeError) -> R {
        let n = try count()
        guard let r = body(UnsafeRawBufferPointer(rebasing: base[offset..<offset + n])) else { throw fail("invalid UTF-8") }
        offset += n
        return r
    }
    public mutating func string() throws(StoredDecodeError) -> String {
        let n = try count()
        guard let s = String(exactUTF8: UnsafeRawBufferPointer(rebasing: base[offset..<offset + n])) else { throw fail("invalid UTF-8") }
        offset += n
        return s
    }
}

extension String {
    /// The string whose UTF-8 is exactly `bytes`, or nil when they are not valid UTF-8.
    /// `String(decoding:)` is specialized for UTF-8 and repairs bad input; comparing its result
    /// with the bytes detects a repair. The generic `String(validating:as:)` is several times
    /// slower (it instantiates type metadata on every call).
    public init?(exactUTF8 bytes: UnsafeRawBufferPointer) {
        let n = bytes.count, ascii: Bool
        if n <= 15 {
            // An identifier: its bytes read once as two words, checked as ASCII (needing no
            // other validation) and made a small string from those words.
            let (x, y) = String.shortWords(bytes)
            ascii = (x | y) & 0x8080_8080_8080_8080 == 0
            if ascii {
                #if _pointerBitWidth(_64) && _endian(little)
                if String.smallLayoutHolds {
                    self = String.smallASCII(x, y, bytes)
                    return
                }
                #endif
                // Elsewhere (a layout this build does not know): made in place.
                self = String(unsafeUninitializedCapacity: n) { out in
                    UnsafeMutableRawBufferPointer(out).copyMemory(from: bytes)
                    return n
                }
                return
            }
        } else {
            ascii = String.allASCII(bytes)
        }
        var s = String(decoding: bytes, as: UTF8.self)
        if !ascii {
            guard s.withUTF8({ u in u.count == bytes.count && String.sameBytes(UnsafeRawBufferPointer(u), bytes) }) else { return nil }
        }
        self = s
    }

    #if _pointerBitWidth(_64) && _endian(little)
    /// The string of `bytes` (at most 15, all ASCII; `(x, y)` are their `shortWords`) made as
    /// the standard library keeps it: a small string, the bytes in order in two words, zero
    /// after them, the last byte 0xE0 | count (small, ASCII, immortal). No allocation, no
    /// initializer call: most identifiers a replay decodes are such strings.
    @inline(__always)
    static func smallASCII(_ x: UInt64, _ y: UInt64, _ bytes: UnsafeRawBufferPointer) -> String {
        // Moved out of memory holding its bits: a cast would copy it (a retain call, for a
        // string that has nothing to retain).
        withUnsafeTemporaryAllocation(byteCount: MemoryLayout<String>.size, alignment: MemoryLayout<String>.alignment) { raw in
            raw.storeBytes(of: smallASCIIBits(x, y, bytes), as: (UInt64, UInt64).self)
            return raw.bindMemory(to: String.self).baseAddress!.move()
        }
    }

    /// The two words `smallASCII` makes its string of.
    @inline(__always)
    static func smallASCIIBits(_ x: UInt64, _ y: UInt64, _ bytes: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        let n = bytes.count
        var low: UInt64 = 0, high: UInt64 = 0
        if n >= 8 {
            low = x
            if n > 8 { high = y >> (8 * UInt64(16 - n)) }
        } else if n >= 4 {
            low = x | (y >> (8 * UInt64(8 - n))) << 32
        } else {
            for i in 0..<n { low |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        }
        return (low, high | (0xE0 | UInt64(n)) << 56)
    }

    /// Whether `smallASCII` makes exactly the strings `String(decoding:)` makes, bit for bit,
    /// at every length 0–15 (checked once a process, on the words before any string is made of
    /// them; if not, strings are made the usual way).
    static let smallLayoutHolds: Bool = {
        let sample = Array("S1130001-C12345".utf8)
        return (0...15).allSatisfy { n in
            sample.withUnsafeBytes { all in
                let b = UnsafeRawBufferPointer(rebasing: all[..<n])
                let (x, y) = shortWords(b)
                return smallASCIIBits(x, y, b) == unsafeBitCast(String(decoding: b, as: UTF8.self), to: (UInt64, UInt64).self)
            }
        }
    }()
    #endif

    /// Whether `a` is well-formed UTF-8 (Unicode's table 3-7: no overlong forms, surrogates,
    /// code points above U+10FFFF or cut sequences): what `String(validating:as:)` accepts,
    /// without making a `String`. Runs of ASCII are passed eight bytes at a time.
    static func isValidUTF8(_ a: UnsafeRawBufferPointer) -> Bool {
        guard let p = a.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return true }
        let n = a.count
        var i = 0
        while i < n {
            let b0 = p[i]
            if b0 < 0x80 {
                i += 1
                while n - i >= 8, UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { i += 8 }
                continue
            }
            if b0 & 0xF0 == 0xE0 {
                // Three bytes (CJK text: the usual non-ASCII here). Runs of them are passed two at
                // a time from one word: each a lead 1110xxxx and two continuations 10xxxxxx, the
                // lead neither E0 nor ED (whose second bytes are restricted: checked below).
                let start = i
                while n - i >= 8 {
                    let w = UInt64(littleEndian: UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self))
                    guard w & 0x0000_C0C0_F0C0_C0F0 == 0x0000_8080_E080_80E0 else { break }
                    let l0 = UInt8(truncatingIfNeeded: w), l1 = UInt8(truncatingIfNeeded: w >> 24)
                    guard l0 != 0xE0, l0 != 0xED, l1 != 0xE0, l1 != 0xED else { break }
                    i += 6
                }
                if i != start { continue }
                // One sequence. The code point without its last six bits must be at least
                // U+0800's and not a surrogate's (U+D800–U+DFFF).
                guard n - i >= 3 else { return false }
                let b1 = p[i + 1], b2 = p[i + 2]
                guard b1 & 0xC0 == 0x80, b2 & 0xC0 == 0x80 else { return false }
                let high = UInt16(b0 & 0x0F) << 6 | UInt16(b1 & 0x3F)
                guard high >= 0x20, high & 0x3E0 != 0x360 else { return false }
                i += 3
                continue
            }
            // Two or four bytes: the sequence's length, and the range its second byte must be in.
            let length: Int, low: UInt8, top: UInt8
            switch b0 {
            case 0xC2...0xDF: (length, low, top) = (2, 0x80, 0xBF)
            case 0xF0: (length, low, top) = (4, 0x90, 0xBF)
            case 0xF1...0xF3: (length, low, top) = (4, 0x80, 0xBF)
            case 0xF4: (length, low, top) = (4, 0x80, 0x8F)
            default: return false
            }
            guard n - i >= length, p[i + 1] >= low, p[i + 1] <= top else { return false }
            var k = 2
            while k < length {
                guard p[i + k] & 0xC0 == 0x80 else { return false }
                k += 1
            }
            i += length
        }
        return true
    }

    /// Up to 16 bytes (an identifier) as two words, without a loop: the first and the last
    /// eight bytes (four when fewer than eight), overlapping when shorter; below four bytes the
    /// first, middle and last byte in one word's low bytes. Every byte lands whole in a byte
    /// of a word, and with the count the words fix the bytes (`ID.mix` and `allASCII` read them).
    @inlinable @inline(__always)
    static func shortWords(_ bytes: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        let n = bytes.count
        if n >= 8 { return (bytes.loadUnaligned(as: UInt64.self), bytes.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)) }
        if n >= 4 {
            return (UInt64(bytes.loadUnaligned(as: UInt32.self)), UInt64(bytes.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)))
        }
        return n > 0 ? (UInt64(bytes[0]) << 16 | UInt64(bytes[n >> 1]) << 8 | UInt64(bytes[n - 1]), 0) : (0, 0)
    }

    /// No byte has its high bit set; eight bytes at a time, up to 16 by `shortWords`.
    static func allASCII(_ a: UnsafeRawBufferPointer) -> Bool {
        if a.count <= 16 {
            let (x, y) = shortWords(a)
            return (x | y) & 0x8080_8080_8080_8080 == 0
        }
        var i = 0, high: UInt64 = 0
        while i + 8 <= a.count {
            high |= a.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < a.count { high |= UInt64(a[i]); i += 1 }
        return high & 0x8080_8080_8080_8080 == 0
    }

    /// Whether `a`'s UTF-8 comes before `b`'s in byte order (a prefix first): what
    /// `a.utf8.lexicographicallyPrecedes(b.utf8)` says, eight bytes at a time.
    static func utf8Precedes(_ a: String, _ b: String) -> Bool {
        ID.withBytes(a) { p in
            ID.withBytes(b) { q in
                let common = Swift.min(p.count, q.count)
                var i = 0
                while i + 8 <= common {
                    let u = UInt64(bigEndian: p.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                    let v = UInt64(bigEndian: q.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                    if u != v { return u < v }
                    i += 8
                }
                while i < common {
                    if p[i] != q[i] { return p[i] < q[i] }
                    i += 1
                }
                return p.count < q.count
            }
        }
    }

    /// Equal bytes (same count), compared eight at a time.
    @usableFromInline
    static func sameBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        while i + 8 <= a.count {
            if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
            i += 8
        }
        while i < a.count {
            if a[i] != b[i] { return false }
            i += 1
        }
        return true
    }

    /// The same for an array slice.
    public init?(exactUTF8 bytes: ArraySlice<UInt8>) {
        guard let s = bytes.withUnsafeBytes({ String(exactUTF8: $0) }) else { return nil }
        self = s
    }
}

/// Stored bytes that cannot be decoded (truncated, garbage, unknown type code or version).
public struct StoredDecodeError: Error, CustomStringConvertible, Sendable, Equatable {
    public var offset: Int
    public var message: String
    public init(offset: Int, message: String) { self.offset = offset; self.message = message }
    public var description: String { "stored event: \(message) at byte \(offset)" }
}

// MARK: field value conformances

extension String: FieldValue {
    public static func fromJSON(_ j: JSONValue, path: String, line: Int?, constraint: Constraint) throws(InputError) -> String {
        guard case .string(let s) = j else {
            throw InputError(line: line, field: path, message: "expected a string, found \(j.typeName)")
        }
        switch constraint {
        case .text(let max):
            if s.count > max { throw InputError(line: line, field: path, message: "too long: \(s.count) characters, at most \(max)") }
        case .id:
            guard !s.isEmpty, s.utf8.count <= 64, s.utf8.allSatisfy({ c in
                (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 0x2D || c == 0x2E || c == 0x5F
            }) else {
                throw InputError(line: line, field: path, message: "not an identifier (1–64 characters of A–Z, a–z, 0–9, '.', '_', '-'): \"\(s.prefix(80))\"")
            }
        case .digest:
            guard s.utf8.count == 64, s.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else {
                throw InputError(line: line, field: path, message: "not a SHA-256 digest (64 lowercase hex digits)")
            }
        case .none, .range:
            if s.count > 4000 { throw InputError(line: line, field: path, message: "too long: at most 4000 characters") }
        }
        return s
    }
    public func toJSON() -> JSONValue? { .string(self) }
    public func write(to w: inout ByteWriter) { w.string(self) }
    public static func read(from r: inout ByteReader, version: UInt8) throws(StoredDecodeError) -> String { try r.string() }
    public static func skip(from r: inout ByteReader, version: UInt8) throws(StoredDecodeError) {
        try r.stringBytes { String.isValidUTF8($0) ? () : nil }
    }
}

extension Int64: FieldValue {
    public static func fromJSON(_ j: JSONValue, path: String, line: Int?, constraint: Constraint) throws(InputError) -> Int64 {
        guard case .int(let v) = j else {
            throw InputError(line: line, field: path, message: "expected an integer, found \(j.typeName)")
        }
        if case .range(let r) = constraint, !r.contains(v) {
            throw InputError(line: line, field: path, message: "out of range: \(v) is not in \(r.lowerBound)…\(r.upperBound)")
        }
        return v
    }
    public func toJSON() -> JSONValue? { .int(self) }
    public func write(to w: inout ByteWriter) { w.zigzag(self) }
    public static func read(from r: inout ByteReader, version: UInt8) throws(StoredDecodeError) -> Int64 { try r.zigzag() }
}

extension Double: FieldValue {
    public static func fromJSON(_ j: JSONValue, path: String, line: Int?, constraint: Constraint) throws(InputError) -> Double {
        let d: Double
        switch j {
        case .int(let i): d = Double(i)
        case .double(let x): d = x
        default: throw InputError(line: line, field: path, message: "expected a number, found \(j.typeName)")
        }
        if case .range(let r) = constraint, d < Double(r.lowerBound) || d > Double(r.upperBound) {
            throw InputError(line: line, field: path, message: "out of range: \(d) is not in \(r.lowerBound)…\(r.upperBound)")
        }
        return d
    }
    public func toJSON() -> JSONValue? {
        if isFinite, abs(self) < 1e15, Double(Int64(self)) == self { return .int(Int64(self)) }
        return .double(self)
    }
    public func write(to w: inout ByteWriter) { w.u64(bitPattern) }
    public static func read(from r: inout ByteReader, version: UInt8) throws(StoredDecodeError) -> Double {
        Double(bitPattern: try r.u64())
    }
}

extension Bool: FieldValue {
    public static func fromJSON(_ j: JSONValue, path: String, line: Int?, constraint: Constraint) throws(InputError) -> Bool {
        guard case .bool(let b) = j else { throw InputError(line: line, field: path, message: "expected true or false, found \(j.typeName)") }
        return b
    }
    public func toJSON() -> JSONValue? { .bool(self) }
    public func write(to w: inout ByteWriter) { w.u8(self ? 1 : 0) }
    public static func read(from r: inout ByteReader, version: UInt8) throws(StoredDecodeError) -> Bool {
        switch try r.u8() { case 0: return false; case 1: return true; default: throw r.fail("invalid boolean") }
    }
}

extension LocalDate: FieldValue {
    public static func fromJSON(_ j: JSONValue, path: String, line: Int?, constraint: Constraint) throws(InputError) -> LocalDate {
        guard case .string(let s) = j, let d = LocalDate(s) else {
            throw InputError(line: line, field: path, message: "expected a date YYYY-MM-DD (years 1000–9999)")
        }
        return d
    }
    public func toJSON() -> JSONValue? { .string(description) }
    public func write(to w: inout ByteWriter) { w.zigzag(Int64(days)) }
    public static func read(from r: inout ByteReader, version: UInt8) throws(StoredDecodeError) -> LocalDate {
        let v = try r.zigzag()
        guard v >= Taipei.minDay, v <= Taipei.maxDay else { throw r.fail("date out of range") }
        return LocalDate(days: Int32(v))
    }
}

/// An RFC 3339 time (a typed wrapper so that `Timestamp` (Int64) fields stay plain integers elsewhere).
public struct Instant: Hashable, Comparable, Codable, Sendable, CustomStringConvertible, FieldValue {
    public var micros: Timestamp
    public init(_ micros: Timestamp) { self.micros = micros }
    public var description: String { Taipei.format(micros) }
    public static func < (a: Instant, b: Instant) -> Bool { a.micros < b.micros }

    public static func fromJSON(_ j: JSONValue, path: String, line: Int?, constraint: Constraint) throws(InputError) -> Instant {
        guard case .string(let s) = j, let t = Taipei.parse(s) else {
            throw InputError(line: line, field: path, message: "expected an RFC 3339 time like 2025-03-01T09:30:00+08:00 (or a date YYYY-MM-DD)")
        }
        return Instant(t)
    }
    public func toJSON() -> JSONValue? { .string(description) }
    public func write(to w: inout ByteWriter) { w.zigzag(micros) }
    public static func read(from r: inout ByteReader, version: UInt8) throws(StoredDecodeError) -> Instant {
        let v = try r.zigzag()
        guard v >= Taipei.minTimestamp, v <= Taipei.maxTimestamp else { throw r.fail("time out of range") }
        return Instant(v)
    }
}

extension Term: FieldValue {
    public static func fromJSON(_ j: JSONValue, path: String, line: Int?, constraint: Constraint) throws(InputError) -> Term {
        guard case .string(let s) = j, let t = Term(s) else {
            throw InputError(line: line, field: path, message: "expected a term like 113-1")
        }
        return t
    }
    public func toJSON() -> JSONValue? { .string(description) }
    public func write(to w: inout ByteWriter) { w.varint(UInt64(year.value) * 2 + UInt64(semester - 1)) }
    public static func read(from r: inout ByteReader, version: UInt8) throws(StoredDecodeError) -> Term {
        let v = try r.varint()
        guard v >= 2, v < 20000 else { throw r.fail("term out of range") }
        return Term(Int(v / 2), Int(v % 2) + 1)
    }
}

extension AcademicYear: FieldValue {
    public static func fromJSON(_ j: JSONValue, path: String, line: Int?, constraint: Constraint) throws(InputError) -> AcademicYear {
        switch j {
        case .int(let v) where v >= 1 && v <= 999: return AcademicYear(Int(v))
        case .string(let s): if let y = AcademicYear(s) { return y }
        default: break
        }
        throw InputError(line: line, field: path, message: "expected an academic year like 113")
    }
    public func toJSON() -> JSONValue? { .int(Int64(value)) }
    public func write(to w: inout ByteWriter) { w.varint(UInt64(value)) }
    public static func read(from r: inout ByteReader, version: UInt8) throws(StoredDecodeError) -> AcademicYear {
        let v = try r.varint()
        guard v >= 1, v < 10000 else { throw r.fail("year out of range") }
        return AcademicYear(Int(v))
    }
}

extension Optional: FieldValue where Wrapped: FieldValue {
    public static var isOptional: Bool { true }
    public static func fromJSON(_ j: JSONValue, path: String, line: Int?, constraint: Constraint) throws(InputError) -> Wrapped? {
        if j == .null { return nil }
        return try Wrapped.fromJSON(j, path: path, line: line, constraint: constraint)
    }
    public func toJSON() -> JSONValue? { self?.toJSON() }
    public func write(to w: inout ByteWriter) {
        if let v = self { w.u8(1); v.write(to: &w) } else { w.u8(0) }
    }
    public static func read(from r: inout ByteReader, version: UInt8) throws(StoredDecodeError) -> Wrapped? {
        switch try r.u8() {
        case 0: return nil
        case 1: return try Wrapped.read(from: &r, version: version)
        default: throw r.fail("invalid presence flag")
        }
    }
    public static func skip(from r: inout ByteReader, version: UInt8) throws(StoredDecodeError) {
        switch try r.u8() {
        case 0: return
        case 1: try Wrapped.skip(from: &r, version: version)
        default: throw r.fail("invalid presence flag")
        }
    }
}

extension Array: FieldValue where Element: FieldValue {
    public static var maxJSONEntries: Int { 1 << 20 }

    public static func fromJSON(_ j: JSONValue, path: String, line: Int?, constraint: Constraint) throws(InputError) -> [Element] {
        guard case .array(let a) = j else {
            throw InputError(line: line, field: path, message: "expected an array, found \(j.typeName)")
        }
        // Bounded, but large enough for what the engine itself writes: a national
        // submission names hundreds of thousands of items, and its JSON must read back.
        guard a.count <= Self.maxJSONEntries else {
            throw InputError(line: line, field: path, message: "too many entries: at most \(Self.maxJSONEntries)")
        }
        var out: [Element] = []
        out.reserveCapacity(a.count)
        for (i, e) in a.enumerated() {
            out.append(try Element.fromJSON(e, path: "\(path)[\(i)]", line: line, constraint: constraint))
        }
        return out
    }
    public func toJSON() -> JSONValue? { .array(compactMap { $0.toJSON() }) }
    public func write(to w: inout ByteWriter) {
        w.varint(UInt64(count))
        for e in self { e.write(to: &w) }
    }
    public static func read(from r: inout ByteReader, version: UInt8) throws(StoredDecodeError) -> [Element] {
        // No cap beyond the record itself (every element takes at least one byte):
        // `decide` fills some arrays from the state (a submission carries every
        // selected item of the school), so they can be longer than any input array.
        let n = try r.count(max: Int(UInt32.max))
        var out: [Element] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try Element.read(from: &r, version: version)) }
        return out
    }
}

/// A closed set of string values. Stored as the case's index in `allCases`: append new cases
/// at the end only, never reorder.
public protocol FieldChoice: FieldValue, RawRepresentable, CaseIterable, Hashable, Codable where RawValue == String, AllCases == [Self] {}

extension FieldChoice {
    public static func fromJSON(_ j: JSONValue, path: String, line: Int?, constraint: Constraint) throws(InputError) -> Self {
        guard case .string(let s) = j, let v = Self(rawValue: s) else {
            throw InputError(line: line, field: path, message: "expected one of: " + allCases.map(\.rawValue).joined(separator: ", "))
        }
        return v
    }
    public func toJSON() -> JSONValue? { .string(rawValue) }
    public func write(to w: inout ByteWriter) { w.varint(UInt64(Self.allCases.firstIndex(of: self)!)) }
    public static func read(from r: inout ByteReader, version: UInt8) throws(StoredDecodeError) -> Self {
        let i = try r.varint()
        guard i < UInt64(allCases.count) else { throw r.fail("unknown \(Self.self) code \(i)") }
        return allCases[Int(i)]
    }
}
