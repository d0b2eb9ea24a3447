/// The derived index of one segment: its blocks (the sparse seq and time
/// index) and, for every stream key, the seqs of its records. Stored in
/// `index/<segment>.lidx`; deleting it loses nothing, it is rebuilt.
struct SegmentIndex {
    var firstSeq: UInt64
    var storeID: [UInt8]
    /// Segment bytes covered: the end of the last indexed block.
    var coveredEnd: Int64
    var chainHead: Digest
    var sealed: Bool
    var blocks: [BlockEntry]
    /// Keys sorted by their UTF-8 bytes, each with its ascending seqs.
    private(set) var keys: [[UInt8]]
    private(set) var seqs: [[UInt64]]

    init(firstSeq: UInt64, storeID: [UInt8], coveredEnd: Int64, chainHead: Digest, sealed: Bool,
         blocks: [BlockEntry], keyed: [String: [UInt64]]) {
        self.firstSeq = firstSeq
        self.storeID = storeID
        self.coveredEnd = coveredEnd
        self.chainHead = chainHead
        self.sealed = sealed
        self.blocks = blocks
        let sorted = keyed.map { (Array($0.key.utf8), $0.value) }.sorted { $0.0.lexicographicallyPrecedes($1.0) }
        keys = sorted.map(\.0)
        seqs = sorted.map(\.1)
    }

    var lastSeq: UInt64 { blocks.last.map(\.lastSeq) ?? firstSeq - 1 }

    /// The seqs recorded under `key`, ascending.
    func seqs(forKey key: [UInt8]) -> [UInt64] {
        var low = 0, high = keys.count
        while low < high {
            let mid = (low + high) / 2
            if keys[mid].lexicographicallyPrecedes(key) { low = mid + 1 } else { high = mid }
        }
        return low < keys.count && keys[low] == key ? seqs[low] : []
    }

    /// All keys with their seqs, for merging with newer records.
    var keyedDictionary: [String: [UInt64]] {
        var out: [String: [UInt64]] = [:]
        out.reserveCapacity(keys.count)
        for (k, s) in zip(keys, seqs) { out[String(decoding: k, as: UTF8.self)] = s }
        return out
    }

    func encode() -> [UInt8] {
        var body: [UInt8] = []
        for b in blocks {
            body.appendLE(UInt64(b.offset)); body.appendLE(b.storedLength); body.appendLE(b.uncompressedLength)
            body.appendLE(b.firstSeq); body.appendLE(b.count); body.appendLE(b.flags); body.appendLE(UInt16(0))
            body.appendLE(b.firstTimestamp); body.appendLE(b.lastTimestamp)
        }
        var keyBytesOffset: UInt32 = 0, seqOffset: UInt32 = 0, totalSeqs: UInt64 = 0
        for (k, s) in zip(keys, seqs) {
            body.appendLE(keyBytesOffset); body.appendLE(UInt32(k.count)); body.appendLE(seqOffset); body.appendLE(UInt32(s.count))
            keyBytesOffset += UInt32(k.count); seqOffset += UInt32(s.count); totalSeqs += UInt64(s.count)
        }
        for k in keys { body.append(contentsOf: k) }
        for s in seqs { for seq in s { body.appendLE(UInt32(seq - firstSeq)) } }

        var out = Format.indexMagic
        out.appendLE(Format.indexVersion)
        out.appendLE(UInt16(Format.indexHeaderLength))
        out.appendLE(UInt32(sealed ? 1 : 0))
        out.appendLE(firstSeq)
        out.appendLE(UInt64(coveredEnd))
        out.appendLE(lastSeq)
        out.appendLE(UInt32(blocks.count))
        out.appendLE(UInt32(keys.count))
        out.appendLE(totalSeqs)
        out.append(contentsOf: chainHead.bytes)
        out.append(contentsOf: storeID)
        body.withUnsafeBytes { out.appendLE(Hash.xxh3($0)) }
        out.appendLE(UInt64(0))
        out.appendLE(Hash.xxh3(out, upTo: 120))
        out.append(contentsOf: body)
        return out
    }

    /// Parses an index file; nil when it is damaged or of another version
    /// (the caller then rebuilds it from the segment).
    static func decode(_ bytes: [UInt8]) -> SegmentIndex? {
        bytes.withUnsafeBytes { b -> SegmentIndex? in
            guard b.count >= Format.indexHeaderLength, Array(bytes[0..<8]) == Format.indexMagic,
                  b.le(UInt16.self, at: 8) == Format.indexVersion,
                  b.le(UInt64.self, at: 120) == Hash.xxh3(UnsafeRawBufferPointer(rebasing: b[0..<120])) else { return nil }
            let body = UnsafeRawBufferPointer(rebasing: b[Format.indexHeaderLength...])
            guard b.le(UInt64.self, at: 104) == Hash.xxh3(body) else { return nil }
            let firstSeq = b.leUnchecked(UInt64.self, at: 16)
            let blockCount = Int(b.leUnchecked(UInt32.self, at: 40))
            let keyCount = Int(b.leUnchecked(UInt32.self, at: 44))
            let totalSeqs = Int(b.leUnchecked(UInt64.self, at: 48))
            let keyTable = blockCount * Format.indexBlockEntryLength
            let keyBlob = keyTable + keyCount * Format.indexKeyEntryLength
            guard blockCount < 1 << 28, keyCount < 1 << 28, totalSeqs < 1 << 32, keyBlob <= body.count else { return nil }
            var blocks: [BlockEntry] = []
            blocks.reserveCapacity(blockCount)
            for i in 0..<blockCount {
                let o = i * Format.indexBlockEntryLength
                blocks.append(BlockEntry(
                    offset: Int64(body.leUnchecked(UInt64.self, at: o)), storedLength: body.leUnchecked(UInt32.self, at: o + 8),
                    uncompressedLength: body.leUnchecked(UInt32.self, at: o + 12), firstSeq: body.leUnchecked(UInt64.self, at: o + 16),
                    count: body.leUnchecked(UInt32.self, at: o + 24), flags: body.leUnchecked(UInt16.self, at: o + 28),
                    firstTimestamp: body.leUnchecked(Int64.self, at: o + 32), lastTimestamp: body.leUnchecked(Int64.self, at: o + 40)))
            }
            var keyBlobLength = 0
            for i in 0..<keyCount { keyBlobLength += Int(body.leUnchecked(UInt32.self, at: keyTable + i * 16 + 4)) }
            let seqArray = keyBlob + keyBlobLength
            guard seqArray + totalSeqs * 4 == body.count else { return nil }
            var keys: [[UInt8]] = [], seqs: [[UInt64]] = []
            keys.reserveCapacity(keyCount); seqs.reserveCapacity(keyCount)
            for i in 0..<keyCount {
                let o = keyTable + i * 16
                let ko = Int(body.leUnchecked(UInt32.self, at: o)), kl = Int(body.leUnchecked(UInt32.self, at: o + 4))
                let so = Int(body.leUnchecked(UInt32.self, at: o + 8)), sc = Int(body.leUnchecked(UInt32.self, at: o + 12))
                guard ko + kl <= keyBlobLength, so + sc <= totalSeqs else { return nil }
                keys.append(Array(body[(keyBlob + ko)..<(keyBlob + ko + kl)]))
                seqs.append((0..<sc).map { firstSeq + UInt64(body.leUnchecked(UInt32.self, at: seqArray + (so + $0) * 4)) })
            }
            var index = SegmentIndex(firstSeq: firstSeq, storeID: Array(bytes[88..<104]),
                                     coveredEnd: Int64(b.leUnchecked(UInt64.self, at: 24)),
                                     chainHead: Digest(bytes: Array(bytes[56..<88])),
                                     sealed: b.leUnchecked(UInt32.self, at: 12) & 1 != 0, blocks: blocks, keyed: [:])
            index.keys = keys
            index.seqs = seqs
            return index
        }
    }
}
