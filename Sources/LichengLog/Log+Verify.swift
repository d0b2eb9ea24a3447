import Foundation

/// What `verify` checked.
public struct VerifyReport: Sendable, Equatable {
    public init() {}
    public var segments = 0
    public var sealedSegments = 0
    public var records: UInt64 = 0
    public var redactedRecords: UInt64 = 0
    /// The seqs of redacted records by their stream key ("" for records without one).
    public var redacted: [String: [UInt64]] = [:]
    public var blocks: UInt64 = 0
    /// Bytes of the segment files that were read.
    public var storedBytes: Int64 = 0
    /// Bytes of the records once decompressed.
    public var uncompressedBytes: Int64 = 0
    public var lastSeq: UInt64 = 0
    public var chainHead: Digest = .zero
    /// Sealed segments whose footer signature was checked against the store's public key.
    public var signedSegments = 0
    /// Entries of CHECKPOINTS whose signature and chain head were checked.
    public var checkpoints = 0
    /// The highest seq covered by a valid signature (0: none).
    public var signedThrough: UInt64 = 0
    /// Set when signatures exist but the store has no public key (`keys/signing.pub`) to check them.
    public var signaturesUnchecked = false
}

/// Progress of a long operation: units done of a known total.
public struct LogProgress: Sendable {
    public var done: Int64
    public var total: Int64
}

extension Log {
    /// Proves the store whole: every header, footer and block checksum, every
    /// record digest and the hash chain across all segments, and each sealed
    /// segment's body digest. Throws at the first problem, naming the segment,
    /// byte offset and seq.
    public func verify(progress: ((LogProgress) -> Void)? = nil) throws(LogError) -> VerifyReport {
        try typed {
            let snapshot = snapshotSegments()
            stateLock.lock()
            let ends = snapshot.map(\.end)
            let footers = snapshot.map(\.footer)
            let lasts = snapshot.map(\.lastSeq)
            stateLock.unlock()
            let total = ends.reduce(0, +)
            var report = VerifyReport()
            let publicKey = try StoreKeys.loadPublic(store: path)
            // Checkpoints to compare with the recomputed chain, by seq.
            var wanted: [UInt64: [Checkpoint]] = [:]
            let listed = try checkpoints()
            for (checkpoint, key) in listed {
                guard checkpoint.storeID == storeID else {
                    throw LogError.checkpoint(file: Format.checkpointsFileName, seq: checkpoint.seq, reason: "it was signed for another store")
                }
                if let publicKey, key != publicKey {
                    throw LogError.checkpoint(file: Format.checkpointsFileName, seq: checkpoint.seq, reason: "it was signed by a key that is not this store's key")
                }
                guard checkpoint.verify(with: publicKey ?? key) else {
                    throw LogError.checkpoint(file: Format.checkpointsFileName, seq: checkpoint.seq, reason: "its signature does not verify")
                }
                if publicKey == nil { report.signaturesUnchecked = true }
                wanted[checkpoint.seq, default: []].append(checkpoint)
            }
            var seen: [UInt64: Digest] = [:]
            if wanted[0] != nil { seen[0] = .zero }
            var done: Int64 = 0
            var previousChain = Digest.zero
            var previousLast: UInt64 = 0
            var lastTimestamp = Int64.min
            for (i, segment) in snapshot.enumerated() {
                let name = segment.name
                let headerBytes = try segment.file.read(count: Format.segmentHeaderLength, at: 0)
                guard case .success(let header) = SegmentHeader.parse(headerBytes) else {
                    throw LogError.corrupt(segment: name, offset: 0, reason: "the segment header is damaged")
                }
                guard header.storeID == storeID else { throw LogError.segmentSequence(segment: name, reason: "it belongs to another store") }
                guard header.firstSeq == previousLast + 1 else {
                    throw LogError.segmentSequence(segment: name, reason: "it starts at seq \(header.firstSeq), expected \(previousLast + 1)")
                }
                guard header.previousChain == previousChain else {
                    throw LogError.chainMismatch(segment: name, offset: 0, firstSeq: header.firstSeq, lastSeq: header.firstSeq)
                }
                let bodyHasher = footers[i] != nil ? StreamingSHA256() : nil
                headerBytes.withUnsafeBytes { bodyHasher?.update($0) }
                var walker = BlockWalker(file: segment.file, from: Int64(Format.segmentHeaderLength), limit: ends[i],
                                         expectedSeq: header.firstSeq)
                walker.bodyHasher = bodyHasher
                var expected = header.firstSeq
                var blockCount: UInt64 = 0
                var chainHead = header.previousChain
                // Blocks are walked in order (headers, payload checksums, the body digest) and
                // gathered into a window; the records of a window are checked on every core, each
                // block from the chain head stored in the header of the block before it, while
                // the next window is walked. The results are taken in block order, so the first
                // problem reported is the first in the file, as in a walk on one thread.
                var window = VerifyWindow(wanted: Set(wanted.keys))
                var nextWindow = VerifyWindow(wanted: window.wanted)
                var walkedHead = header.previousChain  // the chain head stored in the last walked block
                var walkEnded = false
                var walkError: (any Error)?
                func walk() {
                    while !walkEnded, walkError == nil, !nextWindow.isFull {
                        do {
                            guard let (h, entry) = try walker.next(in: name, stored: { nextWindow.addPayload($0) }) else {
                                walkEnded = true
                                return
                            }
                            nextWindow.add(h, entry, from: walkedHead)
                            walkedHead = h.chainHead
                        } catch {
                            walkError = error
                        }
                    }
                }
                walk()
                while !nextWindow.isEmpty {
                    swap(&window, &nextWindow)
                    let checks = window.checkRecords(segment: name, alongside: walkEnded || walkError != nil ? nil : walk)
                    for check in checks {
                        let (h, entry) = (check.header, check.entry)
                        if let problem = check.problem { throw problem }
                        guard h.firstTimestamp >= lastTimestamp else {
                            throw LogError.corrupt(segment: name, offset: entry.offset, reason: "seq \(h.firstSeq) is older than the record before it")
                        }
                        guard check.chainMatches else {
                            throw LogError.chainMismatch(segment: name, offset: entry.offset, firstSeq: h.firstSeq, lastSeq: entry.lastSeq)
                        }
                        for (key, seq) in check.redacted { report.redacted[key, default: []].append(seq) }
                        report.redactedRecords += UInt64(check.redacted.count)
                        for (seq, head) in check.seen { seen[seq] = head }
                        lastTimestamp = h.lastTimestamp
                        report.blocks += 1
                        blockCount += 1
                        report.records += UInt64(h.count)
                        report.uncompressedBytes += Int64(h.uncompressedLength)
                        expected = entry.lastSeq + 1
                        chainHead = h.chainHead
                        progress?(LogProgress(done: done + entry.end, total: total))
                    }
                }
                if let walkError { throw walkError }  // after every block before the damage was checked
                let offset = walker.offset
                guard expected - 1 == lasts[i] else {
                    throw LogError.corrupt(segment: name, offset: offset, reason: "the segment ends at seq \(expected - 1), expected \(lasts[i])")
                }
                if let footer = footers[i] {
                    let digest = bodyHasher!.finish()
                    guard footer.lastSeq == expected - 1, footer.recordCount == footer.lastSeq - footer.firstSeq + 1 else {
                        throw LogError.corrupt(segment: name, offset: ends[i], reason: "the footer's record count does not match the blocks")
                    }
                    guard footer.blockCount == blockCount, footer.lastTimestamp == lastTimestamp, footer.flags & ~1 == 0 else {
                        throw LogError.corrupt(segment: name, offset: ends[i], reason: "the footer's block count, last time or flags do not match the blocks")
                    }
                    guard footer.chainHead == chainHead else {
                        throw LogError.chainMismatch(segment: name, offset: ends[i], firstSeq: footer.lastSeq, lastSeq: footer.lastSeq)
                    }
                    guard footer.bodyDigest == digest else {
                        throw LogError.corrupt(segment: name, offset: ends[i], reason: "the segment's bytes do not match the digest in its footer")
                    }
                    if let signed = footerCheckpoint(footer) {
                        if let publicKey {
                            guard signed.verify(with: publicKey) else {
                                throw LogError.checkpoint(file: "segments/" + name, seq: footer.lastSeq,
                                                          reason: "the footer's signature does not verify with this store's public key")
                            }
                            report.signedSegments += 1
                            report.signedThrough = max(report.signedThrough, footer.lastSeq)
                        } else {
                            report.signaturesUnchecked = true
                        }
                    }
                    report.sealedSegments += 1
                    report.storedBytes += Int64(Format.footerLength)
                }
                report.segments += 1
                report.storedBytes += ends[i]
                done += ends[i]
                previousChain = chainHead
                previousLast = expected - 1
            }
            report.lastSeq = previousLast
            report.chainHead = previousChain
            for (seq, list) in wanted.sorted(by: { $0.key < $1.key }) {
                guard let head = seen[seq] else {
                    throw LogError.checkpoint(file: Format.checkpointsFileName, seq: seq,
                                              reason: "the log ends at seq \(previousLast), before this signed checkpoint: records after seq \(previousLast) were removed")
                }
                for c in list {
                    guard c.chainHead == head else {
                        throw LogError.checkpoint(file: Format.checkpointsFileName, seq: seq,
                                                  reason: "the chain head recomputed at seq \(seq) differs from the signed one: records up to seq \(seq) were changed")
                    }
                    report.checkpoints += 1
                    if publicKey != nil { report.signedThrough = max(report.signedThrough, seq) }
                }
            }
            return report
        }
    }
}

/// Blocks of one segment whose payloads passed their checksums, waiting for their
/// records, digests and chain to be checked in parallel.
struct VerifyWindow {
    /// Seqs whose chain head a signed checkpoint names.
    let wanted: Set<UInt64>
    private var payloads: [UInt8] = []
    private var blocks: [(header: BlockHeader, entry: BlockEntry, payload: Range<Int>, startChain: Digest)] = []
    private var uncompressedBytes = 0
    private static let threads = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 16))

    init(wanted: Set<UInt64>) { self.wanted = wanted }

    /// Enough work gathered to share among the cores (a few MB per core).
    var isFull: Bool { uncompressedBytes >= (4 << 20) * Self.threads || blocks.count >= 512 }
    var isEmpty: Bool { blocks.isEmpty }

    mutating func addPayload(_ bytes: UnsafeRawBufferPointer) { payloads.append(contentsOf: bytes) }

    /// Adds the block whose payload was the last added; its records extend `startChain`.
    mutating func add(_ header: BlockHeader, _ entry: BlockEntry, from startChain: Digest) {
        let end = payloads.count
        blocks.append((header, entry, (end - header.storedLength)..<end, startChain))
        uncompressedBytes += header.uncompressedLength
    }

    struct Check {
        var header: BlockHeader
        var entry: BlockEntry
        /// The first problem of the block's records, if any.
        var problem: LogError?
        /// The chain over the block's records ends at the head stored in its header.
        var chainMatches = false
        /// Redacted records: stream key ("" for none) and seq.
        var redacted: [(String, UInt64)] = []
        /// Chain heads at the wanted seqs of this block.
        var seen: [(UInt64, Digest)] = []
    }

    /// Checks every gathered block (decompression, record framing, digests, chain)
    /// on up to `threads` cores and empties the window; `alongside`, when given, runs
    /// at the same time on one of them (it must not touch this window). The checks
    /// come back in block order.
    mutating func checkRecords(segment: String, alongside: (() -> Void)?) -> [Check] {
        let count = blocks.count
        var checks = [Check?](repeating: nil, count: count)
        // Several parts per core, so that a core finished early (or done with `alongside`) takes more.
        let parts = min(count, Self.threads * 4)
        let first = alongside == nil ? 0 : 1
        let blocks = self.blocks
        let wanted = self.wanted
        payloads.withUnsafeBytes { all in
            checks.withUnsafeMutableBufferPointer { out in
                // Each part reads the shared payloads and writes only its own slots of `out`;
                // `alongside` touches none of them.
                let shared = Unchecked((all, out, alongside))
                DispatchQueue.concurrentPerform(iterations: parts + first) { i in
                    let (all, out, alongside) = shared.value
                    if i < first { alongside?(); return }
                    let part = i - first
                    var decoder = BlockDecoder()
                    for k in (part * count / parts)..<((part + 1) * count / parts) {
                        let b = blocks[k]
                        out[k] = Self.check(b.header, b.entry, stored: UnsafeRawBufferPointer(rebasing: all[b.payload]),
                                            from: b.startChain, segment: segment, wanted: wanted, decoder: &decoder)
                    }
                }
            }
        }
        self.blocks.removeAll(keepingCapacity: true)
        payloads.removeAll(keepingCapacity: true)
        uncompressedBytes = 0
        return checks.map { $0! }
    }

    private static func check(_ h: BlockHeader, _ entry: BlockEntry, stored: UnsafeRawBufferPointer, from startChain: Digest,
                              segment: String, wanted: Set<UInt64>, decoder: inout BlockDecoder) -> Check {
        var result = Check(header: h, entry: entry)
        if let reason = decoder.decompress(h, stored: stored) {
            result.problem = .corrupt(segment: segment, offset: entry.offset, reason: reason)
            return result
        }
        var chain = PipelinedChain(head: startChain)
        let anyWanted = !wanted.isEmpty
        if let problem = decoder.forEachRecord(h, { r in
            if r.isRedacted {
                chain.extend(withDigest: r.payload)
                result.redacted.append((r.keyString ?? "", r.seq))
            } else {
                chain.extend(hashing: r.hashedBytes)
            }
            if anyWanted, wanted.contains(r.seq) { result.seen.append((r.seq, chain.head)) }
            return true
        }) {
            result.problem = problem.corrupt(segment: segment, offset: entry.offset)
            return result
        }
        result.chainMatches = chain.head == h.chainHead
        return result
    }
}

/// Hands buffers to concurrent workers that only read them or write disjoint slots.
struct Unchecked<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
