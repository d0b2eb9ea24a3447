@testable import LichengLog
import TestSupport

/// A record as laid out inside a block, for tests that tamper with segments.
struct RawRecord: Equatable {
    var flags: UInt8
    var seq: UInt64
    var timestamp: Int64
    var key: [UInt8]
    var payload: [UInt8]
}

/// One block of a segment file, decoded.
struct RawBlock {
    var offset: Int
    var headerBytes: [UInt8]
    var records: [RawRecord]
}

/// Reads and rewrites segment files the way an attacker who knows the format
/// would: every checksum and digest recomputed, only the hash chain left alone.
struct SegmentSurgery {
    var header: [UInt8]
    var blocks: [RawBlock]
    var footer: [UInt8]?

    init(path: String) {
        let bytes = readFileBytes(path)
        header = Array(bytes[0..<Format.segmentHeaderLength])
        var end = bytes.count
        if bytes.count >= Format.segmentHeaderLength + Format.footerLength,
           SegmentFooter.parse(Array(bytes[(bytes.count - Format.footerLength)...])) != nil {
            footer = Array(bytes[(bytes.count - Format.footerLength)...])
            end -= Format.footerLength
        }
        var offset = Format.segmentHeaderLength
        blocks = []
        while offset < end {
            // Zeros after the last block are space the writer reserved (a copy of a live store).
            if bytes[offset..<end].allSatisfy({ $0 == 0 }) { break }
            let h = try! BlockHeader.parse(Array(bytes[offset..<(offset + Format.blockHeaderLength)])).get()
            var decoder = BlockDecoder()
            let start = offset + Format.blockHeaderLength
            let problem = bytes.withUnsafeBytes { decoder.load(h, stored: UnsafeRawBufferPointer(rebasing: $0[start..<(start + h.storedLength)])) }
            precondition(problem == nil)
            var records: [RawRecord] = []
            _ = decoder.forEachRecord(h) { r in
                records.append(RawRecord(flags: r.isRedacted ? 1 : 0, seq: r.seq, timestamp: r.timestamp,
                                         key: Array(r.key), payload: Array(r.payload)))
                return true
            }
            blocks.append(RawBlock(offset: offset, headerBytes: Array(bytes[offset..<start]), records: records))
            offset = start + h.storedLength
        }
    }

    /// Lays the blocks out again with fresh lengths and checksums (the chain
    /// heads in block headers are kept as they were), and a fresh footer digest.
    func encode() -> [UInt8] {
        var out = header
        for block in blocks {
            var raw: [UInt8] = []
            for r in block.records {
                raw.append(r.flags); raw.appendLE(r.seq); raw.appendLE(r.timestamp)
                raw.appendLE(UInt16(r.key.count)); raw.appendLE(UInt32(r.payload.count))
                raw.append(contentsOf: r.key); raw.append(contentsOf: r.payload)
            }
            var compressed = [UInt8](repeating: 0, count: LZ4Codec.compressBound(raw.count))
            let n = raw.withUnsafeBytes { r in compressed.withUnsafeMutableBytes { LZ4Codec.compress(r, into: $0) } }
            let stored = n > 0 && n < raw.count ? Array(compressed[0..<n]) : raw
            var h = block.headerBytes
            h[5] = n > 0 && n < raw.count ? 1 : 0
            h.storeLE(UInt32(stored.count), at: 8)
            h.storeLE(UInt32(raw.count), at: 12)
            h.storeLE(block.records.first?.seq ?? 0, at: 16)
            h.storeLE(UInt32(block.records.count), at: 24)
            h.storeLE(block.records.first?.timestamp ?? 0, at: 32)
            h.storeLE(block.records.last?.timestamp ?? 0, at: 40)
            h.storeLE(stored.withUnsafeBytes { Hash.xxh3($0) }, at: 80)
            h.storeLE(UInt32(truncatingIfNeeded: Hash.xxh3(h, upTo: 92)), at: 92)
            out += h + stored
        }
        if var f = footer {
            let digest = Hash.sha256(out)
            f.replaceSubrange(64..<96, with: digest.bytes)
            f.storeLE(Hash.xxh3(f, upTo: 184), at: 184)
            out += f
        }
        return out
    }
}
