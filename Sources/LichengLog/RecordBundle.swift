import Foundation

/// Why a bundle file was refused: where (byte offset, field) and why, in a
/// sentence a staff member can act on. Nothing is imported from a refused bundle.
public struct BundleError: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        /// Not a bundle, a damaged or truncated one, or an unsupported version.
        case malformed
        /// Signed by a sender whose key is not trusted here (or no key registered).
        case untrusted
        /// The signature, a digest or the checkpoint does not match: altered after signing.
        case altered
        /// Well formed and authentic, but its content cannot be accepted here.
        case refused
    }
    public var kind: Kind
    public var offset: Int?
    public var field: String?
    public var reason: String

    public init(_ kind: Kind, offset: Int? = nil, field: String? = nil, _ reason: String) {
        self.kind = kind; self.offset = offset; self.field = field; self.reason = reason
    }

    public var description: String {
        var where_ = ""
        if let field { where_ += " in field '\(field)'" }
        if let offset { where_ += " at byte offset \(offset)" }
        return "The transfer bundle was refused\(where_): \(reason). Nothing was imported."
    }
}

/// A signed bundle of one stream's records and the files they reference, moved
/// from one store (school) to another. The layout is in docs/FORMAT.md §11.
public struct RecordBundle: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var seq: UInt64
        public var timestamp: Int64
        public var payload: [UInt8]
        /// SHA-256 of the record as the sending log stored it (docs/FORMAT.md §4.2).
        public var digest: Digest
        public init(seq: UInt64, timestamp: Int64, payload: [UInt8], digest: Digest) {
            self.seq = seq; self.timestamp = timestamp; self.payload = payload; self.digest = digest
        }
    }

    public var senderCode: String
    /// The stream key (student ID) of every record.
    public var key: String
    public var checkpoint: Checkpoint
    public var createdAt: Int64
    public var entries: [Entry]
    /// Files by SHA-256: (digest, content).
    public var files: [(Digest, [UInt8])]
    /// Ed25519 signature over every byte before it.
    public var signature: [UInt8] = []

    public static func == (a: RecordBundle, b: RecordBundle) -> Bool {
        a.senderCode == b.senderCode && a.key == b.key && a.checkpoint == b.checkpoint && a.createdAt == b.createdAt
            && a.entries == b.entries && a.files.map(\.0) == b.files.map(\.0) && a.files.map(\.1) == b.files.map(\.1) && a.signature == b.signature
    }

    static let magic: [UInt8] = Array("LCHG-BND".utf8)
    static let version: UInt16 = 1
    static let maxEntries = 1_000_000
    static let maxFiles = 100_000
    static let maxFileBytes = 1 << 30

    /// The record digest exactly as the log computes it (key, then payload).
    public static func recordDigest(seq: UInt64, timestamp: Int64, key: String, payload: [UInt8]) -> Digest {
        var bytes: [UInt8] = []
        let keyBytes = Array(key.utf8)
        bytes.reserveCapacity(22 + keyBytes.count + payload.count)
        bytes.appendLE(seq)
        bytes.appendLE(timestamp)
        bytes.appendLE(UInt16(keyBytes.count))
        bytes.appendLE(UInt32(payload.count))
        bytes += keyBytes
        bytes += payload
        return Hash.sha256(bytes)
    }

    /// Builds a bundle and signs it with `key`. `checkpoint` must already be signed.
    public static func make(senderCode: String, key streamKey: String, checkpoint: Checkpoint, createdAt: Int64,
                            entries: [Entry], files: [(Digest, [UInt8])], signer: SigningKey) -> (bundle: RecordBundle, bytes: [UInt8]) {
        var b = RecordBundle(senderCode: senderCode, key: streamKey, checkpoint: checkpoint, createdAt: createdAt,
                             entries: entries, files: files)
        var out = b.encodeBody()
        b.signature = signer.sign(out)
        out += b.signature
        return (b, out)
    }

    func encodeBody() -> [UInt8] {
        var out = RecordBundle.magic
        out.appendLE(RecordBundle.version)
        out.appendLE(UInt16(0))
        out.appendLE(UInt32(0))
        let code = Array(senderCode.utf8), keyBytes = Array(key.utf8)
        out.appendLE(UInt16(code.count)); out += code
        out.appendLE(UInt16(keyBytes.count)); out += keyBytes
        out += checkpoint.storeID
        out.appendLE(checkpoint.seq)
        out += checkpoint.chainHead.bytes
        out.appendLE(checkpoint.time)
        out += checkpoint.signature
        out.appendLE(createdAt)
        out.appendLE(UInt32(entries.count))
        for e in entries {
            out.appendLE(e.seq)
            out.appendLE(e.timestamp)
            out.appendLE(UInt32(e.payload.count))
            out += e.payload
            out += e.digest.bytes
        }
        out.appendLE(UInt32(files.count))
        for (digest, content) in files {
            out += digest.bytes
            out.appendLE(UInt64(content.count))
            out += content
        }
        return out
    }

    /// Parses a bundle file without trusting anything in it: every length is
    /// checked against what is left, so damaged or hostile input gives a
    /// `BundleError` naming the field and offset, never a crash. Checks the
    /// structure and each entry's and file's digest, not the signature.
    public static func parse(_ bytes: [UInt8]) throws(BundleError) -> RecordBundle {
        var r = Reader(bytes: bytes, end: bytes.count)
        guard bytes.count >= 8, Array(bytes[0..<8]) == magic else {
            throw BundleError(.malformed, offset: 0, field: "magic", "this is not a Licheng transfer bundle")
        }
        guard bytes.count >= 16 + 64 else { throw BundleError(.malformed, offset: bytes.count, "the file is too short to be a bundle (truncated)") }
        r.end = bytes.count - 64
        r.offset = 8
        let version = try r.u16("version")
        guard version == RecordBundle.version else {
            throw BundleError(.malformed, offset: 8, field: "version", "bundle format version \(version) is not supported (this build reads version 1)")
        }
        _ = try r.u16("flags"); _ = try r.u32("reserved")
        let senderCode = try r.string("senderCode", max: 64)
        let streamKey = try r.string("studentId", max: 1024)
        guard !streamKey.isEmpty else { throw BundleError(.malformed, offset: r.offset, field: "studentId", "the student ID is empty") }
        let storeID = try r.bytes("checkpoint.storeId", 16)
        let seq = try r.u64("checkpoint.seq")
        let head = Digest(bytes: try r.bytes("checkpoint.chainHead", 32))
        let time = try r.i64("checkpoint.time")
        let checkpointSignature = try r.bytes("checkpoint.signature", 64)
        let createdAt = try r.i64("createdAt")
        let entryCount = Int(try r.u32("eventCount"))
        guard entryCount <= maxEntries else { throw BundleError(.malformed, offset: r.offset - 4, field: "eventCount", "\(entryCount) events is more than a bundle may hold") }
        var entries: [Entry] = []
        var previous: UInt64 = 0
        for i in 0..<entryCount {
            let at = r.offset
            let field = "events[\(i)]"
            let s = try r.u64(field + ".seq")
            let t = try r.i64(field + ".recordedAt")
            let length = Int(try r.u32(field + ".length"))
            guard length <= Format.maxRecordPayload else { throw BundleError(.malformed, offset: r.offset - 4, field: field + ".length", "an event of \(length) bytes is too large") }
            let payload = try r.bytes(field + ".payload", length)
            let digest = Digest(bytes: try r.bytes(field + ".digest", 32))
            guard s > previous, s <= seq else {
                throw BundleError(.malformed, offset: at, field: field + ".seq", "seq \(s) is out of order or beyond the bundle's checkpoint (seq \(seq))")
            }
            previous = s
            guard recordDigest(seq: s, timestamp: t, key: streamKey, payload: payload) == digest else {
                throw BundleError(.altered, offset: at, field: field, "the event with seq \(s) does not match its SHA-256 digest")
            }
            entries.append(Entry(seq: s, timestamp: t, payload: payload, digest: digest))
        }
        let fileCount = Int(try r.u32("fileCount"))
        guard fileCount <= maxFiles else { throw BundleError(.malformed, offset: r.offset - 4, field: "fileCount", "\(fileCount) files is more than a bundle may hold") }
        var files: [(Digest, [UInt8])] = []
        for i in 0..<fileCount {
            let at = r.offset
            let field = "files[\(i)]"
            let digest = Digest(bytes: try r.bytes(field + ".sha256", 32))
            let length = try r.u64(field + ".length")
            guard length <= UInt64(maxFileBytes) else { throw BundleError(.malformed, offset: r.offset - 8, field: field + ".length", "a file of \(length) bytes is too large") }
            let content = try r.bytes(field + ".content", Int(length))
            guard Hash.sha256(content) == digest else {
                throw BundleError(.altered, offset: at, field: field, "the file's content does not match its SHA-256 \(digest.hex.prefix(16))…")
            }
            files.append((digest, content))
        }
        guard r.offset == r.end else {
            throw BundleError(.malformed, offset: r.offset, "\(r.end - r.offset) unexpected bytes before the signature")
        }
        var bundle = RecordBundle(senderCode: senderCode, key: streamKey,
                                  checkpoint: Checkpoint(storeID: storeID, seq: seq, chainHead: head, time: time, signature: checkpointSignature),
                                  createdAt: createdAt, entries: entries, files: files)
        bundle.signature = Array(bytes[(bytes.count - 64)...])
        return bundle
    }

    /// Checks the bundle's signature and its checkpoint's signature with the sender's key.
    public static func verifySignature(_ bytes: [UInt8], _ bundle: RecordBundle, key: PublicKey) throws(BundleError) {
        guard bytes.count >= 64, key.verify(bundle.signature, of: Array(bytes[0..<(bytes.count - 64)])) else {
            throw BundleError(.altered, offset: bytes.count - 64, field: "signature",
                              "the signature does not verify with the key registered for school \(bundle.senderCode): the bundle was changed after it was signed, or signed by another key")
        }
        guard bundle.checkpoint.verify(with: key) else {
            throw BundleError(.altered, field: "checkpoint.signature", "the sending school's checkpoint signature does not verify")
        }
    }

    /// Bounds-checked little-endian reader over the bundle bytes.
    struct Reader {
        let bytes: [UInt8]
        var end: Int
        var offset = 0

        init(bytes: [UInt8], end: Int) { self.bytes = bytes; self.end = end }

        mutating func bytes(_ field: String, _ n: Int) throws(BundleError) -> [UInt8] {
            guard n >= 0, n <= end - offset else {
                throw BundleError(.malformed, offset: offset, field: field, "the bundle ends inside this field (it is truncated or damaged)")
            }
            defer { offset += n }
            return Array(bytes[offset..<(offset + n)])
        }
        mutating func u16(_ f: String) throws(BundleError) -> UInt16 { try bytes(f, 2).le(UInt16.self, at: 0)! }
        mutating func u32(_ f: String) throws(BundleError) -> UInt32 { try bytes(f, 4).le(UInt32.self, at: 0)! }
        mutating func u64(_ f: String) throws(BundleError) -> UInt64 { try bytes(f, 8).le(UInt64.self, at: 0)! }
        mutating func i64(_ f: String) throws(BundleError) -> Int64 { try bytes(f, 8).le(Int64.self, at: 0)! }
        mutating func string(_ field: String, max: Int) throws(BundleError) -> String {
            let at = offset
            let n = Int(try u16(field + ".length"))
            guard n <= max else { throw BundleError(.malformed, offset: at, field: field, "it is \(n) bytes long; at most \(max) are allowed") }
            let b = try bytes(field, n)
            guard !b.contains(0), let s = String(validating: b, as: UTF8.self) else {
                throw BundleError(.malformed, offset: at, field: field, "it is not valid UTF-8 (or holds a NUL byte)")
            }
            return s
        }
    }
}
