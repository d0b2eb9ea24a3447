import LichengDomain

// The snapshot form of a `LazyMap`: a table sorted by key, read in place. Opening the core
// shared state of a 100,000-student store then decodes the few staff accounts and courses a
// command looks up, not the 144,000 courses it holds.
//
// Layout (little-endian), the payload of one scalar value of the binary coder:
//   u32 n; (n + 1) u32 key offsets; (n + 1) u32 value offsets; key bytes; value bytes.
// Key i is key bytes [keyOffsets[i], keyOffsets[i+1]); keys are in ascending byte order and
// unique. Value i is value bytes [valueOffsets[i], valueOffsets[i+1]): the binary coder's
// form of the value. Offsets are relative to the start of their area.

/// A `FrozenMap` over the bytes of a snapshot (which it keeps alive).
struct SnapshotTable<Value: Codable & Sendable & Equatable>: FrozenMap {
    let bytes: ArraySlice<UInt8>
    let count: Int
    private let keyOffsets: Int
    private let valueOffsets: Int
    private let keyArea: Int
    private let valueArea: Int

    init(_ bytes: ArraySlice<UInt8>) throws {
        self.bytes = bytes
        let start = bytes.startIndex
        guard let n = Self.u32(bytes, start), Int(n) <= bytes.count / 8 else { throw BinaryCodingError("a table's header is damaged") }
        count = Int(n)
        keyOffsets = start + 4
        valueOffsets = keyOffsets + 4 * (count + 1)
        keyArea = valueOffsets + 4 * (count + 1)
        guard keyArea <= bytes.endIndex, let keyLength = Self.u32(bytes, valueOffsets - 4),
              keyArea + Int(keyLength) <= bytes.endIndex, let valueLength = Self.u32(bytes, keyArea - 4),
              keyArea + Int(keyLength) + Int(valueLength) == bytes.endIndex else {
            throw BinaryCodingError("a table's offsets run past its end")
        }
        valueArea = keyArea + Int(keyLength)
    }

    private static func u32(_ b: ArraySlice<UInt8>, _ at: Int) -> UInt32? {
        guard at >= b.startIndex, at + 4 <= b.endIndex else { return nil }
        return UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }

    /// Entry `i`'s bytes in an area, or nil when its offsets are out of order or bounds.
    private func span(_ i: Int, table: Int, area: Int, end: Int) -> Range<Int>? {
        guard let a = Self.u32(bytes, table + 4 * i), let b = Self.u32(bytes, table + 4 * (i + 1)),
              a <= b, area + Int(b) <= end else { return nil }
        return (area + Int(a))..<(area + Int(b))
    }

    private func key(_ i: Int) -> ArraySlice<UInt8>? {
        span(i, table: keyOffsets, area: keyArea, end: valueArea).map { bytes[$0] }
    }

    private func decodedValue(_ i: Int) -> Value? {
        guard let r = span(i, table: valueOffsets, area: valueArea, end: bytes.endIndex) else { return nil }
        return try? BinaryCoder.decode(Value.self, from: Array(bytes[r]))
    }

    func value(forKey key: String) -> Value? {
        let wanted = Array(key.utf8)
        var low = 0, high = count
        while low < high {
            let mid = (low + high) / 2
            guard let k = self.key(mid) else { return nil }
            if k.lexicographicallyPrecedes(wanted) { low = mid + 1 } else { high = mid }
        }
        guard low < count, let k = self.key(low), k.elementsEqual(wanted) else { return nil }
        return decodedValue(low)
    }

    func entries() -> [(key: String, value: Value)] {
        (0..<count).compactMap { i in
            guard let k = key(i), let s = String(exactUTF8: k), let v = decodedValue(i) else { return nil }
            return (s, v)
        }
    }

    /// The table form of `entries` (any order; keys unique).
    static func encode(_ entries: [(key: String, value: Value)], into out: inout [UInt8]) {
        let sorted = entries.map { (Array($0.key.utf8), $0.value) }.sorted { $0.0.lexicographicallyPrecedes($1.0) }
        var keys: [UInt8] = [], values: [UInt8] = []
        var keyOffsets: [UInt32] = [0], valueOffsets: [UInt32] = [0]
        for (k, v) in sorted {
            keys += k
            values += (try? BinaryCoder.encode(v)) ?? []
            keyOffsets.append(UInt32(keys.count))
            valueOffsets.append(UInt32(values.count))
        }
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        u32(UInt32(sorted.count))
        keyOffsets.forEach(u32)
        valueOffsets.forEach(u32)
        out += keys
        out += values
    }
}

extension LazyMap: BinaryScalar {
    func write(into out: inout [UInt8]) {
        // Unchanged since it was read: the same bytes.
        if changes.isEmpty, let table = base as? SnapshotTable<Value> {
            out += table.bytes
            return
        }
        SnapshotTable<Value>.encode(dictionary.map { ($0.key, $0.value) }, into: &out)
    }

    init(binary bytes: ArraySlice<UInt8>) throws {
        self.init(base: try SnapshotTable<Value>(bytes))
    }
}
