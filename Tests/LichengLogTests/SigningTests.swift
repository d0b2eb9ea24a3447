import Foundation
import Testing
import TestSupport
@testable import LichengLog

@Suite struct SigningTests {
    @Test func ed25519SignsAndVerifiesAndRejectsChangedMessages() throws {
        let key = try SigningKey.generate()
        let message = Array("LCHG test message".utf8)
        let signature = key.sign(message)
        #expect(signature.count == 64)
        #expect(key.publicKey.verify(signature, of: message))
        var changed = message; changed[0] ^= 1
        #expect(!key.publicKey.verify(signature, of: changed))
        var badSignature = signature; badSignature[10] ^= 0x40
        #expect(!key.publicKey.verify(badSignature, of: message))
        let other = try SigningKey.generate()
        #expect(!other.publicKey.verify(signature, of: message))
        #expect(PublicKey(text: key.publicKey.text) == key.publicKey)
        #expect(PublicKey(text: "ed25519:not-base64") == nil)
        // RFC 8032 test 1: the empty message.
        let seed = hexBytes("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
        let rfc = try #require(SigningKey(seed: seed))
        #expect(hexString(rfc.publicKey.bytes) == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        #expect(hexString(rfc.sign([])) == "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
    }

    @Test func keyFilesArePrivateAndRoundTrip() throws {
        let dir = TemporaryDirectory("keys"); defer { dir.remove() }
        let key = try StoreKeys.create(store: dir.path)
        var st = stat()
        #expect(stat(StoreKeys.privateKeyPath(store: dir.path), &st) == 0)
        #expect(st.st_mode & 0o777 == 0o600)
        let loaded = try #require(try StoreKeys.loadPrivate(store: dir.path))
        #expect(loaded.publicKey == key.publicKey)
        #expect(try StoreKeys.loadPublic(store: dir.path) == key.publicKey)
        #expect(throws: LogError.self) { try StoreKeys.create(store: dir.path) }
        chmod(StoreKeys.privateKeyPath(store: dir.path), 0o644)
        #expect(throws: LogError.self) { try StoreKeys.loadPrivate(store: dir.path) }
    }

    /// A signer left to load when needed: nothing cryptographic happens until a seal or a
    /// checkpoint needs the key; a key that does not match the public key then stops the
    /// seal before anything changes (the append that needed it fails, the log stays as it was)
    /// and the checkpoint, every time; a matching key signs as if loaded at once.
    @Test func aSignerLoadedWhenNeededChecksTheKeyBeforeItsFirstSeal() throws {
        let dir = TemporaryDirectory("lazy-signer"); defer { dir.remove() }
        let store = dir.sub("store")
        let options = LogOptions(segmentTargetBytes: 8 << 10, blockTargetBytes: 1 << 10)
        let log = try Log.create(at: store, options: options)
        try StoreKeys.create(store: store)
        // Another key's public half: the pair no longer matches.
        let original = try #require(try StoreKeys.loadPublic(store: store))
        let stranger = try SigningKey.generate()
        writeFileBytes(StoreKeys.publicKeyPath(store: store), Array((stranger.publicKey.text + "\n").utf8))
        #expect(try StoreKeys.privateSeed(store: store) != nil)
        log.loadSignerWhenNeeded { () throws(LogError) in try StoreKeys.loadPrivate(store: store) }
        var appended = 0
        var sealError: LogError?
        for i in 0..<40 {
            do { try log.append(makeRecords(10, from: i * 10)); appended += 10 } catch { sealError = error; break }
        }
        #expect("\(String(describing: sealError))".contains("does not match the public key"))
        #expect(log.lastSeq == UInt64(appended))
        #expect(throws: LogError.self) { try log.checkpoint() }
        #expect(throws: LogError.self) { try log.append(makeRecords(10, from: appended)) }
        #expect(log.lastSeq == UInt64(appended))
        #expect(try log.verify().sealedSegments == 0)

        // With the pair restored, the same log seals and signs.
        writeFileBytes(StoreKeys.publicKeyPath(store: store), Array((original.text + "\n").utf8))
        for i in 0..<20 { try log.append(makeRecords(10, from: appended + i * 10)) }
        try log.checkpoint()
        let report = try log.verify()
        #expect(report.sealedSegments >= 1 && report.signedSegments == report.sealedSegments)
        log.close()
    }

    @Test func sealedSegmentsAndCheckpointsAreSignedAndVerified() throws {
        let dir = TemporaryDirectory("signed"); defer { dir.remove() }
        let store = dir.sub("store")
        let options = LogOptions(segmentTargetBytes: 8 << 10, blockTargetBytes: 1 << 10)
        let log = try Log.create(at: store, options: options)
        log.signer = try StoreKeys.create(store: store)
        for i in 0..<20 { try log.append(makeRecords(10, from: i * 10)) }
        let checkpoint = try log.checkpoint()
        #expect(checkpoint.seq == 200)
        let report = try log.verify()
        #expect(report.sealedSegments >= 2)
        #expect(report.signedSegments == report.sealedSegments)
        #expect(report.checkpoints == 1)
        #expect(report.signedThrough == 200)
        #expect(!report.signaturesUnchecked)
        log.close()

        // A backup carries the public key and the checkpoints it covers, never the private key.
        let reopened = try Log.open(at: store, mode: .read)
        _ = try reopened.backup(to: dir.sub("backup"))
        #expect(FileManager.default.fileExists(atPath: dir.sub("backup/keys/signing.pub")))
        #expect(!FileManager.default.fileExists(atPath: dir.sub("backup/keys/signing.key")))
        #expect(try Log.open(at: dir.sub("backup"), mode: .read).verify().checkpoints == 1)

        // A footer whose signature is changed (checksum fixed) fails verify, naming the segment.
        let sealed = segmentFiles(store)[0]
        var bytes = readFileBytes(sealed)
        let footer = bytes.count - Format.footerLength
        bytes[footer + 130] ^= 0x01
        bytes.storeLE(Hash.xxh3(Array(bytes[footer..<(footer + 184)]), upTo: 184), at: footer + 184)
        writeFileBytes(sealed, bytes)
        let damaged = try Log.open(at: store, mode: .read)
        #expect { try damaged.verify() } throws: { error in
            guard case LogError.checkpoint(let file, _, _) = error else { return false }
            return file.hasPrefix("segments/")
        }
    }

    @Test func truncatedLogBeforeACheckpointIsReported() throws {
        let dir = TemporaryDirectory("ckpt-trunc"); defer { dir.remove() }
        let store = dir.sub("store")
        let log = try Log.create(at: store)
        log.signer = try StoreKeys.create(store: store)
        try log.append(makeRecords(10))
        let segment = segmentFiles(store)[0]
        let before = readFileBytes(segment)
        try log.append(makeRecords(10, from: 10))
        try log.checkpoint()
        log.close()
        // Drop the second batch (as an attacker rolling the log back would).
        writeFileBytes(segment, before)
        try? FileManager.default.removeItem(atPath: store + "/index")
        let reopened = try Log.open(at: store, mode: .read)
        #expect(reopened.lastSeq == 10)
        #expect { try reopened.verify() } throws: { error in
            guard case LogError.checkpoint(_, let seq, let reason) = error else { return false }
            return seq == 20 && reason.contains("removed")
        }
    }
}

func hexBytes(_ hex: String) -> [UInt8] { bytesFromHex(hex)! }
