import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One segment as `licheng log segments` shows it.
public struct SegmentInfo: Sendable, Equatable {
    public var name: String
    public var firstSeq: UInt64
    public var lastSeq: UInt64
    public var bytes: Int64
    public var sealed: Bool
    public var blocks: UInt64
    public var chainHead: Digest
}

/// What a backup copied.
public struct BackupReport: Sendable, Equatable {
    public var destination: String
    public var segments: Int
    public var bytes: Int64
    public var lastSeq: UInt64
    public var chainHead: Digest
}

extension Log {
    public var segmentInfos: [SegmentInfo] {
        stateLock.lock(); defer { stateLock.unlock() }
        return segments.map {
            SegmentInfo(name: $0.name, firstSeq: $0.firstSeq, lastSeq: $0.lastSeq,
                        bytes: $0.end + ($0.isSealed ? Int64(Format.footerLength) : 0), sealed: $0.isSealed,
                        blocks: $0.blockCount, chainHead: $0.chainHead)
        }
    }

    /// Copies the store's committed state into `destination` (missing or empty)
    /// while writers may go on: sealed segments whole, the active segment up to
    /// its committed end at the moment of the call. The copy is an exact prefix
    /// of this store and opens and verifies on its own. Indexes are not copied
    /// (they are rebuilt). Every copied file and directory is fsynced.
    public func backup(to destination: String, progress: ((LogProgress) -> Void)? = nil) throws(LogError) -> BackupReport {
        try typed {
            if FS.exists(destination) {
                guard FS.isDirectory(destination), try FS.list(destination).isEmpty else { throw LogError.notEmpty(path: destination) }
            } else {
                try FS.makeDirectories(destination)
            }
            let snapshot = snapshotSegments()
            stateLock.lock()
            let lengths = snapshot.map { $0.end + ($0.isSealed ? Int64(Format.footerLength) : 0) }
            let last = snapshot.last?.lastSeq ?? 0
            let head = snapshot.last?.chainHead ?? .zero
            stateLock.unlock()
            let total = lengths.reduce(0, +)
            let destinationSegments = FS.join(destination, Format.segmentsDirectory)
            try FS.makeDirectory(destinationSegments)
            try FS.makeDirectory(FS.join(destination, Format.indexDirectory))
            var copied: Int64 = 0
            var buffer = [UInt8](repeating: 0, count: 4 << 20)
            for (segment, length) in zip(snapshot, lengths) {
                let out = try File.open(FS.join(destinationSegments, segment.name), flags: O_WRONLY | O_CREAT | O_EXCL)
                var offset: Int64 = 0
                while offset < length {
                    let n = Int(min(Int64(buffer.count), length - offset))
                    let got = try buffer.withUnsafeMutableBytes { try segment.file.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<n]), at: offset) }
                    guard got == n else { throw LogError.corrupt(segment: segment.name, offset: offset + Int64(got), reason: "the segment is shorter than its committed length") }
                    try buffer.withUnsafeBytes { try out.write(UnsafeRawBufferPointer(rebasing: $0[0..<n]), at: offset) }
                    offset += Int64(n)
                    copied += Int64(n)
                    progress?(LogProgress(done: copied, total: total))
                }
                try out.sync()
            }
            try FS.syncDirectory(destinationSegments, faults: nil)
            // The public key and the checkpoints that the copy covers (never the private key:
            // it is backed up separately, see docs/OPERATIONS.md).
            let keys = FS.join(path, StoreKeys.directory)
            if FS.exists(StoreKeys.publicKeyPath(store: path)) {
                let keysOut = FS.join(destination, StoreKeys.directory)
                try FS.makeDirectory(keysOut)
                for name in [StoreKeys.publicName] {
                    let bytes = Array(FileManager.default.contents(atPath: FS.join(keys, name)) ?? Data())
                    try FS.writeAtomically(bytes, to: FS.join(keysOut, name), durable: true, faults: nil)
                }
                try FS.syncDirectory(keysOut, faults: nil)
            }
            let covered = try checkpoints().filter { $0.0.seq <= last }
            if !covered.isEmpty {
                try FS.writeAtomically(covered.flatMap { $0.0.encodeEntry(publicKey: $0.1) }, to: FS.join(destination, Format.checkpointsFileName),
                                       durable: true, faults: nil)
            }
            let store = try File.open(FS.join(path, Format.storeFileName), flags: O_RDONLY).read(count: Format.storeFileLength, at: 0)
            try FS.writeAtomically(store, to: FS.join(destination, Format.storeFileName), durable: true, faults: nil)
            try FS.syncDirectory(destination, faults: nil)
            return BackupReport(destination: destination, segments: snapshot.count, bytes: copied, lastSeq: last, chainHead: head)
        }
    }
}
