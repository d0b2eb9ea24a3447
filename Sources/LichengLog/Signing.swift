import CCrypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An Ed25519 public key (32 raw bytes).
public struct PublicKey: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    /// Parses the text form `ed25519:<base64 of 32 bytes>` (the prefix may be left out).
    public init?(text: String) {
        var t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if t.hasPrefix("ed25519:") { t.removeFirst(8) }
        guard let data = Data(base64Encoded: t), data.count == 32 else { return nil }
        bytes = Array(data)
    }

    /// `ed25519:<base64>`: what `licheng school key` prints and `school trust --key` reads.
    public var text: String { "ed25519:" + Data(bytes).base64EncodedString() }
    public var description: String { text }

    /// True when `signature` is this key's Ed25519 signature of `message`.
    public func verify(_ signature: [UInt8], of message: [UInt8]) -> Bool {
        guard signature.count == 64 else { return false }
        guard let key = bytes.withUnsafeBufferPointer({ EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, $0.baseAddress, 32) }) else { return false }
        defer { EVP_PKEY_free(key) }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, nil, nil, key) == 1 else { return false }
        return signature.withUnsafeBufferPointer { s in
            message.withUnsafeBufferPointer { m in
                EVP_DigestVerify(context, s.baseAddress, 64, m.baseAddress ?? UnsafePointer(bitPattern: 1), m.count) == 1
            }
        }
    }
}

/// An Ed25519 private key (its 32-byte seed). Signs checkpoints of the chain
/// and transfer bundles. Kept in memory only while a writer runs.
public struct SigningKey: Sendable {
    let seed: [UInt8]
    public let publicKey: PublicKey

    /// A new random key (from the operating system's generator).
    public static func generate() throws(LogError) -> SigningKey {
        var seed = [UInt8](repeating: 0, count: 32)
        let ok = seed.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, 32) == 1 }
        guard ok else { throw LogError.key(path: "", reason: "the system could not supply random bytes for a new key") }
        guard let key = SigningKey(seed: seed) else { throw LogError.key(path: "", reason: "OpenSSL could not make an Ed25519 key") }
        return key
    }

    public init?(seed: [UInt8]) {
        guard seed.count == 32 else { return nil }
        guard let key = seed.withUnsafeBufferPointer({ EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, $0.baseAddress, 32) }) else { return nil }
        defer { EVP_PKEY_free(key) }
        var pub = [UInt8](repeating: 0, count: 32)
        var length = 32
        guard pub.withUnsafeMutableBufferPointer({ EVP_PKEY_get_raw_public_key(key, $0.baseAddress, &length) }) == 1, length == 32 else { return nil }
        self.seed = seed
        publicKey = PublicKey(bytes: pub)!
    }

    /// The Ed25519 signature (64 bytes) of `message`.
    public func sign(_ message: [UInt8]) -> [UInt8] {
        guard let key = seed.withUnsafeBufferPointer({ EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, $0.baseAddress, 32) }) else {
            preconditionFailure("a valid Ed25519 seed could not be loaded")
        }
        defer { EVP_PKEY_free(key) }
        let context = EVP_MD_CTX_new()!
        defer { EVP_MD_CTX_free(context) }
        precondition(EVP_DigestSignInit(context, nil, nil, nil, key) == 1, "EVP_DigestSignInit failed")
        var signature = [UInt8](repeating: 0, count: 64)
        var length = 64
        let ok = signature.withUnsafeMutableBufferPointer { s in
            message.withUnsafeBufferPointer { m in
                EVP_DigestSign(context, s.baseAddress, &length, m.baseAddress ?? UnsafePointer(bitPattern: 1), m.count)
            }
        }
        precondition(ok == 1 && length == 64, "EVP_DigestSign failed")
        return signature
    }
}

/// The store's key files in `<store>/keys/`: `signing.key` (the private key,
/// mode 0600, never copied by `backup`) and `signing.pub` (the public key,
/// copied with backups so that a copy can check its own signatures). Other
/// schools' keys are events (`school.trusted`), not files.
public enum StoreKeys {
    static let directory = "keys"
    static let privateName = "signing.key"
    static let publicName = "signing.pub"
    static let privatePrefix = "licheng-ed25519-private-key:"

    public static func privateKeyPath(store: String) -> String { FS.join(FS.join(store, directory), privateName) }
    public static func publicKeyPath(store: String) -> String { FS.join(FS.join(store, directory), publicName) }

    /// Creates a new key pair for the store; refuses to overwrite an existing one.
    @discardableResult
    public static func create(store: String) throws(LogError) -> SigningKey {
        let key = try SigningKey.generate()
        try install(key, store: store)
        return key
    }

    /// Writes `key` as the store's key pair (private key file mode 0600, durable).
    public static func install(_ key: SigningKey, store: String) throws(LogError) {
        let path = privateKeyPath(store: store)
        try typed {
            if FS.exists(path) { throw LogError.key(path: path, reason: "the store already has a signing key; it is never replaced silently") }
            if FS.exists(publicKeyPath(store: store)) {
                throw LogError.key(path: path, reason: "the store has a public key but its private key is missing; restore keys/signing.key from its separate backup (a new key would not match the existing signatures)")
            }
            try FS.makeDirectory(FS.join(store, directory))
            let text = Array((privatePrefix + Data(key.seed).base64EncodedString() + "\n").utf8)
            let temporary = path + ".tmp.\(getpid())"
            let file = try File.open(temporary, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
            _ = fchmod(file.fd, 0o600)
            try file.write(text, at: 0)
            try file.sync()
            // link() fails if the key appeared meanwhile (two `create-key` at once): never
            // replace a key; the temporary name goes either way.
            let linked = link(temporary, path)
            let linkError = errno
            _ = unlink(temporary)
            if linked != 0 {
                throw LogError.key(path: path, reason: linkError == EEXIST ? "the store already has a signing key; it is never replaced silently"
                                                                          : "could not install the key (\(String(cString: strerror(linkError))))")
            }
            try FS.writeAtomically(Array((key.publicKey.text + "\n").utf8), to: publicKeyPath(store: store), durable: true, faults: nil)
            try FS.syncDirectory(FS.join(store, directory), faults: nil)
        }
    }

    /// The store's private key, or nil when it has none (stores made before keys
    /// existed, or a backup copy). A key file readable by others is refused, and so is one
    /// that does not match the store's public key.
    public static func loadPrivate(store: String) throws(LogError) -> SigningKey? {
        guard let seed = try privateSeed(store: store) else { return nil }
        let path = privateKeyPath(store: store)
        guard let key = SigningKey(seed: seed) else { throw LogError.key(path: path, reason: "OpenSSL could not load it as an Ed25519 key") }
        if let pub = try loadPublic(store: store), pub != key.publicKey {
            throw LogError.key(path: path, reason: "it does not match the public key in \(publicKeyPath(store: store))")
        }
        return key
    }

    /// The seed in the store's private key file, or nil when it has none: the checks that
    /// need no cryptography (the file's mode and form), cheap enough for every command that
    /// opens a store for writing. `loadPrivate` makes the key (and checks it against the
    /// public key) when a seal or checkpoint first needs it.
    public static func privateSeed(store: String) throws(LogError) -> [UInt8]? {
        let path = privateKeyPath(store: store)
        guard FS.exists(path) else { return nil }
        var st = stat()
        guard stat(path, &st) == 0 else { throw LogError.io(operation: "stat", path: path, errno: errno) }
        if st.st_mode & 0o077 != 0 {
            throw LogError.key(path: path, reason: "the private key file can be read by other users (mode \(String(st.st_mode & 0o777, radix: 8))); run 'chmod 600 \(path)'")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw LogError.key(path: path, reason: "it cannot be read") }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix(privatePrefix), let seed = Data(base64Encoded: String(text.dropFirst(privatePrefix.count))), seed.count == 32 else {
            throw LogError.key(path: path, reason: "it is not a Licheng private key (expected one line '\(privatePrefix)<base64>')")
        }
        return Array(seed)
    }

    /// The store's public key, or nil when it has none.
    public static func loadPublic(store: String) throws(LogError) -> PublicKey? {
        let path = publicKeyPath(store: store)
        guard FS.exists(path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path), let key = PublicKey(text: String(decoding: data, as: UTF8.self)) else {
            throw LogError.key(path: path, reason: "it is not an Ed25519 public key ('ed25519:<base64>')")
        }
        return key
    }

}

/// A signed statement "store S holds seq N with chain head H, as of time T".
/// Signed message (72 bytes): `LCHG-CKP` ‖ storeID (16) ‖ seq u64 ‖ chainHead (32) ‖ time i64.
public struct Checkpoint: Sendable, Equatable {
    public var storeID: [UInt8]
    public var seq: UInt64
    public var chainHead: Digest
    /// µs since the epoch: the time of the record at `seq` for a segment seal, the clock for `licheng checkpoint`.
    public var time: Int64
    public var signature: [UInt8]

    public init(storeID: [UInt8], seq: UInt64, chainHead: Digest, time: Int64, signature: [UInt8] = []) {
        self.storeID = storeID; self.seq = seq; self.chainHead = chainHead; self.time = time; self.signature = signature
    }

    static let magic: [UInt8] = Array("LCHG-CKP".utf8)
    /// Bytes of one entry in the CHECKPOINTS file.
    static let entryLength = 168

    public var message: [UInt8] {
        var out = Checkpoint.magic
        out.append(contentsOf: storeID)
        out.appendLE(seq)
        out.append(contentsOf: chainHead.bytes)
        out.appendLE(time)
        return out
    }

    public func verify(with key: PublicKey) -> Bool { key.verify(signature, of: message) }

    /// Entry: message (72) ‖ public key (32) ‖ signature (64) = 168 bytes, no checksum
    /// of its own (the signature covers the message; a damaged entry fails to verify).
    func encodeEntry(publicKey: PublicKey) -> [UInt8] {
        message + publicKey.bytes + signature
    }

    static func decodeEntry(_ b: ArraySlice<UInt8>) -> (Checkpoint, PublicKey)? {
        let b = Array(b)
        guard b.count == entryLength, Array(b[0..<8]) == magic, let key = PublicKey(bytes: Array(b[72..<104])) else { return nil }
        return (Checkpoint(storeID: Array(b[8..<24]), seq: b.le(UInt64.self, at: 24)!, chainHead: Digest(bytes: Array(b[32..<64])),
                           time: b.le(Int64.self, at: 64)!, signature: Array(b[104..<168])), key)
    }
}
