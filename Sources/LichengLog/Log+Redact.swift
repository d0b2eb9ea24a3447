import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What `redact` changed.
public struct RedactReport: Sendable, Equatable {
    /// Records whose payload was replaced by its digest (already redacted ones not counted).
    public var redacted = 0
    /// Names of the segment files that were rewritten.
    public var segments: [String] = []
    public var bytesBefore: Int64 = 0
    public var bytesAfter: Int64 = 0
}

extension Log {
    /// Replaces the payload of every record whose seq is in `seqs` by its 32-byte
    /// digest (record flag "redacted", key removed), so that the content is gone
    /// while the chain, which chains digests, is unchanged. Writer only.
    ///
    /// Each affected segment is rewritten whole and crash-safely: the new file is
    /// written next to it (`<name>.tmp.<pid>`, ignored by readers), fsynced, the
    /// segment's index file is removed (and `index/` fsynced), the new file is
    /// renamed over the old one and `segments/` is fsynced. A crash at any point
    /// leaves either the old or the new segment; both verify. Block checksums,
    /// write distances and (for a sealed segment) the footer's body digest and
    /// checksum are recomputed; the footer's signature covers the chain head and
    /// stays valid. Before writing, every record of a rewritten block is checked
    /// against the block's chain head, so a purge never re-seals tampered data.
    @discardableResult
    public func redact(seqs: Set<UInt64>) throws(LogError) -> RedactReport {
        guard mode == .write else { throw LogError.notWritable(reason: "it was opened for reading") }
        if isClosed { throw LogError.notWritable(reason: "the store was closed") }
        if let reason = poisonReasonValue { throw LogError.poisoned(reason: reason) }
        beginExclusive()
        defer { endExclusive() }
        var report = RedactReport()
        guard !seqs.isEmpty else { return report }
        let sortedSeqs = seqs.sorted()
        var renamed = false
        do {
            // The reload after the rewrite must not take this writer's own reserved zeros
            // for the trace of a crash.
            if let active = snapshotSegments().last, !active.isSealed { try cutReservation(of: active) }
            for segment in snapshotSegments() where !segment.isEmpty {
                stateLock.lock()
                let first = segment.firstSeq, last = segment.lastSeq
                stateLock.unlock()
                // Any wanted seq in this segment's range?
                guard let i = sortedSeqs.firstIndex(where: { $0 >= first }), sortedSeqs[i] <= last else { continue }
                if let (count, before, after) = try rewrite(segment, redacting: seqs, renamed: &renamed) {
                    report.redacted += count
                    report.segments.append(segment.name)
                    report.bytesBefore += before
                    report.bytesAfter += after
                }
            }
        } catch {
            if renamed { markPoisoned("a purge rewrite failed after replacing a segment (\(error)); reopen the store") }
            throw (error as? LogError) ?? LogError.poisoned(reason: "\(error)")
        }
        if renamed {
            // Open the new files; indexes of rewritten segments are rebuilt.
            do {
                try typed {
                    try loadSegments()
                    try refreshIndexesOnOpen()
                }
            } catch {
                markPoisoned("reopening the segments after a purge rewrite failed (\(error)); reopen the store")
                throw error
            }
        }
        return report
    }

    /// Rewrites one segment; nil when none of its records needed redacting.
    private func rewrite(_ segment: Segment, redacting seqs: Set<UInt64>, renamed: inout Bool) throws -> (Int, Int64, Int64)? {
        stateLock.lock()
        let end = segment.end
        let footer = segment.footer
        stateLock.unlock()
        let headerBytes = try segment.file.read(count: Format.segmentHeaderLength, at: 0)
        guard case .success(let header) = SegmentHeader.parse(headerBytes) else {
            throw LogError.corrupt(segment: segment.name, offset: 0, reason: "the segment header is damaged")
        }
        var out = headerBytes
        out.reserveCapacity(Int(end) + Format.footerLength)
        var encoder = BlockEncoder(targetUncompressedBytes: options.blockTargetBytes)
        var walker = BlockWalker(file: segment.file, from: Int64(Format.segmentHeaderLength), limit: end, expectedSeq: header.firstSeq)
        var chain = Chain(head: header.previousChain)
        var writeStart = Int64(Format.segmentHeaderLength)
        var redacted = 0
        var area: [UInt8] = []
        while let (h, entry) = try walker.next(in: segment.name) {
            let newOffset = Int64(out.count)
            if h.writeDistance == 0 { writeStart = newOffset }
            let distance = UInt32(newOffset - writeStart)
            var touched = false
            area.removeAll(keepingCapacity: true)
            if let problem = walker.decoder.forEachRecord(h, { r in
                if r.isRedacted { chain.extend(withDigest: r.payload) } else { chain.extend(hashing: r.hashedBytes) }
                if !r.isRedacted && seqs.contains(r.seq) {
                    touched = true
                    area.append(Format.recordFlagRedacted)
                    area.appendLE(r.seq)
                    area.appendLE(r.timestamp)
                    // The key stays: verify can then name whose records were redacted, and
                    // the engine requires a recorded purge of that key for each of them.
                    area.appendLE(UInt16(r.key.count))
                    area.appendLE(UInt32(Format.digestLength))
                    area.append(contentsOf: r.key)
                    area.append(contentsOf: r.digest.bytes)
                    redacted += 1
                } else {
                    area.append(r.isRedacted ? Format.recordFlagRedacted : 0)
                    area.append(contentsOf: r.hashedBytes)
                }
                return true
            }) {
                throw problem.corrupt(segment: segment.name, offset: entry.offset)
            }
            guard chain.head == h.chainHead else {
                throw LogError.chainMismatch(segment: segment.name, offset: entry.offset, firstSeq: h.firstSeq, lastSeq: entry.lastSeq)
            }
            if touched {
                encoder.appendLaidOut(area, firstSeq: h.firstSeq, count: h.count, flags: h.flags, firstTimestamp: h.firstTimestamp,
                                      lastTimestamp: h.lastTimestamp, chainHead: h.chainHead, writeDistance: distance, into: &out)
            } else {
                // Unchanged block: same bytes, only its write distance (and so the header checksum) may move.
                var block = try segment.file.read(count: Format.blockHeaderLength + h.storedLength, at: entry.offset)
                block.storeLE(distance, at: 88)
                block.storeLE(UInt32(truncatingIfNeeded: Hash.xxh3(block, upTo: 92)), at: 92)
                out.append(contentsOf: block)
            }
        }
        guard redacted > 0 else { return nil }
        if var footer {
            footer.bodyDigest = Hash.sha256(out)
            out.append(contentsOf: footer.encode())
        }
        let before = end + (footer != nil ? Int64(Format.footerLength) : 0)
        let temporary = segment.path + ".tmp.\(getpid())"
        do {
            let file = try File.open(temporary, flags: O_WRONLY | O_CREAT | O_TRUNC, faults: options.faults)
            try file.write(out, at: 0)
            options.faults?.reached("redact.temp-written")
            try file.sync()
            options.faults?.reached("redact.temp-synced")
            // The index describes the old block offsets: remove it durably before the swap.
            try FS.remove(indexFilePath(for: segment))
            try FS.remove(tailMarkerPath(for: segment))
            try FS.syncDirectory(indexPath, faults: options.faults)
            options.faults?.reached("redact.index-removed")
        } catch {
            try? FS.remove(temporary)
            throw error
        }
        try FS.rename(temporary, segment.path)
        renamed = true
        options.faults?.reached("redact.renamed")
        try FS.syncDirectory(segmentsPath, faults: options.faults)
        options.faults?.reached("redact.synced")
        return (redacted, before, Int64(out.count))
    }

    /// Removes temporary files a purge rewrite left when the writer died (writer open).
    func removeStaleRewriteFiles() throws {
        for name in try FS.list(segmentsPath) where name.contains("." + Format.segmentExtension + ".tmp.") {
            try FS.remove(FS.join(segmentsPath, name))
        }
    }
}

/// What `applyRedactions(from:)` did to a copy.
public struct ApplyRedactionsReport: Sendable, Equatable {
    public var redacted = 0
    public var segments: [String] = []
    public var removedFiles = 0
}

extension Log {
    /// The seqs of all redacted records, and the chain head after `seq` (nil when
    /// the log is shorter). One pass over the log.
    public func redactedSeqs(chainAt seq: UInt64) throws(LogError) -> (seqs: [UInt64], chainAtSeq: Digest?) {
        try typed {
            var out: [UInt64] = []
            var chain = Chain()
            var atSeq: Digest? = seq == 0 ? .zero : nil
            try forEach { r in
                if r.isRedacted {
                    out.append(r.seq)
                    chain.extend(withDigest: r.payload)
                } else {
                    chain.extend(hashing: r.hashedBytes)
                }
                if r.seq == seq { atSeq = chain.head }
                return true
            }
            return (out, atSeq)
        }
    }

    /// Brings a copy of this store (a backup taken before a purge) in line: the
    /// copy must be a prefix of this log (same store ID, same chain head at its
    /// last seq). Every record redacted here is redacted there, and every file in
    /// the copy's `files/` that this store no longer has (purged files) is removed,
    /// as are the copy's snapshots (derived). `copy` must be open for writing.
    public func applyRedactions(to copy: Log, filesOf copyStore: String, liveFiles: String) throws(LogError) -> ApplyRedactionsReport {
        guard copy.storeID == storeID else {
            throw LogError.segmentSequence(segment: copy.path, reason: "it is a copy of another store (store ID \(hexString(copy.storeID)))")
        }
        let copyLast = copy.lastSeq
        let (seqs, head) = try redactedSeqs(chainAt: copyLast)
        guard let head, head == copy.chainHead else {
            throw LogError.segmentSequence(segment: copy.path, reason: "it is not a copy of this store's history up to its seq \(copyLast) (the chain heads differ, or this store is shorter)")
        }
        let report = try copy.redact(seqs: Set(seqs.filter { $0 <= copyLast }))
        var result = ApplyRedactionsReport(redacted: report.redacted, segments: report.segments)
        try typed {
            for sub in (try? FS.list(copyStore)) ?? [] where sub.count == 2 {
                for name in try FS.list(FS.join(copyStore, sub)) where name.count == 64 && !FS.exists(FS.join(FS.join(liveFiles, sub), name)) {
                    try FS.remove(FS.join(FS.join(copyStore, sub), name))
                    result.removedFiles += 1
                }
            }
            let snapshots = FS.join(copy.path, "snapshots")
            for name in (try? FS.list(snapshots)) ?? [] { try FS.remove(FS.join(snapshots, name)) }
        }
        return result
    }
}
