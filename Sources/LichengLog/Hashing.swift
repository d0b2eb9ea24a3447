import CCrypto
import CXXHash

/// A SHA-256 digest: 32 bytes, compared and stored by value.
public struct Digest: Hashable, Sendable, CustomStringConvertible {
    public var bytes: [UInt8]
    public static let zero = Digest(bytes: [UInt8](repeating: 0, count: 32))

    public init(bytes: [UInt8]) {
        precondition(bytes.count == 32, "a SHA-256 digest has 32 bytes")
        self.bytes = bytes
    }

    init(_ buffer: UnsafeRawBufferPointer, at offset: Int) {
        bytes = Array(buffer[offset..<(offset + 32)])
    }

    public var hex: String { hexString(bytes) }
    public var description: String { hex }
}

enum Hash {
    /// XXH3-64 (seed 0): the block and header checksum.
    @inline(__always)
    static func xxh3(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        XXH3_64bits(bytes.baseAddress, bytes.count)
    }

    static func xxh3(_ bytes: [UInt8], upTo end: Int) -> UInt64 {
        bytes.withUnsafeBytes { xxh3(UnsafeRawBufferPointer(rebasing: $0[0..<end])) }
    }

    /// SHA-256 of `bytes`, written to `out` (32 bytes). OpenSSL 3's one-shot
    /// `SHA256()` fetches the algorithm through EVP on every call (a lock and name
    /// lookups); `licheng_sha256` (CCrypto's `sha256_pair.h`) hands the message's whole
    /// blocks, read in place, and its padded tail straight to the SHA-NI block function.
    @inline(__always)
    static func sha256(_ bytes: UnsafeRawBufferPointer, into out: UnsafeMutableRawPointer) {
        licheng_sha256(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, out.assumingMemoryBound(to: UInt8.self))
    }

    static func sha256(_ bytes: UnsafeRawBufferPointer) -> Digest {
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBytes { sha256(bytes, into: $0.baseAddress!) }
        return Digest(bytes: out)
    }

    static func sha256(_ bytes: [UInt8]) -> Digest {
        bytes.withUnsafeBytes { sha256($0) }
    }
}

/// The tamper-evidence chain: chain(n) = SHA-256(chain(n-1) ‖ digest(n)),
/// chain(0) = 32 zero bytes. Kept in a fixed buffer so extending it allocates nothing.
struct Chain {
    /// 64 bytes: the current head followed by room for the next record digest.
    private var scratch = [UInt8](repeating: 0, count: 64)

    init(head: Digest = .zero) {
        scratch.replaceSubrange(0..<32, with: head.bytes)
    }

    var head: Digest { Digest(bytes: Array(scratch[0..<32])) }

    /// Extends the chain with the SHA-256 of `recordBytes`.
    @inline(__always)
    mutating func extend(hashing recordBytes: UnsafeRawBufferPointer) {
        scratch.withUnsafeMutableBytes { s in
            Hash.sha256(recordBytes, into: s.baseAddress! + 32)
            Hash.sha256(UnsafeRawBufferPointer(s), into: s.baseAddress!)
        }
    }

    /// Extends the chain with a digest that is already known (a redacted record).
    mutating func extend(withDigest digest: UnsafeRawBufferPointer) {
        scratch.withUnsafeMutableBytes { s in
            s.baseAddress!.advanced(by: 32).copyMemory(from: digest.baseAddress!, byteCount: 32)
            Hash.sha256(UnsafeRawBufferPointer(s), into: s.baseAddress!)
        }
    }

    /// Extends the chain with a known `digest` and, at the same time, writes the SHA-256
    /// of `record` to `digestOut` (32 bytes): two independent hashes issued together.
    @inline(__always)
    mutating func extend(withDigest digest: UnsafeRawPointer, whileHashing record: UnsafeRawBufferPointer,
                         into digestOut: UnsafeMutableRawPointer) {
        scratch.withUnsafeMutableBytes { s in
            let base = s.baseAddress!.assumingMemoryBound(to: UInt8.self)
            (base + 32).update(from: digest.assumingMemoryBound(to: UInt8.self), count: 32)
            licheng_sha256_pair(base, 64, base, record.baseAddress?.assumingMemoryBound(to: UInt8.self), record.count,
                                digestOut.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// Compares the head with 32 bytes at `offset` of `buffer`.
    func headEquals(_ buffer: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        scratch.withUnsafeBytes { s in memcmp32(s.baseAddress!, buffer.baseAddress! + offset) }
    }

    func writeHead(to out: UnsafeMutableRawPointer) {
        scratch.withUnsafeBytes { out.copyMemory(from: $0.baseAddress!, byteCount: 32) }
    }
}

/// Extends a chain over records given one at a time, hashing each record next to the
/// previous record's chain link (`Chain.extend(withDigest:whileHashing:into:)`): the
/// head lags one record behind until `flush()`.
struct PipelinedChain {
    private(set) var chain: Chain
    /// The digest of the last record, not yet linked into the chain.
    private var pending = [UInt8](repeating: 0, count: 32)
    private var hasPending = false

    init(head: Digest) { chain = Chain(head: head) }
    init(_ chain: Chain) { self.chain = chain }

    @inline(__always)
    mutating func extend(hashing record: UnsafeRawBufferPointer) {
        pending.withUnsafeMutableBytes { p in
            if hasPending {
                chain.extend(withDigest: UnsafeRawPointer(p.baseAddress!), whileHashing: record, into: p.baseAddress!)
            } else {
                Hash.sha256(record, into: p.baseAddress!)
            }
        }
        hasPending = true
    }

    /// Extends the chain with a digest that is already known (a redacted record).
    mutating func extend(withDigest digest: UnsafeRawBufferPointer) {
        flush()
        chain.extend(withDigest: digest)
    }

    /// Links the last record's digest, so that `head` covers every record given.
    mutating func flush() {
        guard hasPending else { return }
        pending.withUnsafeBytes { chain.extend(withDigest: $0) }
        hasPending = false
    }

    /// The head over every record given.
    var head: Digest {
        mutating get { flush(); return chain.head }
    }

    /// The chain over every record given.
    var linked: Chain {
        mutating get { flush(); return chain }
    }
}

@inline(__always)
func memcmp32(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer) -> Bool {
    for i in stride(from: 0, to: 32, by: 8) where a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
        return false
    }
    return true
}

/// An incremental SHA-256 over a byte stream (the segment body digest).
final class StreamingSHA256 {
    private var context = SHA256_CTX()

    init() { SHA256_Init(&context) }

    func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        SHA256_Update(&context, bytes.baseAddress, bytes.count)
    }

    func finish() -> Digest {
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBufferPointer { _ = SHA256_Final($0.baseAddress, &context) }
        return Digest(bytes: out)
    }
}
