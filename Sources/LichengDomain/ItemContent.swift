// What a student uploaded as an item (title, description, files), kept in one buffer.

/// An item's title, description and files in one heap buffer of exactly their encoded size.
/// Held as `String`s and a `[FileEntry]` they were three or four heap blocks an item, each
/// with a 32-byte header and malloc's rounding (about 300 bytes an item for ~120 bytes of
/// content); a full replay keeps one of these for every item of every student, and only a
/// query that shows an item reads them back.
///
/// The buffer holds, in order: the title's and the description's UTF-8, each after its length
/// (LEB128 varint); the number of files (varint); then for each file its name and media type
/// (length, UTF-8; a media type the rules accept as its number in `mediaTypes` plus one, in one
/// byte, any other as byte 0 then length and UTF-8), its size (varint) and its digest: byte 0
/// and the 32 bytes of a digest held compactly, or byte 1 and the digest's text (length,
/// UTF-8). Only `write` (for `init`, or straight into an `Item`'s buffer) and
/// `StoredContent` (the same bytes, from an upload event's stored form) write it, so every
/// read finds what it expects. Equal contents are equal bytes (a `String` written in another
/// Unicode normalization is a different content here, as it is in the log).
public struct ItemContent: Sendable, Equatable {
    let bytes: [UInt8]

    /// The content held in these bytes (written by `write` or `StoredContent`).
    init(bytes: [UInt8]) { self.bytes = bytes }

    /// The media types the rules accept (SPEC §4's file kinds), each stored as one byte.
    static let mediaTypes = ["application/pdf", "image/jpeg", "image/jpg", "image/png", "audio/mpeg", "audio/mp3", "video/mp4", "audio/mp4"]
    private static let mediaTypeBytes = mediaTypes.map { Array($0.utf8) }
    private static func mediaTypeCode(_ t: String) -> UInt8 {
        ID.withBytes(t) { mediaTypeCode($0) }
    }
    /// By bytes, as the content is compared (`String ==` would also match other normalizations),
    /// through contiguous UTF-8 (the generic `utf8.elementsEqual` cost ~600 instructions a call).
    fileprivate static func mediaTypeCode(_ given: UnsafeRawBufferPointer) -> UInt8 {
        for (i, known) in mediaTypeBytes.enumerated() where known.count == given.count {
            if known.withUnsafeBytes({ String.sameBytes($0, given) }) { return UInt8(i + 1) }
        }
        return 0
    }

    /// No title, no description, no files.
    static let empty = ItemContent(title: "", description: "", files: [])

    public init(title: String, description: String, files: [FileEntry]) {
        let n = ItemContent.encodedSize(title: title, description: description, files: files)
        bytes = [UInt8].written(capacity: n) { w in
            ItemContent.write(title: title, description: description, files: files, to: &w)
            precondition(w.at == n, "ItemContent: \(w.at) bytes written, sized as \(n)")
        }.bytes
    }

    /// The size of the content's bytes (what `write` writes).
    static func encodedSize(title: String, description: String, files: [FileEntry]) -> Int {
        var n = RawWriter.size(title) + RawWriter.size(description) + RawWriter.size(UInt64(files.count))
        for f in files {
            n += RawWriter.size(f.name) + 1 + (ItemContent.mediaTypeCode(f.mediaType) == 0 ? RawWriter.size(f.mediaType) : 0)
            n += RawWriter.size(UInt64(bitPattern: f.size)) + 1
            n += f.digest.words == nil ? RawWriter.size(f.digest.text) : 32
        }
        return n
    }

    /// Writes the content's bytes (an item writes them into its own buffer without this
    /// type's intermediate array).
    static func write(title: String, description: String, files: [FileEntry], to w: inout RawWriter) {
        w.string(title)
        w.string(description)
        w.varint(UInt64(files.count))
        for f in files {
            w.string(f.name)
            let code = ItemContent.mediaTypeCode(f.mediaType)
            w.byte(code)
            if code == 0 { w.string(f.mediaType) }
            w.varint(UInt64(bitPattern: f.size))
            if let (w0, w1, w2, w3) = f.digest.words {
                w.byte(0)
                w.word(w0); w.word(w1); w.word(w2); w.word(w3)
            } else {
                w.byte(1)
                w.string(f.digest.text)
            }
        }
    }

    /// Bytes the buffer holds (for memory estimates).
    public var encodedCount: Int { bytes.count }

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
            let name = c.string()
            let code = Int(c.byte())
            let mediaType = code == 0 ? c.string() : ItemContent.mediaTypes[code - 1]
            var f = FileEntry(name: name, mediaType: mediaType, size: Int64(bitPattern: c.varint()))
            if c.byte() == 0 {
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

/// A value whose title, description and files are held as one `ItemContent` (an item, an
/// upload event): they read from it and, set one at a time, make a new one.
public protocol HoldsItemContent {
    var content: ItemContent { get set }
}

extension HoldsItemContent {
    public var title: String {
        get { content.title }
        set { content = ItemContent(title: newValue, description: content.description, files: content.files) }
    }
    public var description: String {
        get { content.description }
        set { content = ItemContent(title: content.title, description: newValue, files: content.files) }
    }
    public var files: [FileEntry] {
        get { content.files }
        set { content = ItemContent(title: content.title, description: content.description, files: newValue) }
    }
}

/// Makes an item's content straight from the stored form of an upload event's fields (see
/// `FieldRecord.write`: each text a varint length and UTF-8; the files a varint count, then
/// each file's name, media type, size as a zigzag varint and digest as text), without making
/// a `String` of any text: texts are checked as UTF-8 and copied, media types looked up by
/// their bytes, digests parsed. The bytes are those `ItemContent.write` writes for the same
/// decoded fields (a test holds the two to it), so a replayed upload's item is the same as
/// one built from the event's fields.
enum StoredContent {
    /// Reads the title, the description (when the schema version has one; empty otherwise), the
    /// fields `between` reads, then the files. The content is written into a temporary buffer
    /// of a size no content of the rest of the record can exceed (a stored file takes at least
    /// 4 bytes and its content at most 11 more: a media-type code, a size's varint of a
    /// negative number, a digest kept as text; a missing description 1 byte), then copied
    /// into an array of exactly its size.
    static func read(_ r: inout ByteReader, hasDescription: Bool,
                     between: (inout ByteReader) throws(StoredDecodeError) -> Void) throws(StoredDecodeError) -> ItemContent {
        let (bytes, failure) = [UInt8].written(capacity: 4 * r.remaining + 1) { w -> StoredDecodeError? in
            do throws(StoredDecodeError) {
                try text(&r, &w)
                if hasDescription { try text(&r, &w) } else { w.varint(0) }
                try between(&r)
                try files(&r, &w)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
        return ItemContent(bytes: bytes)
    }

    /// A stored text (title, description, a file's name).
    private static func text(_ r: inout ByteReader, _ w: inout RawWriter) throws(StoredDecodeError) {
        try r.stringBytes { raw -> Void? in
            guard String.isValidUTF8(raw) else { return nil }
            w.lengthAndBytes(raw)
            return ()
        }
    }

    /// The stored files (`[FileEntry]`).
    private static func files(_ r: inout ByteReader, _ w: inout RawWriter) throws(StoredDecodeError) {
        let count = try r.count(max: Int(UInt32.max))
        w.varint(UInt64(count))
        for _ in 0..<count {
            try text(&r, &w)
            try r.stringBytes { raw -> Void? in
                guard String.isValidUTF8(raw) else { return nil }
                let code = ItemContent.mediaTypeCode(raw)
                w.byte(code)
                if code == 0 { w.lengthAndBytes(raw) }
                return ()
            }
            w.varint(UInt64(bitPattern: try r.zigzag()))
            try r.stringBytes { raw -> Void? in
                if let (a, b, c, d) = FileDigest.words(hex: raw) {
                    w.byte(0)
                    w.word(a); w.word(b); w.word(c); w.word(d)
                    return ()
                }
                guard String.isValidUTF8(raw) else { return nil }
                w.byte(1)
                w.lengthAndBytes(raw)
                return ()
            }
        }
    }
}
