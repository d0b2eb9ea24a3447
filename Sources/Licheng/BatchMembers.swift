import Foundation
import LichengDomain
import LichengLog

/// Strings sorted by their UTF-8 bytes, packed in one buffer with an offset table: found by
/// binary search without decoding the others (a national batch holds 300,000+ item IDs).
struct SortedStrings: Sendable {
    /// `offsets[i]..<offsets[i + 1]` is string `i` in `bytes`.
    private(set) var offsets: [UInt32]
    private(set) var bytes: [UInt8]

    init(_ strings: [String]) {
        let sorted = strings.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
        offsets = [0]
        offsets.reserveCapacity(sorted.count + 1)
        bytes = []
        for s in sorted { bytes += s; offsets.append(UInt32(bytes.count)) }
    }

    init?(offsets: [UInt32], bytes: [UInt8]) {
        guard offsets.first == 0, offsets.last.map({ Int($0) == bytes.count }) == true,
              zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }) else { return nil }
        self.offsets = offsets
        self.bytes = bytes
    }

    var count: Int { offsets.count - 1 }

    func string(_ i: Int) -> String {
        String(decoding: bytes[Int(offsets[i])..<Int(offsets[i + 1])], as: UTF8.self)
    }

    /// The first index whose string is not byte-wise below `key`.
    private func lowerBound(_ key: [UInt8]) -> Int {
        var low = 0, high = count
        while low < high {
            let mid = (low + high) / 2
            let s = bytes[Int(offsets[mid])..<Int(offsets[mid + 1])]
            if s.lexicographicallyPrecedes(key) { low = mid + 1 } else { high = mid }
        }
        return low
    }

    func contains(_ s: String) -> Bool {
        let key = Array(s.utf8)
        let i = lowerBound(key)
        return i < count && bytes[Int(offsets[i])..<Int(offsets[i + 1])].elementsEqual(key)
    }

    /// The strings that start with `prefix`, in order.
    func withPrefix(_ prefix: String) -> [String] {
        let key = Array(prefix.utf8)
        var i = lowerBound(key)
        var out: [String] = []
        while i < count, bytes[Int(offsets[i])..<Int(offsets[i + 1])].starts(with: key) {
            out.append(string(i))
            i += 1
        }
        return out
    }
}

/// Who and what one `submission.made` carries, kept apart from the core shared state (which
/// holds each batch without its lists) so that loading one student reads two binary searches
/// per batch instead of the whole school. Derived from the event: rebuilt when missing.
struct BatchMembers: Sendable {
    var batchId: String
    var seq: UInt64
    var items: SortedStrings
    var students: SortedStrings

    init(batchId: String, seq: UInt64, _ d: SubmissionMade) {
        self.batchId = batchId
        self.seq = seq
        items = SortedStrings(d.items)
        students = SortedStrings(d.students)
    }

    /// What the batch holds of `student` (the same as `SubmissionMade.studentShares`).
    func share(of student: String) -> StudentSubmission? {
        let mine = items.withPrefix(student + "-")
        let named = students.contains(student)
        return named || !mine.isEmpty ? StudentSubmission(carriesStudent: named, items: mine) : nil
    }

    // MARK: file form (inside a DerivedFile)
    // u32 storeID length, storeID bytes, u32 batchId length, batchId bytes, u64 seq,
    // then items and students, each: u32 count, (count + 1) u32 offsets, the string bytes.

    static let fileKind: UInt32 = 2
    static let fileVersion: UInt32 = 1

    func encoded(storeID: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32 + items.bytes.count + students.bytes.count + 4 * (items.count + students.count))
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        u32(UInt32(storeID.count)); out += storeID
        let id = Array(batchId.utf8)
        u32(UInt32(id.count)); out += id
        withUnsafeBytes(of: seq.littleEndian) { out.append(contentsOf: $0) }
        for table in [items, students] {
            u32(UInt32(table.count))
            table.offsets.withUnsafeBytes { raw in
                for v in raw.bindMemory(to: UInt32.self) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
            }
            out += table.bytes
        }
        return out
    }

    /// Parses the file form; nil when malformed or made for another store, batch or seq.
    init?(decoding bytes: [UInt8], storeID: [UInt8], batchId: String, seq: UInt64) {
        var at = 0
        func u32() -> UInt32? {
            guard at + 4 <= bytes.count else { return nil }
            defer { at += 4 }
            return bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
        }
        func take(_ n: Int) -> ArraySlice<UInt8>? {
            guard n >= 0, at + n <= bytes.count else { return nil }
            defer { at += n }
            return bytes[at..<(at + n)]
        }
        guard let n1 = u32(), let store = take(Int(n1)), store.elementsEqual(storeID),
              let n2 = u32(), let id = take(Int(n2)), id.elementsEqual(batchId.utf8),
              let s = take(8), s.withUnsafeBytes({ UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }) == seq else { return nil }
        func table() -> SortedStrings? {
            guard let count = u32(), Int(count) < bytes.count, at + 4 * (Int(count) + 1) <= bytes.count else { return nil }
            var offsets = [UInt32](repeating: 0, count: Int(count) + 1)
            offsets.withUnsafeMutableBytes { dst in
                bytes.withUnsafeBytes { src in dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[at..<(at + dst.count)])) }
            }
            at += 4 * offsets.count
            for i in offsets.indices { offsets[i] = UInt32(littleEndian: offsets[i]) }
            guard let length = offsets.last, let body = take(Int(length)) else { return nil }
            return SortedStrings(offsets: offsets, bytes: Array(body))
        }
        guard let items = table(), let students = table(), at == bytes.count else { return nil }
        self.batchId = batchId
        self.seq = seq
        self.items = items
        self.students = students
    }
}
