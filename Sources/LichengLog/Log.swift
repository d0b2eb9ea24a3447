import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Tunables of a log; none of them is part of the on-disk format.
public struct LogOptions: Sendable {
    /// A segment is sealed and a new one started once it reaches this size.
    public var segmentTargetBytes: Int64 = 64 << 20
    /// Records are packed into blocks of about this many uncompressed bytes.
    public var blockTargetBytes: Int = 64 << 10
    /// The writer rewrites the active segment's index after this many new bytes.
    public var indexRefreshBytes: Int64 = 4 << 20
    /// How long `open(mode: .write)` waits for another writer to finish (0: fail at once).
    /// A short default also rides out a lock still shared for an instant with a
    /// child process between its fork and exec.
    public var lockWaitSeconds: Double = 2
    /// The most the writer zero-fills ahead of the active segment's end (0: never). A
    /// batch written inside zeros already made durable needs only `fdatasync` (the file's
    /// size does not change), about half the cost of the `fsync` of a growing file. The
    /// reservation starts at nothing and doubles with each extension (one CLI append
    /// writes no zeros); closing and sealing cut it off.
    public var reservationBytes: Int64 = 4 << 20
    /// The syscall seam used by fault-injection tests.
    public var faults: FaultInjector?

    public init(segmentTargetBytes: Int64 = 64 << 20, blockTargetBytes: Int = 64 << 10,
                indexRefreshBytes: Int64 = 4 << 20, lockWaitSeconds: Double = 2, reservationBytes: Int64 = 4 << 20,
                faults: FaultInjector? = nil) {
        self.segmentTargetBytes = segmentTargetBytes
        self.blockTargetBytes = blockTargetBytes
        self.indexRefreshBytes = indexRefreshBytes
        self.lockWaitSeconds = lockWaitSeconds
        self.reservationBytes = reservationBytes
        self.faults = faults
    }
}

public enum AccessMode: Sendable { case write, read }

/// What opening the store dropped from the tail of the active segment.
public struct RecoveryReport: Sendable, Equatable, CustomStringConvertible {
    public var segment: String
    /// Where the kept data ends; everything from here on was removed.
    public var offset: Int64
    public var droppedBytes: Int64
    public var reason: String
    /// The last seq kept.
    public var lastSeq: UInt64

    public var description: String {
        "Recovered after an interrupted write: dropped \(droppedBytes) bytes at the end of segment '\(segment)' from byte offset \(offset) (\(reason)); the store ends at seq \(lastSeq)."
    }
}

/// One segment file and what is known about it. Mutable fields change only
/// under `Log.stateLock`.
final class Segment: @unchecked Sendable {
    let name: String
    let path: String
    let header: SegmentHeader
    let file: File
    var footer: SegmentFooter?
    /// End of the committed blocks (the footer offset once sealed).
    var end: Int64
    var lastSeq: UInt64
    var lastTimestamp: Int64
    var chainHead: Digest
    var blockCount: UInt64
    /// The loaded index: all blocks of a sealed segment, a prefix of the active one.
    var index: SegmentIndex?
    /// Active segment only: committed blocks and keyed seqs beyond the index. Appends
    /// add keyed seqs to `ungroupedTailKeys` in commit order (no hashing on the append
    /// path); whoever reads the tail groups them first (`tailKeysByKey()`).
    var tailBlocks: [BlockEntry] = []
    private var groupedTailKeys: [String: [UInt64]] = [:]
    private var ungroupedTailKeys: [(key: String, seq: UInt64)] = []
    var tailBytes: Int64 = 0
    /// Active segment, writer only: where the file ends when the writer has zero-filled
    /// past `end` (see `LogOptions.reservationBytes`); 0 when it has not.
    var reservedEnd: Int64 = 0

    /// Records a keyed seq of a committed batch. Call with `stateLock` held.
    func addTailKey(_ key: String, seq: UInt64) { ungroupedTailKeys.append((key, seq)) }

    /// The tail's keyed seqs by key, grouping those not grouped yet. Call with `stateLock` held.
    func tailKeysByKey() -> [String: [UInt64]] {
        if !ungroupedTailKeys.isEmpty {
            Segment.group(ungroupedTailKeys, into: &groupedTailKeys)
            ungroupedTailKeys.removeAll(keepingCapacity: true)
        }
        return groupedTailKeys
    }

    /// The tail's keyed seqs as they are (grouped and not), for grouping outside the lock.
    /// Call with `stateLock` held.
    var tailKeysSnapshot: (grouped: [String: [UInt64]], ungrouped: [(key: String, seq: UInt64)]) {
        (groupedTailKeys, ungroupedTailKeys)
    }

    static func grouped(_ grouped: [String: [UInt64]], _ ungrouped: [(key: String, seq: UInt64)]) -> [String: [UInt64]] {
        var out = grouped
        group(ungrouped, into: &out)
        return out
    }

    /// Appends each keyed seq to its key's list in `keys` (in place).
    static func group(_ ungrouped: [(key: String, seq: UInt64)], into keys: inout [String: [UInt64]]) {
        for (key, seq) in ungrouped { keys[key, default: []].append(seq) }
    }

    /// Drops the tail's keyed seqs below `seq` (now covered by the index); with nil, all of
    /// them. Call with `stateLock` held.
    func dropTailKeys(below seq: UInt64?) {
        guard let seq else {
            groupedTailKeys = [:]
            ungroupedTailKeys.removeAll()
            return
        }
        var kept: [String: [UInt64]] = [:]
        for (key, seqs) in groupedTailKeys {
            let rest = seqs.drop { $0 < seq }
            if !rest.isEmpty { kept[key] = Array(rest) }
        }
        groupedTailKeys = kept
        ungroupedTailKeys.removeFirst(ungroupedTailKeys.prefix { $0.seq < seq }.count)
    }

    /// Writer only: SHA-256 of bytes [0, end), when it has followed every write.
    var bodyHasher: StreamingSHA256?

    init(name: String, path: String, header: SegmentHeader, file: File, end: Int64,
         lastSeq: UInt64, lastTimestamp: Int64, chainHead: Digest) {
        self.name = name
        self.path = path
        self.header = header
        self.file = file
        self.end = end
        self.lastSeq = lastSeq
        self.lastTimestamp = lastTimestamp
        self.chainHead = chainHead
        self.blockCount = 0
    }

    var firstSeq: UInt64 { header.firstSeq }
    var isSealed: Bool { footer != nil }
    var isEmpty: Bool { lastSeq < firstSeq }
}

/// A segmented, LZ4-compressed, checksummed, hash-chained append-only log of
/// opaque records. One writer per store (an advisory lock); any number of
/// readers, which see only whole committed batches.
public final class Log: @unchecked Sendable {
    public let path: String
    public let mode: AccessMode
    public let options: LogOptions
    public let storeID: [UInt8]
    /// Set when opening dropped an incomplete tail left by a writer that died.
    public private(set) var recovery: RecoveryReport?

    let segmentsPath: String
    let indexPath: String
    let stateLock = NSLock()
    var segments: [Segment] = []
    private var lockFile: File?
    var closed = false
    var poisonReason: String?
    private var signerValue: SigningKey?

    private var signerLoader: (@Sendable () throws(LogError) -> SigningKey?)?

    /// The key that signs each segment's footer when it is sealed (and
    /// `checkpoint()`); nil: seals are unsigned (a store without a key).
    public var signer: SigningKey? {
        get { stateLock.lock(); defer { stateLock.unlock() }; return signerValue }
        set { stateLock.lock(); signerValue = newValue; signerLoader = nil; stateLock.unlock() }
    }

    /// Makes the signer with `loader` when a seal or checkpoint first needs it: loading an
    /// Ed25519 key (OpenSSL's first use in the process) costs more than a small command's
    /// own work, and most commands seal nothing.
    public func loadSignerWhenNeeded(_ loader: @escaping @Sendable () throws(LogError) -> SigningKey?) {
        stateLock.lock()
        signerValue = nil
        signerLoader = loader
        stateLock.unlock()
    }

    /// The signer, loaded now if it was left to load when needed; a key that cannot be
    /// loaded throws (every time: nothing is sealed or signed with it).
    func signingKey() throws(LogError) -> SigningKey? {
        stateLock.lock()
        let (key, loader) = (signerValue, signerLoader)
        stateLock.unlock()
        guard key == nil, let loader else { return key }
        let loaded = try loader()
        stateLock.lock()
        if signerLoader != nil { signerValue = loaded; signerLoader = nil }
        stateLock.unlock()
        return loaded
    }

    // Group commit.
    let commitCondition = NSCondition()
    var pending: [PendingBatch] = []
    var leaderActive = false
    var encoder: BlockEncoder
    var writeBuffer: [UInt8] = []
    /// The zeros the next extension of the active segment reserves (doubles up to
    /// `options.reservationBytes`).
    var nextReservation: Int64 = 0
    /// Zeros to write from (grown to the largest reservation).
    var zeroBuffer: [UInt8] = []
    /// Builds, publishes and saves index files; also on its own queue, in the background.
    let indexes: IndexKeeper

    private init(path: String, mode: AccessMode, options: LogOptions, storeID: [UInt8]) {
        self.path = path
        self.mode = mode
        self.options = options
        self.storeID = storeID
        segmentsPath = FS.join(path, Format.segmentsDirectory)
        indexPath = FS.join(path, Format.indexDirectory)
        encoder = BlockEncoder(targetUncompressedBytes: options.blockTargetBytes)
        indexes = IndexKeeper(stateLock: stateLock, storeID: storeID, indexPath: indexPath)
    }

    deinit { close() }

    // MARK: Create and open

    /// Creates a new store in `path` (missing or empty) and opens it for writing.
    public static func create(at path: String, options: LogOptions = LogOptions(), now: Int64? = nil) throws(LogError) -> Log {
        try typed {
            if FS.exists(path) {
                guard FS.isDirectory(path) else { throw LogError.notEmpty(path: path) }
                guard try FS.list(path).isEmpty else { throw LogError.notEmpty(path: path) }
            } else {
                try FS.makeDirectories(path)
            }
            var id = [UInt8](repeating: 0, count: 16)
            var generator = SystemRandomNumberGenerator()
            for i in 0..<16 { id[i] = generator.next() }
            let created = now ?? currentMicroseconds()
            let segmentsPath = FS.join(path, Format.segmentsDirectory)
            try FS.makeDirectory(segmentsPath)
            try FS.makeDirectory(FS.join(path, Format.indexDirectory))
            let header = SegmentHeader(firstSeq: 1, storeID: id, previousChain: .zero, createdAt: created)
            let segment = try File.open(FS.join(segmentsPath, Format.segmentFileName(firstSeq: 1)),
                                        flags: O_RDWR | O_CREAT | O_EXCL, faults: options.faults)
            try segment.write(header.encode(), at: 0)
            try segment.sync()
            try FS.syncDirectory(segmentsPath, faults: options.faults)
            // The STORE file is written last: a directory without it is not a store.
            var store = Format.storeMagic
            store.appendLE(Format.version)
            store.appendLE(UInt16(Format.storeFileLength))
            store.appendLE(UInt32(0))
            store.append(contentsOf: id)
            store.appendLE(created)
            store.append(contentsOf: repeatElement(0, count: 56 - store.count))
            store.appendLE(Hash.xxh3(store, upTo: 56))
            try FS.writeAtomically(store, to: FS.join(path, Format.storeFileName), durable: true, faults: options.faults)
            try FS.syncDirectory(path, faults: options.faults)
        }
        return try open(at: path, mode: .write, options: options)
    }

    /// Opens an existing store. A writer takes the store's lock and recovers an
    /// interrupted tail; a reader changes nothing on disk but derived indexes.
    public static func open(at path: String, mode: AccessMode = .write, options: LogOptions = LogOptions()) throws(LogError) -> Log {
        try typed {
            let storeID = try readStoreFile(path)
            let log = Log(path: path, mode: mode, options: options, storeID: storeID)
            if mode == .write { try log.acquireWriterLock() }
            do {
                if mode == .write { try log.removeStaleRewriteFiles() }
                try log.loadSegments()
                if mode == .write { try log.refreshIndexesOnOpen() }
            } catch {
                log.close()
                throw error
            }
            return log
        }
    }

    static func readStoreFile(_ path: String) throws -> [UInt8] {
        guard FS.isDirectory(path) else { throw LogError.notAStore(path: path, reason: "the directory does not exist") }
        let storePath = FS.join(path, Format.storeFileName)
        guard FS.exists(storePath) else { throw LogError.notAStore(path: path, reason: "it has no STORE file") }
        let bytes = try File.open(storePath, flags: O_RDONLY).read(count: Format.storeFileLength, at: 0)
        // Magic and version first: a later version may lay out the rest differently.
        guard bytes.count >= 10, Array(bytes[0..<8]) == Format.storeMagic else {
            throw LogError.notAStore(path: path, reason: "its STORE file is damaged")
        }
        let version = bytes.le(UInt16.self, at: 8)!
        guard version == Format.version else {
            throw LogError.notAStore(path: path, reason: "it uses format version \(version); this build reads version \(Format.version)")
        }
        guard bytes.count == Format.storeFileLength, bytes.le(UInt16.self, at: 10) == UInt16(Format.storeFileLength),
              bytes.le(UInt64.self, at: 56) == Hash.xxh3(bytes, upTo: 56) else {
            throw LogError.notAStore(path: path, reason: "its STORE file is damaged")
        }
        return Array(bytes[16..<32])
    }

    private func acquireWriterLock() throws {
        let file = try File.open(FS.join(path, Format.lockFileName), flags: O_RDWR | O_CREAT)
        let deadline = Date().addingTimeInterval(options.lockWaitSeconds)
        while try !file.tryLockExclusive() {
            if Date() >= deadline {
                let text = String(decoding: try file.read(count: 32, at: 0), as: UTF8.self)
                let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
                throw LogError.locked(store: path, holderPID: pid)
            }
            usleep(2_000)
        }
        try file.truncate(to: 0)
        try file.write(Array("\(getpid())\n".utf8), at: 0)
        lockFile = file
    }

    /// Waits until no append (or other exclusive operation) runs, then keeps new
    /// ones waiting until `endExclusive()`: for work that needs the log still.
    func beginExclusive() {
        commitCondition.lock()
        while leaderActive { commitCondition.wait() }
        leaderActive = true
        commitCondition.unlock()
        waitForIndexRefresh()  // no index refresh runs beside exclusive work
    }

    /// Waits for a background index refresh to finish. The refresh holds the `IndexKeeper`,
    /// never the log, so the log's `deinit` (and the release of the writer lock) is never
    /// deferred to the refresh queue.
    func waitForIndexRefresh() {
        indexes.queue.sync {}
    }

    func endExclusive() {
        commitCondition.lock()
        leaderActive = false
        commitCondition.broadcast()
        commitCondition.unlock()
    }

    /// Releases the writer lock and saves the active segment's index. Idempotent.
    public func close() {
        stateLock.lock()
        if closed { stateLock.unlock(); return }
        closed = true
        stateLock.unlock()
        // Let a write in flight finish (new ones now fail) before the lock is released.
        commitCondition.lock()
        while leaderActive { commitCondition.wait() }
        commitCondition.unlock()
        waitForIndexRefresh()
        stateLock.lock()
        let saveIndexOf = mode == .write && poisonReason == nil ? segments.last.flatMap { $0.isSealed ? nil : $0 } : nil
        let smallTail = saveIndexOf.map { $0.tailBytes < options.indexRefreshBytes / 16 } ?? false
        stateLock.unlock()
        // A small unindexed tail is cheaper to rescan on open than the index is to rewrite
        // (megabytes on a large store, for one CLI upload): only its committed end is recorded.
        if let active = saveIndexOf {
            // The marker (88 bytes) is always written: recovery takes its committed end for
            // proof that zeros or damage before it are not a torn or reserved tail.
            try? writeTailMarker(of: active)
            if !smallTail { try? writeIndex(of: active) }
        }
        // A reader that finds zeros after the last batch ignores them; cutting them here
        // keeps a closed store's files exactly their committed length.
        if let active = saveIndexOf { try? cutReservation(of: active) }
        if let lockFile {
            try? lockFile.truncate(to: 0)
            self.lockFile = nil
        }
    }

    /// For a reader: picks up batches committed since it opened (or last refreshed).
    public func refresh() throws(LogError) {
        guard mode == .read else { return }
        try typed { try loadSegments() }
    }

    func loadSegments() throws {
        let names = try FS.list(segmentsPath).compactMap { name in Format.firstSeq(ofSegmentFileName: name).map { ($0, name) } }
            .sorted { $0.0 < $1.0 }
        guard !names.isEmpty else { throw LogError.notAStore(path: path, reason: "it has no segment files") }
        var loaded: [Segment] = []
        for (position, (nameSeq, name)) in names.enumerated() {
            let isLast = position == names.count - 1
            let segmentPath = FS.join(segmentsPath, name)
            let file = try File.open(segmentPath, flags: (mode == .write && isLast) ? O_RDWR : O_RDONLY, faults: options.faults)
            let size = try file.size()
            let header: SegmentHeader
            switch SegmentHeader.parse(try file.read(count: Format.segmentHeaderLength, at: 0)) {
            case .success(let h): header = h
            case .failure(let problem):
                if isLast, size <= Int64(Format.segmentHeaderLength), let previous = loaded.last, previous.isSealed {
                    // Created by a roll that was interrupted before its header was durable.
                    if mode == .write {
                        try FS.remove(segmentPath)
                        try FS.syncDirectory(segmentsPath, faults: options.faults)
                        recovery = RecoveryReport(segment: name, offset: 0, droppedBytes: size,
                                                  reason: "a new segment was left incomplete; removed", lastSeq: previous.lastSeq)
                    }
                    continue
                }
                throw LogError.corrupt(segment: name, offset: 0, reason: problem.description)
            }
            guard header.firstSeq == nameSeq, header.firstSeq >= 1, header.firstSeq < UInt64(Int64.max) else {
                throw LogError.segmentSequence(segment: name, reason: "its header says it starts at seq \(header.firstSeq), its name says \(nameSeq)")
            }
            guard header.storeID == storeID else {
                throw LogError.segmentSequence(segment: name, reason: "it belongs to another store (store ID \(hexString(header.storeID)), this store is \(hexString(storeID)))")
            }
            let previousLast = loaded.last?.lastSeq ?? 0
            guard header.firstSeq == previousLast + 1 else {
                let missing = previousLast + 1
                throw LogError.segmentSequence(segment: name, reason: header.firstSeq > missing
                    ? "records seq \(missing)–\(header.firstSeq - 1) are missing (a segment file is missing)"
                    : "it starts at seq \(header.firstSeq) but the previous segment already holds seq \(header.firstSeq)")
            }
            let previousChain = loaded.last?.chainHead ?? .zero
            guard header.previousChain == previousChain else {
                throw LogError.segmentSequence(segment: name, reason: "it does not continue the integrity chain of the segment before it")
            }
            let segment = Segment(name: name, path: segmentPath, header: header, file: file,
                                  end: Int64(Format.segmentHeaderLength), lastSeq: header.firstSeq - 1,
                                  lastTimestamp: loaded.last?.lastTimestamp ?? Int64.min, chainHead: header.previousChain)
            if size >= Int64(Format.segmentHeaderLength + Format.footerLength),
               let footer = SegmentFooter.parse(try file.read(count: Format.footerLength, at: size - Int64(Format.footerLength))),
               footer.firstSeq == header.firstSeq, footer.lastSeq >= footer.firstSeq, footer.lastSeq < UInt64(Int64.max),
               footer.recordCount == footer.lastSeq - footer.firstSeq + 1, footer.blockCount >= 1 {
                segment.footer = footer
                segment.end = size - Int64(Format.footerLength)
                segment.lastSeq = footer.lastSeq
                segment.lastTimestamp = footer.lastTimestamp
                segment.chainHead = footer.chainHead
                segment.blockCount = footer.blockCount
            } else if !isLast {
                throw LogError.corrupt(segment: name, offset: max(0, size - Int64(Format.footerLength)),
                                       reason: "the segment has no valid footer although later segments exist")
            } else {
                try recoverActive(segment, fileSize: size)
            }
            loaded.append(segment)
        }
        stateLock.lock()
        segments = loaded
        stateLock.unlock()
        if mode == .write, let last = segments.last, last.isSealed {
            try startSegment(after: last)
        }
    }

    /// Finds the committed end of the active segment. A torn tail (writer died
    /// mid-write) is truncated by a writer and ignored by a reader; damage to
    /// acknowledged bytes is an error. Zeros after the last batch are space a writer
    /// reserved (`LogOptions.reservationBytes`).
    private func recoverActive(_ segment: Segment, fileSize initialSize: Int64) throws {
        var fileSize = initialSize
        var start = Int64(Format.segmentHeaderLength)
        let savedIndex = loadIndexFile(for: segment).flatMap { $0.sealed ? nil : $0 }
        let marker = loadTailMarker(for: segment)
        if mode == .read, max(savedIndex?.coveredEnd ?? 0, marker?.end ?? 0) > fileSize {
            // A live writer appended (and recorded it) after the size was read.
            fileSize = try segment.file.size()
        }
        if let index = savedIndex, index.coveredEnd <= fileSize,
           let lastBlock = index.blocks.last, lastBlock.end == index.coveredEnd,
           case .success(let h)? = BlockHeader.parse(try segment.file.read(count: Format.blockHeaderLength, at: lastBlock.offset)).optional,
           h.firstSeq == lastBlock.firstSeq, h.count == Int(lastBlock.count), h.chainHead == index.chainHead {
            segment.index = index
            segment.end = index.coveredEnd
            segment.lastSeq = lastBlock.lastSeq
            segment.lastTimestamp = lastBlock.lastTimestamp
            segment.chainHead = index.chainHead
            segment.blockCount = UInt64(index.blocks.count)
            start = index.coveredEnd
        }
        // Bytes before a recorded committed end were acknowledged: damage there is corruption,
        // and a file that ends before it has lost acknowledged records. Both the tail marker
        // and the index are written only after the bytes they describe were synced.
        let committed: (end: Int64, lastSeq: UInt64, file: String)? = [
            marker.map { ($0.end, $0.lastSeq, tailMarkerPath(for: segment)) },
            savedIndex.flatMap { i in i.blocks.last.map { (i.coveredEnd, $0.lastSeq, indexFilePath(for: segment)) } },
        ].compactMap { $0 }.max { $0.0 < $1.0 }
        var damage: BlockDamage?
        var readerVerdict: Bool?  // a reader's last "is it corruption?" for `damage`
        var previousDamage: Int64?
        var rewalks = 0
        while true {
            damage = nil
            readerVerdict = nil
            try walkCommittedBatches(segment, from: start, limit: fileSize, damage: &damage)
            // A reader races the writer, which writes new batches over its reserved zeros:
            // what looks like damage followed by a later intact block may be a write that was
            // in progress when it was read. A reader stops where only zeros follow (past any
            // recorded committed end), and calls damage corruption only when a second walk,
            // made after that later block proved the write at the damage complete, stops at
            // the same offset.
            guard mode == .read, let d = damage else { break }
            let beforeCommittedEnd = committed.map { d.offset < $0.end } ?? false
            if !beforeCommittedEnd, try segment.file.isAllZero(from: d.offset, to: fileSize) {
                damage = nil  // the reserved zeros
                break
            }
            let corrupt = try beforeCommittedEnd || !segment.file.damageIsTornTail(at: d.offset, fileEnd: fileSize)
            readerVerdict = corrupt
            guard corrupt, d.offset != previousDamage else { break }
            guard rewalks < 100 else { damage = nil; readerVerdict = nil; break }  // always outrun: no verdict
            previousDamage = d.offset
            rewalks += 1
            start = segment.end
            fileSize = try segment.file.size()
        }
        var reservedZeros = false
        if mode == .write, segment.end < fileSize, committed.map({ segment.end >= $0.end }) ?? true {
            reservedZeros = try segment.file.isAllZero(from: segment.end, to: fileSize)
        }
        if reservedZeros { damage = nil }
        if let damage, try readerVerdict ?? ((committed.map { damage.offset < $0.end } ?? false) || !segment.file.damageIsTornTail(at: damage.offset, fileEnd: fileSize)) {
            throw LogError.corrupt(segment: segment.name, offset: damage.offset, reason: damage.reason)
        }
        if let committed, segment.end < committed.end {
            throw LogError.corrupt(segment: segment.name, offset: segment.end,
                                   reason: "the segment ends at byte \(segment.end), but records up to byte \(committed.end) (seq \(committed.lastSeq)) were committed, as index/\((committed.file as NSString).lastPathComponent) records; if this segment was restored from an older backup on purpose, delete that file")
        }
        if segment.end < fileSize && mode == .write {
            let reason = reservedZeros ? "the writer did not close: the zeros it had reserved after the last batch were cut"
                : damage?.reason ?? "the last batch was not completely written"
            try segment.file.truncate(to: segment.end)
            try segment.file.sync()
            recovery = RecoveryReport(segment: segment.name, offset: segment.end, droppedBytes: fileSize - segment.end,
                                      reason: reason, lastSeq: segment.lastSeq)
        }
    }

    /// Walks the active segment's blocks from `start`, adding every complete batch to
    /// `segment`; stops at the end of the file or at the first damaged block (`damage`).
    private func walkCommittedBatches(_ segment: Segment, from start: Int64, limit: Int64, damage: inout BlockDamage?) throws {
        var walker = BlockWalker(file: segment.file, from: start, limit: limit, expectedSeq: segment.lastSeq + 1)
        var batchBlocks: [BlockEntry] = []
        var batchKeys: [(String, UInt64)] = []
        while true {
            let step: (BlockHeader, BlockEntry)?
            do { step = try walker.next() } catch let d as BlockDamage { damage = d; break }
            guard let (header, entry) = step else { break }
            batchBlocks.append(entry)
            walker.decoder.forEachRecord(header) { record in
                if !record.key.isEmpty { batchKeys.append((record.keyString!, record.seq)) }
                return true
            }.map { problem in damage = BlockDamage(offset: entry.offset, reason: "record \(problem.index + 1): \(problem.reason)") }
            if damage != nil { batchBlocks.removeLast(); break }
            if entry.endsBatch {
                for b in batchBlocks {
                    segment.tailBlocks.append(b)
                    segment.tailBytes += b.end - b.offset
                }
                for (k, s) in batchKeys { segment.addTailKey(k, seq: s) }
                segment.end = entry.end
                segment.lastSeq = entry.lastSeq
                segment.lastTimestamp = entry.lastTimestamp
                segment.chainHead = header.chainHead
                segment.blockCount += UInt64(batchBlocks.count)
                batchBlocks.removeAll()
                batchKeys.removeAll()
            }
        }
    }

    /// Cuts the zeros reserved after the active segment's last batch (durably). Call with
    /// no append in flight.
    func cutReservation(of active: Segment) throws {
        guard active.reservedEnd > active.end else { return }
        try active.file.truncate(to: active.end)
        try active.file.sync()
        active.reservedEnd = 0
    }

    /// Creates and makes durable the segment that follows `previous`.
    private func startSegment(after previous: Segment) throws {
        let firstSeq = previous.lastSeq + 1
        let name = Format.segmentFileName(firstSeq: firstSeq)
        let segmentPath = FS.join(segmentsPath, name)
        let header = SegmentHeader(firstSeq: firstSeq, storeID: storeID, previousChain: previous.chainHead,
                                   createdAt: max(previous.lastTimestamp, currentMicroseconds()))
        let file = try File.open(segmentPath, flags: O_RDWR | O_CREAT | O_TRUNC, faults: options.faults)
        let headerBytes = header.encode()
        try file.write(headerBytes, at: 0)
        try file.sync()
        options.faults?.reached("roll.before-directory-sync")
        try FS.syncDirectory(segmentsPath, faults: options.faults)
        let segment = Segment(name: name, path: segmentPath, header: header, file: file, end: Int64(headerBytes.count),
                              lastSeq: firstSeq - 1, lastTimestamp: previous.lastTimestamp, chainHead: previous.chainHead)
        let hasher = StreamingSHA256()
        headerBytes.withUnsafeBytes { hasher.update($0) }
        segment.bodyHasher = hasher
        stateLock.lock()
        segments.append(segment)
        stateLock.unlock()
    }

    /// Seals the active segment with its footer and starts the next one.
    func rollSegment() throws {
        guard let active = segments.last, !active.isEmpty else { return }
        // Before anything changes: a key that cannot be loaded leaves the segment as it was.
        let signer = try signingKey()
        waitForIndexRefresh()  // the sealed index is written last
        let digest: Digest
        if let hasher = active.bodyHasher {
            digest = hasher.finish()
        } else {
            let hasher = StreamingSHA256()
            var reader = ChunkReader(file: active.file, limit: active.end)
            var offset: Int64 = 0
            while offset < active.end {
                let n = Int(min(Int64(1 << 20), active.end - offset))
                guard try reader.withBytes(at: offset, count: n, { hasher.update($0) }) != nil else {
                    throw LogError.corrupt(segment: active.name, offset: offset, reason: "the segment is shorter than its committed length")
                }
                offset += Int64(n)
            }
            digest = hasher.finish()
        }
        var footer = SegmentFooter(recordCount: active.lastSeq - active.firstSeq + 1, firstSeq: active.firstSeq,
                                   lastSeq: active.lastSeq, chainHead: active.chainHead, bodyDigest: digest,
                                   lastTimestamp: active.lastTimestamp, blockCount: active.blockCount)
        if let key = signer {
            // The signature covers the checkpoint (store ID, last seq, chain head, last time),
            // not the body digest, so that a purge rewrite keeps the seal's signature valid.
            footer.flags = Format.footerFlagSigned
            footer.signature = key.sign(Checkpoint(storeID: storeID, seq: active.lastSeq, chainHead: active.chainHead,
                                                   time: active.lastTimestamp).message)
        }
        // The footer must end the file: cut the reserved zeros first, durably, so that a
        // crash cannot leave the footer followed by zeros.
        try cutReservation(of: active)
        try active.file.write(footer.encode(), at: active.end)
        try active.file.sync()
        options.faults?.reached("roll.after-seal")
        // Readers must never see the segment sealed while its index still lacks the
        // tail: the footer and the complete index are published together.
        let index = try mergedIndex(of: active, sealed: true)
        stateLock.lock()
        active.footer = footer
        active.bodyHasher = nil
        publish(index, in: active)
        stateLock.unlock()
        try? FS.writeAtomically(index.encode(), to: indexFilePath(for: active), durable: false, faults: nil)
        try startSegment(after: active)
    }
}

extension Log {
    var isClosed: Bool { stateLock.lock(); defer { stateLock.unlock() }; return closed }
    var poisonReasonValue: String? { stateLock.lock(); defer { stateLock.unlock() }; return poisonReason }
    func markPoisoned(_ reason: String) { stateLock.lock(); poisonReason = reason; stateLock.unlock() }

    /// A consistent view of the segments for reading.
    func snapshotSegments() -> [Segment] {
        stateLock.lock(); defer { stateLock.unlock() }
        return segments
    }

    /// True when a segment file this log has open was replaced on disk since (a
    /// rewrite by another process's `redact`) or a new one appeared: what this log
    /// reads is then no longer what the store holds.
    public var filesChangedOnDisk: Bool {
        let open = snapshotSegments()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: FS.join(path, "segments")))?
            .filter { $0.hasSuffix(".lseg") } ?? []
        if names.count != open.count { return true }
        for segment in open {
            var opened = stat(), onDisk = stat()
            guard fstat(segment.file.fd, &opened) == 0, stat(segment.path, &onDisk) == 0 else { return true }
            if opened.st_ino != onDisk.st_ino || opened.st_dev != onDisk.st_dev { return true }
        }
        return false
    }
}

extension Result {
    /// Lets `case .success(let x)? = result.optional` read naturally in conditions.
    var optional: Result? { self }
}
