/// A record to append: opaque payload bytes, a timestamp (microseconds since
/// the Unix epoch, UTC) and an optional stream key that the log indexes.
public struct RecordInput: Sendable, Equatable {
    public var timestamp: Int64
    public var key: String?
    public var payload: [UInt8]

    public init(timestamp: Int64, key: String? = nil, payload: [UInt8]) {
        self.timestamp = timestamp
        self.key = key
        self.payload = payload
    }
}

/// A stored record, copied out of its block.
public struct Record: Sendable, Equatable {
    public var seq: UInt64
    public var timestamp: Int64
    public var key: String?
    /// The payload; for a redacted record, empty.
    public var payload: [UInt8]
    /// True when the payload was removed by a purge; `redactedDigest` then holds its digest.
    public var isRedacted: Bool
    public var redactedDigest: Digest?

    public init(seq: UInt64, timestamp: Int64, key: String?, payload: [UInt8]) {
        self.seq = seq
        self.timestamp = timestamp
        self.key = key
        self.payload = payload
        isRedacted = false
        redactedDigest = nil
    }

    public init(_ view: RecordView) {
        seq = view.seq
        timestamp = view.timestamp
        key = view.keyString
        isRedacted = view.isRedacted
        payload = view.isRedacted ? [] : Array(view.payload)
        redactedDigest = view.isRedacted ? Digest(view.payload, at: 0) : nil
    }
}

/// A record seen in place inside a decoded block. The buffers are valid only
/// inside the closure that receives the view; copy what you keep.
public struct RecordView {
    public let seq: UInt64
    public let timestamp: Int64
    public let isRedacted: Bool
    /// UTF-8 bytes of the stream key; empty when the record has none.
    public let key: UnsafeRawBufferPointer
    /// The payload bytes; for a redacted record, the 32-byte digest that replaced them.
    public let payload: UnsafeRawBufferPointer
    /// The bytes the record digest covers (seq through the end of the payload).
    let hashedBytes: UnsafeRawBufferPointer

    public var keyString: String? {
        key.isEmpty ? nil : String(decoding: key, as: UTF8.self)
    }

    /// The record's SHA-256 digest: computed from its bytes, or stored if redacted.
    public var digest: Digest {
        isRedacted ? Digest(payload, at: 0) : Hash.sha256(hashedBytes)
    }

    /// True when the key equals `utf8`.
    public func keyEquals(_ utf8: [UInt8]) -> Bool {
        guard key.count == utf8.count else { return false }
        return utf8.withUnsafeBytes { memcmp($0.baseAddress!, key.baseAddress!, key.count) == 0 }
    }
}

#if canImport(Glibc)
import Glibc
#endif
