import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What the log needs to build, publish and save index files, apart from the log itself:
/// a background refresh holds this, never the `Log`, so dropping the last reference to a
/// log closes it (and releases the writer lock) at once. Shares the log's `stateLock`.
final class IndexKeeper: @unchecked Sendable {
    let stateLock: NSLock
    let storeID: [UInt8]
    let indexPath: String
    /// The background refreshes of the active segment's index, one at a time.
    let queue = DispatchQueue(label: "licheng.index-refresh")
    /// A refresh is queued or running (under `stateLock`).
    var refreshing = false

    init(stateLock: NSLock, storeID: [UInt8], indexPath: String) {
        self.stateLock = stateLock
        self.storeID = storeID
        self.indexPath = indexPath
    }

    func indexFilePath(for segment: Segment) -> String {
        FS.join(indexPath, Format.paddedSeq(segment.firstSeq) + "." + Format.indexExtension)
    }

    /// Saves the index of everything committed in `segment` (derived data: no fsync).
    /// Called by the appending thread (a roll), `close`, or the refresh queue, one at a time.
    func writeIndex(of segment: Segment) throws {
        stateLock.lock()
        let sealed = segment.isSealed
        let base = segment.index?.coveredEnd
        stateLock.unlock()
        let index = try mergedIndex(of: segment, sealed: sealed)
        stateLock.lock()
        // Appends may have added to the tail meanwhile; an index published by someone
        // else meanwhile (none should be) wins.
        guard segment.index?.coveredEnd == base, segment.isSealed == sealed else { stateLock.unlock(); return }
        publish(index, in: segment)
        stateLock.unlock()
        if segment.isEmpty { return }
        try FS.writeAtomically(index.encode(), to: indexFilePath(for: segment), durable: false, faults: nil)
    }

    /// The segment's index with its committed tail folded in (computed outside the lock);
    /// rebuilt from the segment when the old index turns out damaged.
    func mergedIndex(of segment: Segment, sealed: Bool) throws -> SegmentIndex {
        stateLock.lock()
        let tailBlocks = segment.tailBlocks, keys = segment.tailKeysSnapshot
        let end = segment.end, head = segment.chainHead
        let base = segment.index
        stateLock.unlock()
        let tailKeys = Segment.grouped(keys.grouped, keys.ungrouped)  // outside the lock
        guard let base else {
            return SegmentIndex(firstSeq: segment.firstSeq, storeID: storeID, coveredEnd: end, chainHead: head,
                                sealed: sealed, blocks: tailBlocks, keyed: tailKeys)
        }
        if let merged = base.extended(blocks: tailBlocks, keyed: tailKeys, coveredEnd: end, chainHead: head, sealed: sealed) {
            return merged
        }
        return try buildIndex(of: segment, upTo: end, chainHead: head, sealed: sealed)
    }

    /// Makes `index` the segment's index and removes from the tail what it covers (blocks
    /// appended after the index was made stay in the tail). Call with `stateLock` held.
    func publish(_ index: SegmentIndex, in segment: Segment) {
        segment.index = index
        let covered = segment.tailBlocks.prefix { $0.offset < index.coveredEnd }.count
        segment.tailBlocks.removeFirst(covered)
        segment.dropTailKeys(below: segment.tailBlocks.first?.firstSeq)
        segment.tailBytes = segment.end - index.coveredEnd
    }

    /// Scans a segment (up to `end`, by default all of it) to rebuild its index.
    func buildIndex(of segment: Segment, upTo end: Int64? = nil, chainHead: Digest? = nil, sealed: Bool = true) throws -> SegmentIndex {
        stateLock.lock()
        let limit = end ?? segment.end, head = chainHead ?? segment.chainHead
        stateLock.unlock()
        var walker = BlockWalker(file: segment.file, from: Int64(Format.segmentHeaderLength), limit: limit,
                                 expectedSeq: segment.firstSeq)
        var blocks: [BlockEntry] = []
        var keyed: [String: [UInt64]] = [:]
        while let (header, entry) = try walker.next(in: segment.name) {
            blocks.append(entry)
            if let problem = walker.decoder.forEachRecord(header, { r in
                if !r.key.isEmpty { keyed[r.keyString!, default: []].append(r.seq) }
                return true
            }) {
                throw problem.corrupt(segment: segment.name, offset: entry.offset)
            }
        }
        return SegmentIndex(firstSeq: segment.firstSeq, storeID: storeID, coveredEnd: limit,
                            chainHead: head, sealed: sealed, blocks: blocks, keyed: keyed)
    }
}

extension Log {
    func indexFilePath(for segment: Segment) -> String { indexes.indexFilePath(for: segment) }
    func writeIndex(of segment: Segment) throws { try indexes.writeIndex(of: segment) }
    func mergedIndex(of segment: Segment, sealed: Bool) throws -> SegmentIndex { try indexes.mergedIndex(of: segment, sealed: sealed) }
    func publish(_ index: SegmentIndex, in segment: Segment) { indexes.publish(index, in: segment) }
    func buildIndex(of segment: Segment, upTo end: Int64? = nil, chainHead: Digest? = nil, sealed: Bool = true) throws -> SegmentIndex {
        try indexes.buildIndex(of: segment, upTo: end, chainHead: chainHead, sealed: sealed)
    }
}

extension Log {
    /// Reads and checks an index file; nil when missing, damaged or not for this segment.
    func loadIndexFile(for segment: Segment) -> SegmentIndex? {
        let path = indexFilePath(for: segment)
        guard let bytes = ByteBuffer.map(path), bytes.count < 1 << 32, let index = SegmentIndex.decode(bytes),
              index.firstSeq == segment.firstSeq, index.storeID == storeID else { return nil }
        return index
    }

    /// The index of a sealed segment, loaded from its file or rebuilt from the
    /// segment when the file is missing, damaged or stale.
    func sealedIndex(_ segment: Segment) throws -> SegmentIndex {
        stateLock.lock()
        if let index = segment.index, index.sealed, index.coveredEnd == segment.end { stateLock.unlock(); return index }
        stateLock.unlock()
        let index: SegmentIndex
        if let loaded = loadIndexFile(for: segment), loaded.sealed, loaded.coveredEnd == segment.end,
           loaded.chainHead == segment.chainHead {
            index = loaded
        } else {
            index = try buildIndex(of: segment)
            // A read-only copy of a store cannot keep the index; that is fine.
            try? FS.makeDirectory(indexPath)
            try? FS.writeAtomically(index.encode(), to: indexFilePath(for: segment), durable: false, faults: nil)
        }
        stateLock.lock()
        if !(segment.index.map { $0.sealed && $0.coveredEnd == segment.end } ?? false) { segment.index = index }
        stateLock.unlock()
        return index
    }

    /// The seqs of `key` in `segment`'s index; an index found damaged on the way is rebuilt
    /// from the segment (over the same stretch) and the lookup repeated.
    /// `captured` is the active segment's index as read together with its tail (nil for a
    /// sealed segment, whose index is loaded here).
    func indexedSeqs(_ segment: Segment, captured: SegmentIndex?, sealed: Bool, _ key: [UInt8]) throws -> [UInt64] {
        let index = sealed ? try sealedIndex(segment) : captured
        guard let index else { return [] }
        if let found = index.seqs(forKey: key) { return found }
        let rebuilt = try buildIndex(of: segment, upTo: index.coveredEnd, chainHead: index.chainHead, sealed: index.sealed)
        stateLock.lock()
        if segment.index?.coveredEnd == rebuilt.coveredEnd { segment.index = rebuilt }
        stateLock.unlock()
        // A reader saves a sealed segment's index only; the active one is the writer's.
        if sealed || (mode == .write && rebuilt.coveredEnd == segment.end) {
            try? FS.writeAtomically(rebuilt.encode(), to: indexFilePath(for: segment), durable: false, faults: nil)
        }
        return rebuilt.seqs(forKey: key) ?? []
    }

    /// Rebuilds missing or stale indexes of sealed segments (checking only each
    /// index file's header, so that opening a large store stays fast).
    func refreshIndexesOnOpen() throws {
        try FS.makeDirectory(indexPath)
        for segment in snapshotSegments() where segment.isSealed {
            let path = indexFilePath(for: segment)
            var fresh = false
            if let file = try? File.open(path, flags: O_RDONLY), let header = try? file.read(count: Format.indexHeaderLength, at: 0),
               header.count == Format.indexHeaderLength, Array(header[0..<8]) == Format.indexMagic,
               header.le(UInt16.self, at: 8) == Format.indexVersion,
               header.le(UInt64.self, at: 120) == Hash.xxh3(header, upTo: 120),
               header.le(UInt64.self, at: 16) == segment.firstSeq, (header.le(UInt32.self, at: 12) ?? 0) & 1 == 1,
               header.le(UInt64.self, at: 24) == UInt64(segment.end), Array(header[56..<88]) == segment.chainHead.bytes {
                fresh = true
            }
            if !fresh { _ = try sealedIndex(segment) }
        }
    }

    /// All committed blocks of a segment, in order.
    func blocks(of segment: Segment) throws -> [BlockEntry] {
        stateLock.lock()
        if segment.isSealed { stateLock.unlock(); return try sealedIndex(segment).blocks }
        defer { stateLock.unlock() }
        return (segment.index?.blocks ?? []) + segment.tailBlocks
    }
}

/// The committed end of the active segment, recorded when a writer closes without rewriting
/// the segment's index (rewriting a large index for one small command would cost more than
/// the command). Recovery then knows that every byte before `end` was acknowledged: damage
/// there is reported as corruption, not taken for a torn write, and a file cut short of it
/// is reported as missing data. Stored in `index/<segment>.ltail` (FORMAT.md §7.2).
struct TailMarker: Equatable {
    static let magic: [UInt8] = Array("LCHG-TAL".utf8)
    static let length = 88

    var storeID: [UInt8]
    var firstSeq: UInt64
    var end: Int64
    var lastSeq: UInt64
    var chainHead: Digest

    func encode() -> [UInt8] {
        var out = TailMarker.magic
        out += storeID
        out.appendLE(firstSeq)
        out.appendLE(UInt64(end))
        out.appendLE(lastSeq)
        out += chainHead.bytes
        out.appendLE(Hash.xxh3(out, upTo: out.count))
        return out
    }

    static func decode(_ b: [UInt8]) -> TailMarker? {
        guard b.count == length, Array(b[0..<8]) == magic, b.le(UInt64.self, at: 80) == Hash.xxh3(b, upTo: 80),
              let first = b.le(UInt64.self, at: 24), let end = b.le(UInt64.self, at: 32), end < UInt64(Int64.max),
              let last = b.le(UInt64.self, at: 40) else { return nil }
        return TailMarker(storeID: Array(b[8..<24]), firstSeq: first, end: Int64(end), lastSeq: last, chainHead: Digest(bytes: Array(b[48..<80])))
    }
}

extension Log {
    func tailMarkerPath(for segment: Segment) -> String {
        FS.join(indexPath, Format.paddedSeq(segment.firstSeq) + ".ltail")
    }

    /// Records the active segment's committed end (derived: no fsync; losing it only means
    /// damage at the very end is taken for a torn write, as after a crash).
    func writeTailMarker(of segment: Segment) throws {
        stateLock.lock()
        let marker = TailMarker(storeID: storeID, firstSeq: segment.firstSeq, end: segment.end, lastSeq: segment.lastSeq,
                                chainHead: segment.chainHead)
        stateLock.unlock()
        try FS.writeAtomically(marker.encode(), to: tailMarkerPath(for: segment), durable: false, faults: nil)
    }

    /// The committed end recorded for `segment`, when the marker is intact and its own.
    func loadTailMarker(for segment: Segment) -> TailMarker? {
        guard let file = try? File.open(tailMarkerPath(for: segment), flags: O_RDONLY),
              let bytes = try? file.read(count: TailMarker.length + 1, at: 0), let marker = TailMarker.decode(bytes),
              marker.storeID == storeID, marker.firstSeq == segment.firstSeq else { return nil }
        return marker
    }
}
