#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The derived index of one segment: its blocks (the sparse seq and time
/// index) and, for every stream key, the seqs of its records. Stored in
/// `index/<segment>.lidx`; deleting it loses nothing, it is rebuilt.
///
/// The file is mapped and stays in its encoded form: a lookup is a binary search
/// over the sorted key table in place. Its body is checksummed in 4 KiB chunks
/// (the chunk table is checked on load, each chunk the first time it is read), so
/// a lookup reads and checks a few pages however many keys the segment holds.
struct SegmentIndex {
    var firstSeq: UInt64
    var storeID: [UInt8]
    /// Segment bytes covered: the end of the last indexed block.
    var coveredEnd: Int64
    var chainHead: Digest
    var sealed: Bool
    var blocks: [BlockEntry]
    /// The whole encoded file; the key table, key bytes and seq array live in it.
    private let bytes: ByteBuffer
    private let chunks: ChunkChecks
    private let keyCount: Int
    private let keyTable: Int
    private let keyBlob: Int
    private let seqArray: Int
    private let totalSeqs: Int

    var lastSeq: UInt64 { blocks.last.map(\.lastSeq) ?? firstSeq - 1 }

    /// Builds an index from blocks and keyed seqs.
    init(firstSeq: UInt64, storeID: [UInt8], coveredEnd: Int64, chainHead: Digest, sealed: Bool,
         blocks: [BlockEntry], keyed: [String: [UInt64]]) {
        let sorted = keyed.map { (Array($0.key.utf8), $0.value) }.sorted { $0.0.lexicographicallyPrecedes($1.0) }
        let encoded = SegmentIndex.encode(firstSeq: firstSeq, storeID: storeID, coveredEnd: coveredEnd, chainHead: chainHead,
                                          sealed: sealed, blocks: blocks, keyCount: sorted.count) { emit in
            for (k, s) in sorted { k.withUnsafeBytes { emit($0, UnsafeRawBufferPointer(start: nil, count: 0), s[...]) } }
        }
        self = SegmentIndex.decode(encoded)!
    }

    /// True once a chunk read from the file failed its checksum (the index must be rebuilt).
    var isDamaged: Bool { chunks.damaged }

    /// This index extended by newer blocks and keyed seqs (all after `coveredEnd`):
    /// one merge pass over the sorted keys, without decoding the old ones.
    /// Nil when a chunk of this index turns out damaged.
    func extended(blocks newBlocks: [BlockEntry], keyed: [String: [UInt64]], coveredEnd: Int64,
                  chainHead: Digest, sealed: Bool) -> SegmentIndex? {
        let added = keyed.map { (Array($0.key.utf8), $0.value) }.sorted { $0.0.lexicographicallyPrecedes($1.0) }
        var distinct = keyCount
        do {
            var i = 0, j = 0
            while j < added.count {
                if i < keyCount, compareKey(i, added[j].0) < 0 { i += 1; continue }
                if i < keyCount, compareKey(i, added[j].0) == 0 { i += 1; j += 1; continue }
                distinct += 1; j += 1
            }
        }
        let encoded = SegmentIndex.encode(firstSeq: firstSeq, storeID: storeID, coveredEnd: coveredEnd, chainHead: chainHead,
                                          sealed: sealed, blocks: blocks + newBlocks, keyCount: distinct) { emit in
            // Old keys and their seqs are copied as encoded (same first seq, so the same
            // bytes): no per-key arrays, no per-seq decode and re-encode.
            bytes.withUnsafeBytes { b in
                func old(_ i: Int) -> (key: UnsafeRawBufferPointer, seqs: UnsafeRawBufferPointer) {
                    guard let e = entry(i), chunks.check(keyBlob + e.keyOffset, count: e.keyLength),
                          chunks.check(seqArray + e.seqStart * 4, count: e.seqCount * 4) else {
                        return (UnsafeRawBufferPointer(start: nil, count: 0), UnsafeRawBufferPointer(start: nil, count: 0))
                    }
                    return (UnsafeRawBufferPointer(rebasing: b[(keyBlob + e.keyOffset)..<(keyBlob + e.keyOffset + e.keyLength)]),
                            UnsafeRawBufferPointer(rebasing: b[(seqArray + e.seqStart * 4)..<(seqArray + (e.seqStart + e.seqCount) * 4)]))
                }
                var i = 0, j = 0
                while i < keyCount || j < added.count {
                    let c = i == keyCount ? 1 : j == added.count ? -1 : compareKey(i, added[j].0)
                    if c < 0 { let o = old(i); emit(o.key, o.seqs, []); i += 1 }
                    else if c > 0 { added[j].0.withUnsafeBytes { emit($0, UnsafeRawBufferPointer(start: nil, count: 0), added[j].1[...]) }; j += 1 }
                    else { let o = old(i); emit(o.key, o.seqs, added[j].1[...]); i += 1; j += 1 }
                }
            }
        }
        return chunks.damaged ? nil : SegmentIndex.decode(encoded)!
    }

    /// The seqs recorded under `key`, ascending; nil when the part of the index read is damaged.
    func seqs(forKey key: [UInt8]) -> [UInt64]? {
        var low = 0, high = keyCount
        while low < high {
            let mid = (low + high) / 2
            if compareKey(mid, key) < 0 { low = mid + 1 } else { high = mid }
        }
        let found = low < keyCount && compareKey(low, key) == 0 ? seqs(at: low) : []
        return chunks.damaged ? nil : found
    }

    /// Key table entry `i`, checked: its chunk's checksum, the key inside the blob, the seqs
    /// inside the array. Nil (and the index marked damaged) otherwise.
    private func entry(_ i: Int) -> (keyOffset: Int, keyLength: Int, seqStart: Int, seqCount: Int)? {
        let o = keyTable + i * Format.indexKeyEntryLength
        guard chunks.check(o, count: Format.indexKeyEntryLength) else { return nil }
        let e = bytes.withUnsafeBytes { b in
            (Int(b.leUnchecked(UInt32.self, at: o)), Int(b.leUnchecked(UInt32.self, at: o + 4)),
             Int(b.leUnchecked(UInt32.self, at: o + 8)), Int(b.leUnchecked(UInt32.self, at: o + 12)))
        }
        guard e.0 + e.1 <= seqArray - keyBlob, e.2 + e.3 <= totalSeqs else { chunks.markDamaged(); return nil }
        return e
    }

    private func seqs(at i: Int) -> [UInt64] {
        guard let e = entry(i), chunks.check(seqArray + e.seqStart * 4, count: e.seqCount * 4) else { return [] }
        return bytes.withUnsafeBytes { b in
            (0..<e.seqCount).map { firstSeq + UInt64(b.leUnchecked(UInt32.self, at: seqArray + (e.seqStart + $0) * 4)) }
        }
    }

    /// Compares key `i` with `other` bytewise: negative, zero or positive (zero when damaged).
    private func compareKey(_ i: Int, _ other: [UInt8]) -> Int {
        guard let e = entry(i), chunks.check(keyBlob + e.keyOffset, count: e.keyLength) else { return 0 }
        return bytes.withUnsafeBytes { b in
            other.withUnsafeBytes { o in
                let n = min(e.keyLength, o.count)
                let c = n == 0 ? 0 : Int(memcmp(b.baseAddress! + keyBlob + e.keyOffset, o.baseAddress!, n))
                return c != 0 ? c : e.keyLength - o.count
            }
        }
    }

    func encode() -> [UInt8] { bytes.array(0..<bytes.count) }

    /// Lays out an index file; `keys` must call `emit` once per key, in key order, with
    /// the key's bytes, seqs already encoded (u32 LE, relative to `firstSeq`) and seqs to add.
    private static func encode(firstSeq: UInt64, storeID: [UInt8], coveredEnd: Int64, chainHead: Digest, sealed: Bool,
                               blocks: [BlockEntry], keyCount: Int,
                               keys: ((_ emit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer, ArraySlice<UInt64>) -> Void) -> Void)) -> [UInt8] {
        var blockSection: [UInt8] = []
        blockSection.reserveCapacity(blocks.count * Format.indexBlockEntryLength)
        for b in blocks {
            blockSection.appendLE(UInt64(b.offset)); blockSection.appendLE(b.storedLength); blockSection.appendLE(b.uncompressedLength)
            blockSection.appendLE(b.firstSeq); blockSection.appendLE(b.count); blockSection.appendLE(b.flags); blockSection.appendLE(UInt16(0))
            blockSection.appendLE(b.firstTimestamp); blockSection.appendLE(b.lastTimestamp)
        }
        var table: [UInt8] = [], blob: [UInt8] = [], seqBytes: [UInt8] = []
        table.reserveCapacity(keyCount * Format.indexKeyEntryLength)
        var seqTotal: UInt32 = 0
        keys { key, encodedSeqs, newSeqs in
            let n = encodedSeqs.count / 4 + newSeqs.count
            table.appendLE(UInt32(blob.count)); table.appendLE(UInt32(key.count))
            table.appendLE(seqTotal); table.appendLE(UInt32(n))
            blob.append(contentsOf: key)
            seqBytes.append(contentsOf: encodedSeqs)
            if !newSeqs.isEmpty {
                var at = seqBytes.count
                seqBytes.append(contentsOf: repeatElement(0, count: newSeqs.count * 4))
                seqBytes.withUnsafeMutableBytes { out in
                    for s in newSeqs {
                        out.storeBytes(of: UInt32(s - firstSeq).littleEndian, toByteOffset: at, as: UInt32.self)
                        at += 4
                    }
                }
            }
            seqTotal += UInt32(n)
        }
        // Header (body checksum and header checksum filled in last), then the sections.
        var out = Format.indexMagic
        out.reserveCapacity(Format.indexHeaderLength + blockSection.count + table.count + blob.count + seqBytes.count)
        out.appendLE(Format.indexVersion)
        out.appendLE(UInt16(Format.indexHeaderLength))
        out.appendLE(UInt32(sealed ? 1 : 0))
        out.appendLE(firstSeq)
        out.appendLE(UInt64(coveredEnd))
        out.appendLE(blocks.last.map(\.lastSeq) ?? firstSeq - 1)
        out.appendLE(UInt32(blocks.count))
        out.appendLE(UInt32(keyCount))
        out.appendLE(UInt64(seqTotal))
        out.append(contentsOf: chainHead.bytes)
        out.append(contentsOf: storeID)
        out.appendLE(UInt64(0))  // chunk table checksum, below
        out.appendLE(UInt64(blockSection.count + table.count + blob.count + seqBytes.count))  // body length
        out.appendLE(UInt64(0))  // header checksum, below
        out.append(contentsOf: blockSection)
        out.append(contentsOf: table)
        out.append(contentsOf: blob)
        out.append(contentsOf: seqBytes)
        // The chunk table: XXH3-64 of each 4 KiB of the body.
        let bodyEnd = out.count
        let chunkTable = out.withUnsafeBytes { ChunkChecks.table(for: UnsafeRawBufferPointer(rebasing: $0[Format.indexHeaderLength..<bodyEnd])) }
        out.storeLE(chunkTable.withUnsafeBytes { Hash.xxh3($0) }, at: 104)
        out.append(contentsOf: chunkTable)
        out.storeLE(Hash.xxh3(out, upTo: 120), at: 120)
        return out
    }

    private init(bytes: ByteBuffer, chunks: ChunkChecks, firstSeq: UInt64, coveredEnd: Int64, chainHead: Digest, sealed: Bool,
                 blocks: [BlockEntry], keyCount: Int, keyTable: Int, keyBlob: Int, seqArray: Int, totalSeqs: Int) {
        self.bytes = bytes
        self.chunks = chunks
        self.totalSeqs = totalSeqs
        self.firstSeq = firstSeq
        self.storeID = bytes.array(88..<104)
        self.coveredEnd = coveredEnd
        self.chainHead = chainHead
        self.sealed = sealed
        self.blocks = blocks
        self.keyCount = keyCount
        self.keyTable = keyTable
        self.keyBlob = keyBlob
        self.seqArray = seqArray
    }

    /// Parses and checks an index file's header, chunk table and block table; nil when it is
    /// damaged, inconsistent or of another version (the caller then rebuilds it from the
    /// segment). The key table, keys and seqs are checked chunk by chunk as they are read.
    static func decode(_ bytes: [UInt8]) -> SegmentIndex? { decode(ByteBuffer(bytes)) }

    static func decode(_ bytes: ByteBuffer) -> SegmentIndex? {
        bytes.withUnsafeBytes { b -> SegmentIndex? in
            let h = Format.indexHeaderLength
            guard b.count >= h, bytes.array(0..<8) == Format.indexMagic,
                  b.le(UInt16.self, at: 8) == Format.indexVersion,
                  b.le(UInt64.self, at: 120) == Hash.xxh3(UnsafeRawBufferPointer(rebasing: b[0..<120])),
                  let bodyLength64 = b.le(UInt64.self, at: 112), bodyLength64 < 1 << 40 else { return nil }
            let bodyLength = Int(bodyLength64)
            let chunkCount = (bodyLength + Format.indexChunkLength - 1) / Format.indexChunkLength
            guard h + bodyLength + chunkCount * 8 == b.count,
                  b.le(UInt64.self, at: 104) == Hash.xxh3(UnsafeRawBufferPointer(rebasing: b[(h + bodyLength)...])) else { return nil }
            let chunks = ChunkChecks(bytes, bodyStart: h, bodyLength: bodyLength)
            let firstSeq = b.leUnchecked(UInt64.self, at: 16)
            let blockCount = Int(b.leUnchecked(UInt32.self, at: 40))
            let keyCount = Int(b.leUnchecked(UInt32.self, at: 44))
            let totalSeqs64 = b.leUnchecked(UInt64.self, at: 48)
            guard totalSeqs64 < 1 << 32 else { return nil }
            let totalSeqs = Int(totalSeqs64)
            let keyTable = blockCount * Format.indexBlockEntryLength
            let keyBlob = keyTable + keyCount * Format.indexKeyEntryLength
            let seqArray = bodyLength - totalSeqs * 4
            guard blockCount < 1 << 28, keyCount < 1 << 28, keyBlob <= seqArray,
                  chunks.check(h, count: keyTable) else { return nil }
            let body = UnsafeRawBufferPointer(rebasing: b[h..<(h + bodyLength)])
            var blocks: [BlockEntry] = []
            blocks.reserveCapacity(blockCount)
            for i in 0..<blockCount {
                let o = i * Format.indexBlockEntryLength
                blocks.append(BlockEntry(
                    offset: Int64(truncatingIfNeeded: body.leUnchecked(UInt64.self, at: o)), storedLength: body.leUnchecked(UInt32.self, at: o + 8),
                    uncompressedLength: body.leUnchecked(UInt32.self, at: o + 12), firstSeq: body.leUnchecked(UInt64.self, at: o + 16),
                    count: body.leUnchecked(UInt32.self, at: o + 24), flags: body.leUnchecked(UInt16.self, at: o + 28),
                    firstTimestamp: body.leUnchecked(Int64.self, at: o + 32), lastTimestamp: body.leUnchecked(Int64.self, at: o + 40)))
            }
            // The blocks must tile the segment from its header on, with consecutive
            // seqs; otherwise the file is not trusted (and is rebuilt).
            let coveredEnd = Int64(truncatingIfNeeded: b.leUnchecked(UInt64.self, at: 24))
            var expectedOffset = Int64(Format.segmentHeaderLength), expectedSeq = firstSeq
            guard firstSeq >= 1, firstSeq < UInt64(Int64.max) else { return nil }
            for block in blocks {
                guard block.offset == expectedOffset, block.count >= 1, block.firstSeq == expectedSeq,
                      block.storedLength <= UInt32(BlockHeader.maxPayload),
                      UInt64(Int64.max) - block.firstSeq > UInt64(block.count) else { return nil }
                expectedOffset = block.end
                expectedSeq = block.lastSeq + 1
            }
            guard blocks.isEmpty || coveredEnd == expectedOffset else { return nil }
            return SegmentIndex(bytes: bytes, chunks: chunks, firstSeq: firstSeq, coveredEnd: coveredEnd,
                                chainHead: Digest(bytes: bytes.array(56..<88)), sealed: b.leUnchecked(UInt32.self, at: 12) & 1 != 0,
                                blocks: blocks, keyCount: keyCount, keyTable: h + keyTable, keyBlob: h + keyBlob,
                                seqArray: h + seqArray, totalSeqs: totalSeqs)
        }
    }
}

/// Which 4 KiB chunks of an index body have been checked against the chunk table (each is
/// hashed the first time a lookup reads it), and whether one failed.
public final class ChunkChecks: @unchecked Sendable {
    private let bytes: ByteBuffer
    private let bodyStart: Int
    private let bodyLength: Int
    private var checked: [UInt64]
    private var failed = false
    private let lock = NSLock()

    public var damaged: Bool {
        lock.lock()
        defer { lock.unlock() }
        return failed
    }

    /// The chunk table of `body`: XXH3-64 (little-endian u64) of each 4 KiB.
    public static func table(for body: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(body.count / Format.indexChunkLength * 8 + 8)
        var at = 0
        while at < body.count {
            let end = min(at + Format.indexChunkLength, body.count)
            out.appendLE(Hash.xxh3(UnsafeRawBufferPointer(rebasing: body[at..<end])))
            at = end
        }
        return out
    }

    public init(_ bytes: ByteBuffer, bodyStart: Int, bodyLength: Int) {
        self.bytes = bytes
        self.bodyStart = bodyStart
        self.bodyLength = bodyLength
        checked = [UInt64](repeating: 0, count: (bodyLength / Format.indexChunkLength + 64) / 64)
    }

    public func markDamaged() {
        lock.lock()
        failed = true
        lock.unlock()
    }

    /// Checks the chunks holding file bytes `start ..< start + count` (which must lie in the
    /// body); false, and the index marked damaged, when they do not or a checksum differs.
    public func check(_ start: Int, count: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if failed { return false }
        guard count >= 0, start >= bodyStart, start + count <= bodyStart + bodyLength else { failed = true; return false }
        if count == 0 { return true }
        let size = Format.indexChunkLength
        let tableStart = bodyStart + bodyLength
        for c in ((start - bodyStart) / size)...((start + count - 1 - bodyStart) / size) where checked[c / 64] & (1 << UInt64(c % 64)) == 0 {
            let from = bodyStart + c * size, to = min(from + size, bodyStart + bodyLength)
            let ok = bytes.withUnsafeBytes { b in
                Hash.xxh3(UnsafeRawBufferPointer(rebasing: b[from..<to])) == b.leUnchecked(UInt64.self, at: tableStart + c * 8)
            }
            guard ok else { failed = true; return false }
            checked[c / 64] |= 1 << UInt64(c % 64)
        }
        return true
    }
}
