import Foundation
import LichengDomain
import LichengLog

/// Strings sorted by their UTF-8 bytes, packed with an offset table and read in place: found
/// by binary search without decoding the others (a national batch holds 300,000+ item IDs).
/// Form (little-endian): u32 n, (n + 1) u32 offsets, then the string bytes; string i is
/// bytes [offsets[i], offsets[i+1]) of the string area.
struct SortedStrings: Sendable {
    /// The buffer holding the table (possibly a larger file the table is part of).
    private let storage: ByteBuffer
    /// The file's chunk checks (nil for a table built in memory): every byte is checked before use.
    private let checks: ChunkChecks?
    private let offsets: Int
    private let strings: Int
    let count: Int
    /// Where the table ends in `storage`.
    let end: Int

    init(_ list: [String]) {
        let sorted = list.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
        var out: [UInt8] = []
        out.appendLE(UInt32(sorted.count))
        var offset = 0
        out.appendLE(UInt32(0))
        for s in sorted { offset += s.count; out.appendLE(UInt32(offset)) }
        for s in sorted { out += s }
        let buffer = ByteBuffer(out)
        self.init(reading: buffer, at: 0, limit: buffer.count, checks: nil)!
    }

    /// The table that starts at `start` in `storage` and ends by `limit`; nil when it does
    /// not fit. Each string's offsets are checked when it is read.
    init?(reading storage: ByteBuffer, at start: Int, limit: Int, checks: ChunkChecks?) {
        self.storage = storage
        self.checks = checks
        guard limit <= storage.count, let n = Self.u32(storage, start, limit, checks), Int(n) <= limit / 4 else { return nil }
        count = Int(n)
        offsets = start + 4
        strings = offsets + 4 * (count + 1)
        guard strings <= limit, let length = Self.u32(storage, strings - 4, limit, checks), strings + Int(length) <= limit,
              Self.u32(storage, offsets, limit, checks) == 0 else { return nil }
        end = strings + Int(length)
    }

    private static func u32(_ b: ByteBuffer, _ at: Int, _ limit: Int, _ checks: ChunkChecks?) -> UInt32? {
        guard at >= 0, at + 4 <= limit, checks?.check(at, count: 4) ?? true else { return nil }
        return b.raw.le(UInt32.self, at: at)
    }

    /// The bytes of string `i`; empty when its offsets are out of order or past the area, or
    /// its chunks fail their checksums (only a damaged or crafted file; the damage is noted
    /// in `checks`).
    private func bytes(_ i: Int) -> Slice<UnsafeRawBufferPointer> {
        guard let a0 = Self.u32(storage, offsets + 4 * i, end, checks), let b0 = Self.u32(storage, offsets + 4 * i + 4, end, checks) else {
            return storage.raw[end..<end]
        }
        let a = strings + Int(a0), b = strings + Int(b0)
        guard a <= b, b <= end, checks?.check(a, count: b - a) ?? true else { return storage.raw[end..<end] }
        return storage.raw[a..<b]
    }

    /// The table's own bytes (its file form).
    var encoded: [UInt8] { storage.array((offsets - 4)..<end) }

    func string(_ i: Int) -> String { String(decoding: bytes(i), as: UTF8.self) }

    /// The first index whose string is not byte-wise below `key`.
    private func lowerBound(_ key: [UInt8]) -> Int { sortedLowerBound(count: count, of: key) { bytes($0) } }

    func contains(_ s: String) -> Bool {
        let key = Array(s.utf8)
        let i = lowerBound(key)
        return i < count && bytes(i).elementsEqual(key)
    }

    /// The strings that start with `prefix`, in order.
    func withPrefix(_ prefix: String) -> [String] {
        let key = Array(prefix.utf8)
        var i = lowerBound(key)
        var out: [String] = []
        while i < count, bytes(i).starts(with: key) {
            out.append(string(i))
            i += 1
        }
        return out
    }
}

/// The first index in `0..<count` whose key (`key(i)`, ascending in byte order) is not
/// byte-wise below `wanted`: the binary search of the in-place tables (batch lists, snapshot
/// tables).
func sortedLowerBound(count: Int, of wanted: [UInt8], key: (Int) -> Slice<UnsafeRawBufferPointer>) -> Int {
    var low = 0, high = count
    while low < high {
        let mid = (low + high) / 2
        if key(mid).lexicographicallyPrecedes(wanted) { low = mid + 1 } else { high = mid }
    }
    return low
}

/// Who and what one `submission.made` carries, kept apart from the core shared state (which
/// holds each batch without its lists) so that loading one student reads two binary searches
/// per batch instead of the whole school. Derived from the event: rebuilt when missing.
struct BatchMembers: Sendable {
    var batchId: String
    var seq: UInt64
    /// The submission's `recordedAt`: with the seq and batch ID, what ties the list to this
    /// history (a store restored from an older copy may hold another submission at that seq).
    var at: Timestamp
    var items: SortedStrings
    var students: SortedStrings
    private var checks: ChunkChecks? = nil

    /// True once a read found a chunk of the file damaged (the lists must be rebuilt).
    var isDamaged: Bool { checks?.damaged ?? false }

    init(batchId: String, seq: UInt64, at: Timestamp, _ d: SubmissionMade) {
        self.batchId = batchId
        self.seq = seq
        self.at = at
        items = SortedStrings(d.items)
        students = SortedStrings(d.students)
    }

    /// What the batch holds of `student` (the same as `SubmissionMade.studentShares`).
    func share(of student: String) -> StudentSubmission? {
        let mine = items.withPrefix(student + "-")
        let named = students.contains(student)
        return named || !mine.isEmpty ? StudentSubmission(carriesStudent: named, items: mine) : nil
    }

    // MARK: file form (a chunk-checked DerivedFile, stored as is and read in place)
    // u32 storeID length, storeID bytes, u32 batchId length, batchId bytes, u64 seq,
    // i64 recordedAt, then the items table and the students table (`SortedStrings`' form).

    static let fileKind: UInt32 = 2
    static let fileVersion: UInt32 = 4

    func encoded(storeID: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.appendLE(UInt32(storeID.count)); out += storeID
        let id = Array(batchId.utf8)
        out.appendLE(UInt32(id.count)); out += id
        out.appendLE(seq)
        out.appendLE(at)
        out += items.encoded
        out += students.encoded
        return out
    }

    /// Parses the file form; nil when malformed, damaged or made for another store, batch,
    /// seq or time. `checks` guards every byte read (the lists are checked as they are read:
    /// see `isDamaged`).
    init?(decoding buffer: ByteBuffer, body: Range<Int>, checks: ChunkChecks?, storeID: [UInt8], batchId: String, seq: UInt64,
          at recordedAt: Timestamp) {
        let bytes = buffer.raw[..<body.upperBound]
        var at = body.lowerBound
        func take(_ n: Int) -> Slice<UnsafeRawBufferPointer>? {
            guard n >= 0, at + n <= bytes.count, checks?.check(at, count: n) ?? true else { return nil }
            defer { at += n }
            return bytes[at..<(at + n)]
        }
        func integer<T: FixedWidthInteger>(_: T.Type) -> T? { take(MemoryLayout<T>.size).flatMap { UnsafeRawBufferPointer(rebasing: $0).le(T.self, at: 0) } }
        guard let n1 = integer(UInt32.self), let store = take(Int(n1)), store.elementsEqual(storeID),
              let n2 = integer(UInt32.self), let id = take(Int(n2)), id.elementsEqual(batchId.utf8),
              integer(UInt64.self) == seq, integer(Int64.self) == recordedAt,
              let items = SortedStrings(reading: buffer, at: at, limit: body.upperBound, checks: checks),
              let students = SortedStrings(reading: buffer, at: items.end, limit: body.upperBound, checks: checks),
              students.end == body.upperBound else { return nil }
        self.checks = checks
        self.batchId = batchId
        self.seq = seq
        self.at = recordedAt
        self.items = items
        self.students = students
    }
}
