import Foundation
import LichengDomain
import LichengLog

// The snapshot form of a `LazyMap`: a table sorted by key, read in place. Opening the core
// shared state of a 100,000-student store then decodes the few staff accounts and courses a
// command looks up, not the 144,000 courses it holds.
//
// Layout (little-endian), the payload of one scalar value of the binary coder:
//   u32 n; (n + 1) u32 key offsets; (n + 1) u32 value offsets; key bytes; value bytes.
// Key i is key bytes [keyOffsets[i], keyOffsets[i+1]); keys are in ascending byte order and
// unique. Value i is value bytes [valueOffsets[i], valueOffsets[i+1]): the binary coder's
// form of the value. Offsets are relative to the start of their area.

/// A `FrozenMap` over a table's bytes in a buffer it keeps alive (a mapped tables file, or
/// a copy). Offsets are checked at every read, so damaged bytes give nil, never a trap.
/// In a chunk-checked tables file every byte is checked against its chunk's checksum before
/// it is used (`checks`), so a lookup hashes the few chunks it reads, not the whole file; once
/// a read meets a damaged chunk, the table answers from `repair` (the same table rebuilt
/// from the log) instead.
/// `Value` is constrained only in the conformances (see `Recorded`): building the type's
/// metadata then costs the runtime no conformance scans.
struct SnapshotTable<Value: Sendable>: @unchecked Sendable {
    let storage: ByteBuffer
    /// The table's bytes are `storage.raw[start..<end]`.
    let start: Int
    let end: Int
    let count: Int
    private let checks: ChunkChecks?
    private let repair: RepairedTable<Value>?
    private let keyOffsets: Int
    private let valueOffsets: Int
    private let keyArea: Int
    private let valueArea: Int

    init(_ bytes: ArraySlice<UInt8>) throws {
        try self.init(storage: ByteBuffer(Array(bytes)), range: 0..<bytes.count)
    }

    /// `checks` and `repair` go together: the chunk checks of the file the table lies in, and
    /// what answers once they find damage.
    init(storage: ByteBuffer, range: Range<Int>, checks: ChunkChecks? = nil, repair: RepairedTable<Value>? = nil) throws {
        self.storage = storage
        self.checks = checks
        self.repair = repair
        start = range.lowerBound
        end = range.upperBound
        guard range.upperBound <= storage.count, let n = Self.u32(storage, start, end, checks), Int(n) <= range.count / 8 else {
            throw BinaryCodingError("a table's header is damaged")
        }
        count = Int(n)
        keyOffsets = start + 4
        valueOffsets = keyOffsets + 4 * (count + 1)
        keyArea = valueOffsets + 4 * (count + 1)
        guard keyArea <= end, let keyLength = Self.u32(storage, valueOffsets - 4, end, checks),
              keyArea + Int(keyLength) <= end, let valueLength = Self.u32(storage, keyArea - 4, end, checks),
              keyArea + Int(keyLength) + Int(valueLength) == end else {
            throw BinaryCodingError("a table's offsets run past its end")
        }
        valueArea = keyArea + Int(keyLength)
    }

    private static func u32(_ b: ByteBuffer, _ at: Int, _ end: Int, _ checks: ChunkChecks?) -> UInt32? {
        guard at >= 0, at + 4 <= end, checks?.check(at, count: 4) ?? true else { return nil }
        return b.raw.le(UInt32.self, at: at)
    }

    /// True once a read of this table (or another part of its file) met a damaged chunk.
    private var isDamaged: Bool { checks?.damaged ?? false }

    /// The table's own bytes (its encoded form); nil when a chunk of them is damaged.
    var checkedBytes: [UInt8]? {
        guard checks?.check(start, count: end - start) ?? true else { return nil }
        return storage.array(start..<end)
    }

    /// Entry `i`'s bytes in an area, or nil when its offsets are out of order or bounds,
    /// or their chunks fail their checksums.
    private func span(_ i: Int, table: Int, area: Int, end areaEnd: Int) -> Range<Int>? {
        guard let a = Self.u32(storage, table + 4 * i, end, checks), let b = Self.u32(storage, table + 4 * (i + 1), end, checks),
              a <= b, area + Int(b) <= areaEnd else { return nil }
        let r = (area + Int(a))..<(area + Int(b))
        guard checks?.check(r.lowerBound, count: r.count) ?? true else { return nil }
        return r
    }

    private func key(_ i: Int) -> Slice<UnsafeRawBufferPointer>? {
        span(i, table: keyOffsets, area: keyArea, end: valueArea).map { storage.raw[$0] }
    }

}

/// One table of a damaged tables file, rebuilt from the log the first time it is asked for
/// (`TablesRepair` replays the state once for all the file's tables).
final class RepairedTable<Value: Sendable>: @unchecked Sendable {
    private let repair: TablesRepair
    private let extract: @Sendable (TablesRepair.State) -> [String: Value]
    private let lock = NSLock()
    private var table: [String: Value]??

    init(_ repair: TablesRepair, _ extract: @escaping @Sendable (TablesRepair.State) -> [String: Value]) {
        self.repair = repair
        self.extract = extract
    }

    /// The rebuilt table; nil when the log could not be replayed (`Engine.tablesRepairFailure`).
    var entries: [String: Value]? {
        lock.lock()
        defer { lock.unlock() }
        if let table { return table }
        let rebuilt = repair.state().map(extract)
        table = .some(rebuilt)
        return rebuilt
    }
}

/// The shared state a snapshot's tables file stood for, replayed from the log without that
/// snapshot, once: what its tables answer once a chunk of the file is found damaged.
final class TablesRepair: @unchecked Sendable {
    typealias State = (shared: SharedState, requests: LazyMap<UInt64>)
    private let rebuild: () throws(EngineError) -> State
    private let lock = NSLock()
    private var done = false
    private var rebuilt: State?

    /// `rebuild` records its own failure (see `Engine.tablesRepairFailure`).
    init(_ rebuild: @escaping () throws(EngineError) -> State) { self.rebuild = rebuild }

    /// The replayed state; nil when the log could not be replayed.
    func state() -> State? {
        lock.lock()
        defer { lock.unlock() }
        if !done {
            done = true
            rebuilt = try? rebuild()
        }
        return rebuilt
    }
}

extension SnapshotTable: FrozenMap where Value: Codable & Equatable {
    private func decodedValue(_ i: Int) -> Value? {
        guard let r = span(i, table: valueOffsets, area: valueArea, end: end) else { return nil }
        return try? BinaryCoder.decode(Value.self, from: storage.array(r))
    }

    func value(forKey key: String) -> Value? {
        if isDamaged { return repair?.entries?[key] }
        let wanted = Array(key.utf8)
        // A key whose offsets are damaged reads as empty; the match below then fails.
        let low = sortedLowerBound(count: count, of: wanted) { self.key($0) ?? self.storage.raw[end..<end] }
        let found = low < count && self.key(low).map { $0.elementsEqual(wanted) } == true ? decodedValue(low) : nil
        if isDamaged { return repair?.entries?[key] }
        return found
    }

    func entries() -> [(key: String, value: Value)] {
        let read: [(key: String, value: Value)] = isDamaged ? [] : (0..<count).compactMap { i in
            guard let k = key(i), let s = String(exactUTF8: UnsafeRawBufferPointer(rebasing: k)), let v = decodedValue(i) else { return nil }
            return (s, v)
        }
        guard isDamaged else { return read }
        return (repair?.entries ?? [:]).sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { (key: $0.key, value: $0.value) }
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
        out.appendLE(UInt32(sorted.count))
        for o in keyOffsets { out.appendLE(o) }
        for o in valueOffsets { out.appendLE(o) }
        out += keys
        out += values
    }
}

extension LazyMap where Value: Codable & Equatable {
    /// The table form of this map (unchanged since it was read from a table: the same bytes).
    var tableBytes: [UInt8] {
        if changes.isEmpty, let table = base as? SnapshotTable<Value>, let bytes = table.checkedBytes { return bytes }
        var out: [UInt8] = []
        SnapshotTable<Value>.encode(dictionary.map { ($0.key, $0.value) }, into: &out)
        return out
    }
}

extension LazyMap: BinaryScalar where Value: Codable & Equatable {
    func write(into out: inout [UInt8]) { out += tableBytes }

    init(binary bytes: ArraySlice<UInt8>) throws {
        self.init(base: try SnapshotTable<Value>(bytes))
    }
}

