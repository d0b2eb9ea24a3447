// A map whose bulk may stay encoded until asked: the large tables of the core shared state
// (courses, staff) are read from a snapshot without building every entry.

/// Read-only entries kept in encoded form (a snapshot's sorted table), decoded one at a time.
public protocol FrozenMap<Value>: Sendable {
    associatedtype Value
    /// The value for `key`, decoded; nil when absent.
    func value(forKey key: String) -> Value?
    /// Every entry, decoded, in key order.
    func entries() -> [(key: String, value: Value)]
}

/// A `[String: Value]` with dictionary-like access. Entries come from an optional frozen
/// `base` (nothing is decoded until looked up) and the `changes` made since; iterating
/// (`values`, `keys`, `dictionary`) decodes the whole base.
///
/// `Value` is constrained only in the conformances: the runtime builds `LazyMap<CourseInfo>`
/// without looking up `CourseInfo`'s conformances (each a scan of every conformance record in
/// the binary, paid by every CLI command that opens a snapshot).
public struct LazyMap<Value: Sendable>: Sendable, ExpressibleByDictionaryLiteral {
    public private(set) var base: (any FrozenMap<Value>)?
    /// Entries set (non-nil) or removed (nil) since `base`, keyed by bytes as the base is.
    public private(set) var changes = IDMap<Value?>()

    public init() {}
    public init(base: any FrozenMap<Value>) { self.base = base }
    public init(_ dictionary: [String: Value]) { changes = IDMap(dictionary.mapValues { .some($0) }) }
    public init(dictionaryLiteral elements: (String, Value)...) {
        for (k, v) in elements { changes[k] = .some(v) }
    }

    public subscript(key: String) -> Value? {
        get {
            if let changed = changes[key] { return changed }
            return base?.value(forKey: key)
        }
        set { changes[key] = .some(newValue) }
    }

    /// Every entry, decoded.
    public var dictionary: [String: Value] {
        var out: [String: Value] = [:]
        if let base { for (k, v) in base.entries() { out[k] = v } }
        for (k, v) in changes { out[k] = v }
        return out
    }

    public var values: Dictionary<String, Value>.Values { dictionary.values }
    public var keys: Dictionary<String, Value>.Keys { dictionary.keys }
    public var count: Int { dictionary.count }
    public var isEmpty: Bool { base == nil ? !changes.values.contains { $0 != nil } : dictionary.isEmpty }

}

extension LazyMap: Equatable where Value: Equatable {
    public static func == (a: LazyMap, b: LazyMap) -> Bool {
        if a.base == nil && b.base == nil { return a.changes.compactMapValues { $0 } == b.changes.compactMapValues { $0 } }
        return a.dictionary == b.dictionary
    }
}

extension LazyMap: Codable where Value: Codable {
    public init(from decoder: Decoder) throws {
        self.init(try [String: Value](from: decoder))
    }

    public func encode(to encoder: Encoder) throws {
        try dictionary.encode(to: encoder)
    }
}
