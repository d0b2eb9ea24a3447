// What a student uploaded as an item (title, description, files), kept in one buffer.

/// An item's title, description and files in one heap buffer of exactly their encoded size.
/// Held as `String`s and a `[FileEntry]` they were three or four heap blocks an item, each
/// with a 32-byte header and malloc's rounding (about 300 bytes an item for ~120 bytes of
/// content); a full replay keeps one of these for every item of every student, and only a
/// query that shows an item reads them back.
///
/// The buffer holds, in order: the title's and the description's UTF-8, each after its length
/// (LEB128 varint); the number of files (varint); then for each file its name and media type
/// (length, UTF-8), its size (varint) and its digest: byte 0 and the 32 bytes of a digest held
/// compactly, or byte 1 and the digest's text (length, UTF-8). Only `init` writes it, so every
/// read finds what it expects. Equal contents are equal bytes (a `String` written in another
/// Unicode normalization is a different content here, as it is in the log).
public struct ItemContent: Sendable, Equatable {
    private let bytes: [UInt8]

    public init(title: String, description: String, files: [FileEntry]) {
        func size(_ v: UInt64) -> Int { (64 - v.leadingZeroBitCount + 6) / 7 + (v == 0 ? 1 : 0) }
        func text(_ s: String) -> Int { let n = s.utf8.count; return size(UInt64(n)) + n }
        var n = text(title) + text(description) + size(UInt64(files.count))
        for f in files {
            n += text(f.name) + text(f.mediaType) + size(UInt64(bitPattern: f.size)) + 1
            n += f.digest.words == nil ? text(f.digest.text) : 32
        }
        var b: [UInt8] = []
        b.reserveCapacity(n)
        func varint(_ v0: UInt64) {
            var v = v0
            while v >= 0x80 { b.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
            b.append(UInt8(v))
        }
        func string(_ s: String) { varint(UInt64(s.utf8.count)); b.append(contentsOf: s.utf8) }
        func word(_ w: UInt64) { for k in 0..<8 { b.append(UInt8(truncatingIfNeeded: w >> (56 - 8 * UInt64(k)))) } }
        string(title)
        string(description)
        varint(UInt64(files.count))
        for f in files {
            string(f.name)
            string(f.mediaType)
            varint(UInt64(bitPattern: f.size))
            if let (w0, w1, w2, w3) = f.digest.words {
                b.append(0)
                word(w0); word(w1); word(w2); word(w3)
            } else {
                b.append(1)
                string(f.digest.text)
            }
        }
        bytes = b
    }

    /// Bytes the buffer holds (for memory estimates).
    public var encodedCount: Int { bytes.count }

    /// Reads the buffer from the start; the reads trust it (only `init` writes it).
    private struct Cursor {
        let bytes: [UInt8]
        var at = 0
        mutating func varint() -> UInt64 {
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

    public var title: String {
        var c = Cursor(bytes: bytes)
        return c.string()
    }

    public var description: String {
        var c = Cursor(bytes: bytes)
        c.skipString()
        return c.string()
    }

    public var files: [FileEntry] {
        var c = Cursor(bytes: bytes)
        c.skipString()
        c.skipString()
        let count = Int(c.varint())
        var files: [FileEntry] = []
        files.reserveCapacity(count)
        for _ in 0..<count {
            var f = FileEntry(name: c.string(), mediaType: c.string(), size: Int64(bitPattern: c.varint()))
            let form = c.bytes[c.at]
            c.at += 1
            if form == 0 {
                f.digest = FileDigest(words: (c.word(), c.word(), c.word(), c.word()))
            } else {
                f.digest = FileDigest(c.string())
            }
            files.append(f)
        }
        return files
    }

    /// How many files the item has, without making them.
    public var fileCount: Int {
        var c = Cursor(bytes: bytes)
        c.skipString()
        c.skipString()
        return Int(c.varint())
    }
}
