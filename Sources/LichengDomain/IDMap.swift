// Tables keyed by identifiers (students, items) and request IDs, hashed by their bytes.

/// An identifier as a hash key: equal when its UTF-8 bytes are equal, hashed by a short
/// multiply-mix of those bytes. A `String` key is hashed by SipHash (a `Hasher` seeded, fed
/// and finalized: ~250 instructions for a 10-byte ID); a replay looks up two or three IDs an
/// event. This mix costs ~20 instructions. Each table passes its own seed (from its storage's
/// address: different in every process) — no secret key as `Hasher` has, which a client could
/// only play against with request IDs, in one student's small table of them.
///
/// Keys are compared as bytes, as the log stores them: two keys whose bytes differ are two
/// keys, even where Unicode would call them the same text. Student, item and staff IDs are
/// ASCII (checked on input), where the two agree; a request ID is free text, and a retry
/// matches only with the same bytes (docs/EVENTS.md).
@frozen public struct ID: Hashable, Sendable, CustomStringConvertible {
    public var string: String

    @inlinable @inline(__always)
    public init(_ string: String) { self.string = string }

    public var description: String { string }

    @inlinable @inline(__always)
    public static func == (a: ID, b: ID) -> Bool { sameBytes(a.string, b.string) }

    /// Whether two identifiers have the same UTF-8 bytes (the keys' equality).
    @inlinable @inline(__always)
    public static func sameBytes(_ a: String, _ b: String) -> Bool {
        #if _pointerBitWidth(_64)
        // The same bits are the same string (a small string's bytes, or the same storage and
        // count): the usual case, a table's key met by the key it was looked up with.
        let x = unsafeBitCast(a, to: (UInt64, UInt64).self), y = unsafeBitCast(b, to: (UInt64, UInt64).self)
        if x == y { return true }
        // A small string (at most 15 bytes, bit 61 of its second word set) is its bytes and
        // count: two of them with different bits have different bytes. Identifiers are
        // small, so a different key met while probing or scanning is rejected here.
        if x.1 & y.1 & ID.smallStringBit != 0 { return false }
        #endif
        // `String`'s comparison rejects a different key in a few instructions (equal bytes
        // are always equal text); texts it calls equal are the same key only when their
        // bytes are.
        return a == b && ID.withBytes(a) { x in ID.withBytes(b) { y in x.count == y.count && String.sameBytes(x, y) } }
    }

    /// The bit of a small string's second word that says it is small (the standard
    /// library's `_StringObject` on 64-bit platforms; a test holds it to that).
    @inlinable static var smallStringBit: UInt64 { 1 << 61 }

    @inlinable
    public func hash(into hasher: inout Hasher) { hasher.combine(ID.withBytes(string) { ID.mix($0, seed: 0) }) }

    /// What `Dictionary` and `Set` ask for: the bytes mixed with the table's seed (no `Hasher`).
    @inlinable
    public func _rawHashValue(seed: Int) -> Int {
        Int(truncatingIfNeeded: ID.withBytes(string) { ID.mix($0, seed: UInt64(truncatingIfNeeded: seed)) })
    }

    /// Calls `body` with the string's UTF-8 bytes (contiguous for every native and small
    /// string; a copy otherwise).
    @inlinable @inline(__always)
    static func withBytes<R>(_ s: String, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        if let r = s.utf8.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) { return r }
        var copy = s
        return copy.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }

    /// The high and low halves of the 128-bit product, folded.
    @inlinable @inline(__always)
    static func fold(_ x: UInt64, _ y: UInt64) -> UInt64 {
        let p = x.multipliedFullWidth(by: y)
        return p.high ^ p.low
    }

    /// A 64-bit hash of `bytes`. Up to 16 bytes are read as two words (overlapping when
    /// shorter, so the words and the length fix the bytes), longer inputs 16 bytes a round;
    /// each round folds the 128-bit product of a word xored with `k1` and the next word
    /// xored with the running state, and the end folds the last two words and the length
    /// the same way. A product is zero when a word equals `k1`, whatever the seed; no text
    /// has those bytes (`db 28 …` is not UTF-8), so no input erases what came before.
    @inlinable
    static func mix(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        let (k0, k1, k2) = ID.keys
        let n = bytes.count
        var h = seed ^ k0
        var a: UInt64, b: UInt64
        if n <= 16 {
            (a, b) = String.shortWords(bytes)
        } else {
            var i = 0
            while i + 16 < n {
                h = fold(bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ k1,
                         bytes.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self) ^ h)
                i += 16
            }
            a = bytes.loadUnaligned(fromByteOffset: n - 16, as: UInt64.self)
            b = bytes.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        }
        return fold(k1 ^ UInt64(truncatingIfNeeded: n), fold(a ^ k1, b ^ h) ^ k2)
    }
}

extension ID {
    /// The mixes' constants (odd, with bits spread over the word).
    @inlinable static var keys: (UInt64, UInt64, UInt64) { (0xa076_1d64_78bd_642f, 0xe703_7ed1_a0b4_28db, 0x8ebc_6af0_9c88_c6e3) }

    /// A 64-bit hash of one word (a small key's fields packed into it) and `seed`, folded as
    /// `mix` folds a short identifier's words: for keys that `Hasher` would hash at ~150
    /// instructions a lookup (terms, schedule windows: `PackedKey`).
    @inlinable @inline(__always)
    static func mix(word: UInt64, seed: UInt64) -> UInt64 {
        let (k0, k1, k2) = ID.keys
        return fold(k1 ^ 8, fold(word ^ k1, seed ^ k0) ^ k2)
    }
}

/// A key whose fields fit one word (a term, a schedule window), hashed by mixing that word with
/// the table's seed (`ID.mix(word:seed:)`), as an `ID` is by its bytes: no `Hasher`.
public protocol PackedKey: Hashable {
    /// The key's fields in one word: different for keys that are not equal.
    var packed: UInt64 { get }
}

extension PackedKey {
    public func hash(into hasher: inout Hasher) { hasher.combine(packed) }
    /// What `Dictionary` asks for: the key's word mixed with the table's seed.
    public func _rawHashValue(seed: Int) -> Int {
        Int(truncatingIfNeeded: ID.mix(word: packed, seed: UInt64(truncatingIfNeeded: seed)))
    }
}

/// A `[String: Value]` keyed by identifiers: the same interface for the state's code, stored as
/// `[ID: Value]` (see `ID`: hashed and compared by bytes). Iterates as `(key: String, value:)`
/// and is encoded exactly as a `[String: Value]` is.
public struct IDMap<Value>: Sequence, ExpressibleByDictionaryLiteral {
    public typealias Storage = [ID: Value]
    public typealias Index = Storage.Index
    /// The table itself (keys as `ID`s).
    public var storage: Storage

    @inlinable public init() { storage = [:] }
    @inlinable public init(minimumCapacity: Int) { storage = Storage(minimumCapacity: minimumCapacity) }
    public init(_ dictionary: [String: Value]) {
        storage = Storage(minimumCapacity: dictionary.count)
        for (k, v) in dictionary { storage[ID(k)] = v }
    }
    public init(dictionaryLiteral elements: (String, Value)...) {
        storage = Storage(minimumCapacity: elements.count)
        for (k, v) in elements {
            precondition(storage.updateValue(v, forKey: ID(k)) == nil, "IDMap literal contains the key \(k) twice")
        }
    }

    @inlinable public var count: Int { storage.count }
    @inlinable public var isEmpty: Bool { storage.isEmpty }
    @inlinable public var capacity: Int { storage.capacity }
    @inlinable public mutating func reserveCapacity(_ n: Int) { storage.reserveCapacity(n) }
    @inlinable public mutating func removeAll(keepingCapacity keep: Bool = false) { storage.removeAll(keepingCapacity: keep) }

    @inlinable public subscript(key: String) -> Value? {
        get { storage[ID(key)] }
        _modify { yield &storage[ID(key)] }
    }

    @inlinable public subscript(key: String, default value: @autoclosure () -> Value) -> Value {
        get { storage[ID(key), default: value()] }
        _modify { yield &storage[ID(key), default: value()] }
    }

    @inlinable public func index(forKey key: String) -> Index? { storage.index(forKey: ID(key)) }

    /// The values, changeable in place (`values[i]` for an `index(forKey:)`).
    @inlinable public var values: Storage.Values {
        get { storage.values }
        _modify { yield &storage.values }
    }

    public var keys: LazyMapCollection<Storage.Keys, String> { storage.keys.lazy.map(\.string) }

    @inlinable @discardableResult
    public mutating func updateValue(_ value: Value, forKey key: String) -> Value? { storage.updateValue(value, forKey: ID(key)) }

    @inlinable @discardableResult
    public mutating func removeValue(forKey key: String) -> Value? { storage.removeValue(forKey: ID(key)) }

    /// Runs `body` on the value for `key` where it is stored (see `Dictionary.modifyValue`).
    @inlinable @discardableResult
    public mutating func modifyValue<R>(forKey key: String, _ body: (inout Value) throws -> R) rethrows -> R? {
        try storage.modifyValue(forKey: ID(key), body)
    }

    public func mapValues<T>(_ transform: (Value) throws -> T) rethrows -> IDMap<T> {
        var out = IDMap<T>()
        out.storage = try storage.mapValues(transform)
        return out
    }

    public func compactMapValues<T>(_ transform: (Value) throws -> T?) rethrows -> IDMap<T> {
        var out = IDMap<T>()
        out.storage = try storage.compactMapValues(transform)
        return out
    }

    public func filter(_ isIncluded: ((key: String, value: Value)) throws -> Bool) rethrows -> IDMap<Value> {
        var out = IDMap()
        out.storage = try storage.filter { try isIncluded((key: $0.key.string, value: $0.value)) }
        return out
    }

    public mutating func merge(_ other: IDMap<Value>, uniquingKeysWith combine: (Value, Value) throws -> Value) rethrows {
        try storage.merge(other.storage, uniquingKeysWith: combine)
    }

    /// A plain dictionary of the same entries.
    public var dictionary: [String: Value] {
        var out = [String: Value](minimumCapacity: storage.count)
        for (k, v) in storage { out[k.string] = v }
        return out
    }

    public struct Iterator: IteratorProtocol {
        @usableFromInline var base: Storage.Iterator
        @inlinable init(_ base: Storage.Iterator) { self.base = base }
        @inlinable public mutating func next() -> (key: String, value: Value)? {
            base.next().map { (key: $0.key.string, value: $0.value) }
        }
    }
    @inlinable public func makeIterator() -> Iterator { Iterator(storage.makeIterator()) }
    @inlinable public var underestimatedCount: Int { storage.count }
}

extension IDMap: Sendable where Value: Sendable {}
extension IDMap.Iterator: Sendable where Value: Sendable {}
extension IDMap: Equatable where Value: Equatable {}
extension IDMap: Hashable where Value: Hashable {}

extension IDMap: Codable where Value: Codable {
    /// As a `[String: Value]` (a keyed container of the IDs).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: IDCodingKey.self)
        let keys = c.allKeys
        storage = Storage(minimumCapacity: keys.count)
        for k in keys { storage[ID(k.stringValue)] = try c.decode(Value.self, forKey: k) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: IDCodingKey.self)
        for (k, v) in storage { try c.encode(v, forKey: IDCodingKey(stringValue: k.string)) }
    }
}

/// A dictionary key in a keyed container (what `[String: Value]`'s `Codable` uses).
struct IDCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}
