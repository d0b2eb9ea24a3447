import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension Log {
    var checkpointsPath: String { FS.join(path, Format.checkpointsFileName) }

    /// Signs the current chain head with `signer` and appends it to `CHECKPOINTS`
    /// (durably). Writer only.
    @discardableResult
    public func checkpoint(time: Int64? = nil) throws(LogError) -> Checkpoint {
        guard mode == .write else { throw LogError.notWritable(reason: "it was opened for reading") }
        guard let key = try signingKey() else {
            throw LogError.key(path: StoreKeys.privateKeyPath(store: path), reason: "the store has no signing key, so it cannot sign checkpoints")
        }
        // No append runs while the checkpoint is taken (the head is read once).
        beginExclusive()
        defer { endExclusive() }
        var checkpoint = Checkpoint(storeID: storeID, seq: lastSeq, chainHead: chainHead, time: time ?? currentMicroseconds())
        checkpoint.signature = key.sign(checkpoint.message)
        try typed {
            let existed = FS.exists(checkpointsPath)
            let file = try File.open(checkpointsPath, flags: O_RDWR | O_CREAT, faults: options.faults)
            let size = try file.size()
            // A torn last entry (a crash mid-write) is cut off before appending.
            let whole = size - size % Int64(Checkpoint.entryLength)
            if whole != size { try file.truncate(to: whole) }
            try file.write(checkpoint.encodeEntry(publicKey: key.publicKey), at: whole)
            try file.sync()
            if !existed { try FS.syncDirectory(path, faults: options.faults) }
        }
        return checkpoint
    }

    /// The checkpoints in `CHECKPOINTS` with the key stored beside each, oldest
    /// first. A torn last entry is ignored.
    public func checkpoints() throws(LogError) -> [(Checkpoint, PublicKey)] {
        try Log.readCheckpoints(checkpointsPath)
    }

    static func readCheckpoints(_ file: String) throws(LogError) -> [(Checkpoint, PublicKey)] {
        guard FS.exists(file) else { return [] }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw LogError.io(operation: "read", path: file, errno: errno)
        }
        let bytes = Array(data)
        var out: [(Checkpoint, PublicKey)] = []
        var offset = 0
        while offset + Checkpoint.entryLength <= bytes.count {
            guard let entry = Checkpoint.decodeEntry(bytes[offset..<(offset + Checkpoint.entryLength)]) else {
                throw LogError.checkpoint(file: Format.checkpointsFileName, seq: 0,
                                          reason: "the entry at byte offset \(offset) is damaged (wrong magic or key)")
            }
            out.append(entry)
            offset += Checkpoint.entryLength
        }
        return out
    }

    /// The signature of a sealed segment's footer, as a checkpoint (nil when unsigned).
    func footerCheckpoint(_ footer: SegmentFooter) -> Checkpoint? {
        guard footer.flags & Format.footerFlagSigned != 0 else { return nil }
        return Checkpoint(storeID: storeID, seq: footer.lastSeq, chainHead: footer.chainHead, time: footer.lastTimestamp,
                          signature: footer.signature)
    }
}
