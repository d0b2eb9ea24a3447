// A student's quota counters: a few keys each, kept in a short sorted array.

/// Counts by key (terms, academic years) for maps of a few keys: a sorted array of pairs, one
/// small heap block, where a `Dictionary` keeps a hash table of at least a few dozen bytes of
/// header and buckets. A full replay keeps four of these for every student.
///
/// `Key` is constrained by the marker protocol `Sendable` only, its other requirements stated
/// where they are used: a constraint on the type itself made every command's first array of
/// entries look up `Term: Comparable` (and `Hashable`) at run time, a scan of the binary's
/// conformance records each (~0.4M instructions).
public struct SmallCounts<Key: Sendable>: Sendable {
    struct Entry: Sendable {
        var key: Key
        var count: Int
    }
    fileprivate var entries: [Entry] = []

    public init() {}

    public var isEmpty: Bool { entries.isEmpty }

    /// Bytes of entries the array has room for (for memory estimates).
    public var capacityBytes: Int { entries.capacity * MemoryLayout<Entry>.stride }

    /// The keys and counts, keys ascending.
    public var pairs: [(key: Key, count: Int)] { entries.map { ($0.key, $0.count) } }
}

extension SmallCounts.Entry: Equatable where Key: Equatable {}
extension SmallCounts: Equatable where Key: Equatable {}

extension SmallCounts where Key: Comparable {

    /// Where `key` is, or where it would go to keep the keys sorted.
    private func slot(_ key: Key) -> (index: Int, found: Bool) {
        var i = 0
        while i < entries.count, entries[i].key < key { i += 1 }
        return (i, i < entries.count && entries[i].key == key)
    }

    public subscript(key: Key) -> Int? {
        let s = slot(key)
        return s.found ? entries[s.index].count : nil
    }

    /// The count for `key`, `defaultValue` when it has none; setting adds the key.
    public subscript(key: Key, default defaultValue: Int) -> Int {
        get { self[key] ?? defaultValue }
        set {
            let s = slot(key)
            if s.found {
                entries[s.index].count = newValue
            } else {
                // Grown one entry at a time: a student has a few terms and years.
                entries.reserveCapacity(entries.count + 1)
                entries.insert(Entry(key: key, count: newValue), at: s.index)
            }
        }
    }

}

extension SmallCounts: Codable where Key: Codable & Comparable & Hashable {
    /// The `Codable` form of the `[Key: Int]` it replaced.
    public init(from decoder: Decoder) throws {
        for (k, v) in try [Key: Int](from: decoder) { self[k, default: 0] = v }
    }
    public func encode(to encoder: Encoder) throws {
        try Dictionary(uniqueKeysWithValues: entries.map { ($0.key, $0.count) }).encode(to: encoder)
    }
}
