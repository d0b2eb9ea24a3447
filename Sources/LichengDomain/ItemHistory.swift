// What happened to an item, kept as bytes.

/// An item's history (`ItemHistoryEntry`s in the order they happened) in one growing byte
/// buffer. As an array of entries it was a heap block an item with a 32-byte header and
/// 48 bytes an entry, plus a shared block for every entry with a detail or a proxy (a
/// receipt's batch ID, a return reason); here an entry is about a dozen bytes.
///
/// Each entry starts with a byte: the action's number (`ItemAction.allCases` order) in bits
/// 0–3; bit 4 set when `onBehalfOf` follows, bit 5 when `detail` follows, bit 6 when the actor
/// is the first entry's (and is not written). The first entry then holds its seq (LEB128
/// varint) and time (zigzag varint of the microseconds); a later entry the differences of its
/// own from the first entry's (zigzag varints: imported entries may carry another store's seqs).
/// Then the actor, `onBehalfOf` and `detail` as present: each a varint length and UTF-8.
public struct ItemHistory: Sendable, Equatable {
    private(set) var bytes: [UInt8] = []

    public init() {}

    public init(_ entries: [ItemHistoryEntry]) {
        for e in entries { append(e) }
    }

    /// The history held in these bytes (written by `append`).
    init(bytes: [UInt8]) { self.bytes = bytes }

    public var isEmpty: Bool { bytes.isEmpty }

    /// Bytes the buffer holds and has room for (for memory estimates).
    public var encodedCapacity: Int { bytes.capacity }

    public mutating func append(_ e: ItemHistoryEntry) { ItemHistory.append(e, to: &bytes, start: 0) }
    /// How many entries there are, without making them.
    public var count: Int { ItemHistory.count(bytes, start: 0) }
    public var entries: [ItemHistoryEntry] { ItemHistory.entries(bytes, start: 0) }

    /// The actions by number (bits 0–3 of an entry's first byte: at most 16).
    static let actions = ItemAction.allCases

    // The history's bytes may follow other bytes in one buffer (an item's content and details:
    // see `Item`): these read and write `bytes[start...]`.

    /// An entry as it is written: its first byte and varints. The texts it carries (the actor
    /// unless it is the first entry's, `onBehalfOf`, `detail`) are passed to `size` and
    /// `write` from where they are kept (an event's fields), not copied into an entry.
    struct Encoded {
        var flags: UInt8
        var seq: UInt64
        var at: UInt64

        /// The first entry of a history.
        init(first seq: UInt64, at: Int64, action: ItemAction, onBehalfOf: String?, detail: String?) {
            flags = Encoded.flags(action, onBehalfOf, detail)
            self.seq = seq; self.at = ZigZag.encode(at)
        }

        /// An entry after the first entry `first` (seq and time as differences from it).
        init(seq: UInt64, at: Int64, action: ItemAction, onBehalfOf: String?, detail: String?,
             after first: (seq: UInt64, at: Int64), sameActor: Bool) {
            flags = Encoded.flags(action, onBehalfOf, detail) | (sameActor ? 0x40 : 0)
            self.seq = ZigZag.encode(Int64(bitPattern: seq &- first.seq)); self.at = ZigZag.encode(at &- first.at)
        }

        private static func flags(_ action: ItemAction, _ onBehalfOf: String?, _ detail: String?) -> UInt8 {
            UInt8(ItemHistory.actions.firstIndex(of: action)!) | (onBehalfOf == nil ? 0 : 0x10) | (detail == nil ? 0 : 0x20)
        }

        /// Whether the actor is written (it is not when it is the first entry's).
        var writesActor: Bool { flags & 0x40 == 0 }

        func size(actor: String, onBehalfOf: String?, detail: String?) -> Int {
            1 + RawWriter.size(seq) + RawWriter.size(at) + (writesActor ? RawWriter.size(actor) : 0)
                + RawWriter.size(onBehalfOf) + RawWriter.size(detail)
        }

        func write(actor: String, onBehalfOf: String?, detail: String?, to w: inout RawWriter) {
            w.byte(flags)
            w.varint(seq)
            w.varint(at)
            if writesActor { w.string(actor) }
            if let v = onBehalfOf { w.string(v) }
            if let v = detail { w.string(v) }
        }
    }

    static func append(_ e: ItemHistoryEntry, to bytes: inout [UInt8], start: Int, room: Int = 0) {
        append(seq: e.seq, at: e.at, action: e.action, actor: e.actor, onBehalfOf: e.onBehalfOf, detail: e.detail,
               to: &bytes, start: start, room: room)
    }

    /// Adds an entry at the end. The buffer grows by the entry and a sixteenth of the history
    /// (an item has a few entries: room for doublings would be a third of the buffer), and by
    /// `room` bytes more when the caller expects another entry soon.
    static func append(seq: UInt64, at: Timestamp, action: ItemAction, actor: String, onBehalfOf: String?, detail: String?,
                       to bytes: inout [UInt8], start: Int, room: Int = 0) {
        let entry: Encoded
        if let first = firstEntry(bytes, start: start) {
            let sameActor = ID.withBytes(actor) { a in
                bytes.withUnsafeBytes { b in
                    first.actor.count == a.count && String.sameBytes(UnsafeRawBufferPointer(rebasing: b[first.actor]), a)
                }
            }
            entry = Encoded(seq: seq, at: at, action: action, onBehalfOf: onBehalfOf, detail: detail,
                            after: (first.seq, first.at), sameActor: sameActor)
        } else {
            entry = Encoded(first: seq, at: at, action: action, onBehalfOf: onBehalfOf, detail: detail)
        }
        let n = entry.size(actor: actor, onBehalfOf: onBehalfOf, detail: detail)
        // Room for this entry and a sixteenth of the history more: a short history grows to
        // about its exact size, a long one (an item selected and deselected many times) is not
        // copied whole at every entry.
        let needed = bytes.count + n
        if bytes.capacity < needed { bytes.reserveCapacity(needed + (needed - start) / 16 + room) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: n) { out in
            var w = RawWriter(out)
            entry.write(actor: actor, onBehalfOf: onBehalfOf, detail: detail, to: &w)
            precondition(w.at == n, "ItemHistory: an entry of \(w.at) bytes sized as \(n)")
            bytes.append(contentsOf: UnsafeBufferPointer(out))
        }
    }

    static func count(_ bytes: [UInt8], start: Int) -> Int {
        var c = Cursor(bytes: bytes, at: start)
        var n = 0
        while c.at < bytes.count {
            let flags = c.byte()
            _ = c.varint(); _ = c.varint()
            if n == 0 || flags & 0x40 == 0 { c.skipString() }
            if flags & 0x10 != 0 { c.skipString() }
            if flags & 0x20 != 0 { c.skipString() }
            n += 1
        }
        return n
    }

    static func entries(_ bytes: [UInt8], start: Int) -> [ItemHistoryEntry] {
        var out: [ItemHistoryEntry] = []
        var c = Cursor(bytes: bytes, at: start)
        var firstSeq: UInt64 = 0, firstAt: Int64 = 0, firstActor = ""
        while c.at < bytes.count {
            let flags = c.byte()
            let action = ItemHistory.actions[Int(flags & 0x0F)]
            let seq: UInt64, at: Int64, actor: String
            if out.isEmpty {
                seq = c.varint(); at = ZigZag.decode(c.varint()); actor = c.string()
                firstSeq = seq; firstAt = at; firstActor = actor
            } else {
                seq = firstSeq &+ UInt64(bitPattern: ZigZag.decode(c.varint()))
                at = firstAt &+ ZigZag.decode(c.varint())
                actor = flags & 0x40 != 0 ? firstActor : c.string()
            }
            let onBehalfOf = flags & 0x10 != 0 ? c.string() : nil
            let detail = flags & 0x20 != 0 ? c.string() : nil
            out.append(ItemHistoryEntry(seq: seq, at: at, action: action, actor: actor, onBehalfOf: onBehalfOf, detail: detail))
        }
        return out
    }

    /// The first entry's seq, time and where its actor's UTF-8 sits; nil when there is none.
    private static func firstEntry(_ bytes: [UInt8], start: Int) -> (seq: UInt64, at: Int64, actor: Range<Int>)? {
        guard bytes.count > start else { return nil }
        var c = Cursor(bytes: bytes, at: start + 1)
        let seq = c.varint(), at = ZigZag.decode(c.varint())
        let n = Int(c.varint())
        return (seq, at, c.at..<c.at + n)
    }

}


extension Array where Element == UInt8 {
    /// The bytes `body` writes into a temporary buffer of `capacity` bytes (on the stack when
    /// small), copied into an array of exactly their count. Cheaper than writing into
    /// `init(unsafeUninitializedCapacity:)`, which reaches the standard library's unspecialized
    /// allocation and looks up the array storage's type metadata at every call (~360
    /// instructions of ~900 for a 150-byte array; ~550 this way, copy included).
    /// `room` bytes more are kept free after them (for bytes expected soon).
    static func written<R>(capacity: Int, room: Int = 0, _ body: (inout RawWriter) -> R) -> (bytes: [UInt8], result: R) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
            var w = RawWriter(buffer)
            let result = body(&w)
            let written = UnsafeBufferPointer(rebasing: buffer[..<w.at])
            guard room > 0 else { return (Array(written), result) }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(w.at + room)
            bytes.append(contentsOf: written)
            return (bytes, result)
        }
    }
}

/// Writes into memory sized beforehand with `size`. Every write checks that it stays inside
/// (a size computed wrong must stop the program, not overwrite the heap).
struct RawWriter {
    let out: UnsafeMutableBufferPointer<UInt8>
    var at = 0
    init(_ out: UnsafeMutableBufferPointer<UInt8>) { self.out = out }

    private func room(_ n: Int) { precondition(n <= out.count - at, "RawWriter: \(n) bytes at \(at) of \(out.count)") }

    static func size(_ v: UInt64) -> Int { (64 - v.leadingZeroBitCount + 6) / 7 + (v == 0 ? 1 : 0) }
    /// A string's length (varint) and UTF-8; nothing for nil.
    static func size(_ s: String?) -> Int { s.map { size(UInt64($0.utf8.count)) + $0.utf8.count } ?? 0 }

    mutating func byte(_ b: UInt8) { room(1); out[at] = b; at += 1 }
    /// One byte in line (most varints here); longer ones out of line.
    @inline(__always)
    mutating func varint(_ v0: UInt64) {
        guard v0 >= 0x80 else {
            room(1)
            out[at] = UInt8(v0)
            at += 1
            return
        }
        longVarint(v0)
    }
    @inline(never)
    private mutating func longVarint(_ v0: UInt64) {
        room(RawWriter.size(v0))
        var v = v0
        while v >= 0x80 { out[at] = UInt8(v & 0x7F) | 0x80; at += 1; v >>= 7 }
        out[at] = UInt8(v); at += 1
    }
    mutating func bytes(_ b: [UInt8]) { bytes(b[...]) }
    mutating func bytes(_ b: ArraySlice<UInt8>) { b.withUnsafeBufferPointer { copy($0) } }
    mutating func string(_ s: String) {
        ID.withBytes(s) { u in
            varint(UInt64(u.count))
            copy(u.assumingMemoryBound(to: UInt8.self))
        }
    }
    /// A length (varint) and these bytes.
    mutating func lengthAndBytes(_ src: UnsafeRawBufferPointer) {
        varint(UInt64(src.count))
        copy(src.assumingMemoryBound(to: UInt8.self))
    }
    private mutating func copy(_ src: UnsafeBufferPointer<UInt8>) {
        room(src.count)
        if let base = src.baseAddress, !src.isEmpty {
            UnsafeMutableBufferPointer(rebasing: out[at..<at + src.count]).baseAddress!.initialize(from: base, count: src.count)
        }
        at += src.count
    }
    /// Eight bytes, most significant first (as `Cursor.word` reads them), in one store.
    mutating func word(_ w: UInt64) {
        room(8)
        UnsafeMutableRawPointer(out.baseAddress! + at).storeBytes(of: w.bigEndian, as: UInt64.self)
        at += 8
    }
}

/// Reads a buffer that this module wrote; the reads trust it (nothing else writes it).
struct Cursor {
    let bytes: [UInt8]
    var at = 0
    mutating func byte() -> UInt8 {
        defer { at += 1 }
        return bytes[at]
    }
    /// One byte in line (most varints here); longer ones out of line.
    @inline(__always)
    mutating func varint() -> UInt64 {
        let b = bytes[at]
        guard b >= 0x80 else {
            at += 1
            return UInt64(b)
        }
        return longVarint()
    }
    @inline(never)
    private mutating func longVarint() -> UInt64 {
        var v: UInt64 = 0, shift: UInt64 = 0
        while true {
            let b = bytes[at]; at += 1
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift += 7
        }
    }
    mutating func string() -> String {
        let n = Int(varint())
        defer { at += n }
        return String(decoding: bytes[at..<at + n], as: UTF8.self)
    }
    mutating func skipString() { let n = Int(varint()); at += n }
    mutating func word() -> UInt64 {
        var w: UInt64 = 0
        for _ in 0..<8 { w = w << 8 | UInt64(bytes[at]); at += 1 }
        return w
    }
}
