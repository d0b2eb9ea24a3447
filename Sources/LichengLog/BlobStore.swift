import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// SHA-256 of `bytes`, for callers outside the log (content addressing).
public func sha256(_ bytes: [UInt8]) -> Digest { Hash.sha256(bytes) }

/// A content-addressed store of immutable blobs (uploaded files), kept beside
/// the log in `files/<first two hex digits>/<sha256 hex>`. A blob is stored once
/// however often it is referenced; writes are durable before `put` returns.
public struct BlobStore: Sendable {
    public let path: String

    public init(storePath: String) { path = FS.join(storePath, "files") }

    func blobPath(_ digest: Digest) -> String {
        let hex = digest.hex
        return FS.join(FS.join(path, String(hex.prefix(2))), hex)
    }

    /// Stores `bytes` (if not already there) and returns their SHA-256.
    @discardableResult
    public func put(_ bytes: [UInt8]) throws(LogError) -> Digest {
        let digest = Hash.sha256(bytes)
        let target = blobPath(digest)
        if FS.exists(target) { return digest }
        try typed {
            let directory = FS.join(path, String(digest.hex.prefix(2)))
            try FS.makeDirectories(directory)
            try FS.writeAtomically(bytes, to: target, durable: true, faults: nil)
            try FS.syncDirectory(directory, faults: nil)
        }
        return digest
    }

    public func contains(_ digest: Digest) -> Bool { FS.exists(blobPath(digest)) }

    /// The blob's bytes, checked against its digest.
    public func get(_ digest: Digest) throws(LogError) -> [UInt8] {
        let target = blobPath(digest)
        let bytes = try typed { () throws -> [UInt8] in
            let file = try File.open(target, flags: O_RDONLY)
            return try file.read(count: Int(try file.size()), at: 0)
        }
        guard Hash.sha256(bytes) == digest else {
            throw LogError.corrupt(segment: target, offset: 0, reason: "the file's content does not match its SHA-256 name")
        }
        return bytes
    }

    /// Every blob's digest; temporary files a crashed write left behind are removed.
    public func allDigests() throws(LogError) -> [Digest] {
        var out: [Digest] = []
        try typed {
            for directory in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] where directory.utf8.count == 2 {
                let dir = FS.join(path, directory)
                for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
                    if name.contains(".tmp.") { try FS.remove(FS.join(dir, name)); continue }
                    if name.utf8.count == 64, let bytes = bytesFromHex(name), bytes.count == 32 { out.append(Digest(bytes: bytes)) }
                }
            }
        }
        return out
    }

    /// Removes a blob (retention purge); missing blobs are fine.
    public func remove(_ digest: Digest) throws(LogError) {
        try typed { try FS.remove(blobPath(digest)) }
    }
}

/// Derived files (snapshots) beside the log: LZ4-compressed, checksummed and
/// versioned, written atomically. A damaged or foreign file reads as nil, and
/// the caller rebuilds it.
public enum DerivedFile {
    static let magic: [UInt8] = Array("LCHG-DRV".utf8)

    /// The checksum a file written with `write` records for `bytes` stored as is (header
    /// offset 28), for binding a file to another one that names it.
    /// The checksum recorded in a mapped file's header (for a chunk-checked file, what
    /// `writeChunked` returned).
    public static func recordedChecksum(_ buffer: ByteBuffer) -> UInt64? {
        buffer.raw.le(UInt64.self, at: 28)
    }

    /// `compress: false` stores the bytes as they are (read back without decompressing).
    public static func write(_ bytes: [UInt8], to path: String, kind: UInt32, version: UInt32, compress: Bool = true) throws(LogError) {
        var compressed = [UInt8](repeating: 0, count: compress ? LZ4Codec.compressBound(bytes.count) : 0)
        let n = compress ? bytes.withUnsafeBytes { b in compressed.withUnsafeMutableBytes { LZ4Codec.compress(b, into: $0) } } : 0
        let body = n > 0 ? Array(compressed[0..<n]) : bytes
        try store(kind: kind, version: version, length: bytes.count, codec: n > 0 ? 1 : 0,
                  checksum: body.withUnsafeBytes { Hash.xxh3($0) }, [body], to: path)
    }

    /// Writes `bytes` stored as is (codec 2) and checksummed per 4 KiB chunk: the header's
    /// checksum covers the chunk table that follows the body, and a reader checks each chunk
    /// the first time it reads it (`readChunked`), so a lookup touches a few pages.
    /// Returns the checksum it recorded (that of the chunk table).
    @discardableResult
    public static func writeChunked(_ bytes: [UInt8], to path: String, kind: UInt32, version: UInt32) throws(LogError) -> UInt64 {
        let table = bytes.withUnsafeBytes { ChunkChecks.table(for: $0) }
        let checksum = table.withUnsafeBytes { Hash.xxh3($0) }
        try store(kind: kind, version: version, length: bytes.count, codec: 2, checksum: checksum, [bytes, table], to: path)
        return checksum
    }

    /// The 36-byte header, then `parts`, written atomically.
    private static func store(kind: UInt32, version: UInt32, length: Int, codec: UInt32, checksum: UInt64,
                              _ parts: [[UInt8]], to path: String) throws(LogError) {
        var out = magic
        out.appendLE(kind)
        out.appendLE(version)
        out.appendLE(UInt64(length))
        out.appendLE(codec)
        out.appendLE(checksum)
        for p in parts { out += p }
        try typed {
            try FS.makeDirectories((path as NSString).deletingLastPathComponent)
            try FS.writeAtomically(out, to: path, durable: false, faults: nil)
        }
    }

    /// The header's length, codec and checksum, when its magic, kind and version are these.
    private static func header(_ b: UnsafeRawBufferPointer, kind: UInt32, version: UInt32) -> (length: UInt64, codec: UInt32, checksum: UInt64)? {
        guard b.count >= 36, Array(b[0..<8]) == magic, b.le(UInt32.self, at: 8) == kind, b.le(UInt32.self, at: 12) == version,
              let length = b.le(UInt64.self, at: 16), let codec = b.le(UInt32.self, at: 24), let checksum = b.le(UInt64.self, at: 28) else { return nil }
        return (length, codec, checksum)
    }

    /// A file written by `writeChunked`, mapped; the body is `buffer.raw[body]` and must be
    /// read through `checks`. Nil when missing, of another kind or version, or its header or
    /// chunk table is damaged.
    public static func readChunked(_ path: String, kind: UInt32, version: UInt32) -> (buffer: ByteBuffer, body: Range<Int>, checks: ChunkChecks)? {
        guard let all = ByteBuffer.map(path) else { return nil }
        return all.withUnsafeBytes { b in
            guard let h = header(b, kind: kind, version: version), h.codec == 2, h.length < 1 << 40 else { return nil }
            let length = Int(h.length)
            let chunks = (length + Format.indexChunkLength - 1) / Format.indexChunkLength
            guard 36 + length + 8 * chunks == b.count,
                  Hash.xxh3(UnsafeRawBufferPointer(rebasing: b[(36 + length)...])) == h.checksum else { return nil }
            return (all, 36..<(36 + length), ChunkChecks(all, bodyStart: 36, bodyLength: length))
        }
    }

    /// A file written with `compress: false`, mapped (see `ByteBuffer`) and checked; the
    /// body is `buffer.raw[body]`. Nil when missing, damaged, compressed or of another kind.
    public static func readMapped(_ path: String, kind: UInt32, version: UInt32) -> (buffer: ByteBuffer, body: Range<Int>)? {
        guard let all = ByteBuffer.map(path) else { return nil }
        return all.withUnsafeBytes { b in
            guard let h = header(b, kind: kind, version: version), h.codec == 0, h.length == UInt64(b.count - 36),
                  Hash.xxh3(UnsafeRawBufferPointer(rebasing: b[36...])) == h.checksum else { return nil }
            return (all, 36..<b.count)
        }
    }

    public static func read(_ path: String, kind: UInt32, version: UInt32) -> [UInt8]? {
        guard let file = try? File.open(path, flags: O_RDONLY), let size = try? file.size(), size >= 36,
              let all = try? file.read(count: Int(size), at: 0),
              let h = all.withUnsafeBytes({ header($0, kind: kind, version: version) }),
              h.length < 1 << 31, h.length <= UInt64(all.count) * 256 + 1024 else { return nil }
        let body = all[36...]
        guard body.withUnsafeBytes({ Hash.xxh3($0) }) == h.checksum else { return nil }
        if h.codec == 0 { return body.count == Int(h.length) ? Array(body) : nil }
        var ok = false
        let out = [UInt8](unsafeUninitializedCapacity: Int(h.length)) { buffer, initialized in
            ok = body.withUnsafeBytes { b in LZ4Codec.decompress(b, into: UnsafeMutableRawBufferPointer(buffer)) }
            initialized = ok ? buffer.count : 0
        }
        return ok ? out : nil
    }
}

/// Small plain files beside the log (not derived: e.g. a backup's list of applied purges).
public enum StoreFile {
    /// Writes `bytes` to `path` atomically and durably (temporary file, fsync, rename, directory fsync).
    public static func writeDurably(_ bytes: [UInt8], to path: String) throws(LogError) {
        try typed {
            try FS.writeAtomically(bytes, to: path, durable: true, faults: nil)
            try FS.syncDirectory((path as NSString).deletingLastPathComponent, faults: nil)
        }
    }
}
