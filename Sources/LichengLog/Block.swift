/// Where a block lies and what it holds; the unit of the sparse seq/time index.
struct BlockEntry: Equatable, Sendable {
    var offset: Int64
    var storedLength: UInt32
    var uncompressedLength: UInt32
    var firstSeq: UInt64
    var count: UInt32
    var flags: UInt16
    var firstTimestamp: Int64
    var lastTimestamp: Int64

    var lastSeq: UInt64 { firstSeq + UInt64(count) - 1 }
    var end: Int64 { offset + Int64(Format.blockHeaderLength) + Int64(storedLength) }
    var endsBatch: Bool { flags & Format.blockFlagEndOfBatch != 0 }
}

/// A parsed, header-checksum-verified block header.
struct BlockHeader {
    var codec: UInt8
    var flags: UInt16
    var storedLength: Int
    var uncompressedLength: Int
    var firstSeq: UInt64
    var count: Int
    var firstTimestamp: Int64
    var lastTimestamp: Int64
    var chainHead: Digest
    var payloadChecksum: UInt64
    /// Bytes from the start of the write that produced this block to the block.
    var writeDistance: UInt32

    func entry(at offset: Int64) -> BlockEntry {
        BlockEntry(offset: offset, storedLength: UInt32(storedLength), uncompressedLength: UInt32(uncompressedLength),
                   firstSeq: firstSeq, count: UInt32(count), flags: flags,
                   firstTimestamp: firstTimestamp, lastTimestamp: lastTimestamp)
    }

    /// Largest block payload the reader accepts (one maximal record and its header).
    static let maxPayload = Format.maxRecordPayload + Format.maxKeyLength + Format.recordHeaderLength + 1024

    /// Parses the 96 header bytes; the reason string says what is wrong.
    static func parse(_ b: UnsafeRawBufferPointer) -> Result<BlockHeader, BlockHeaderProblem> {
        guard b.count >= Format.blockHeaderLength else { return .failure(.short) }
        guard b.leUnchecked(UInt32.self, at: 0) == Format.blockMagic else { return .failure(.badMagic) }
        let checksum = b.leUnchecked(UInt32.self, at: 92)
        let computed = UInt32(truncatingIfNeeded: Hash.xxh3(UnsafeRawBufferPointer(rebasing: b[0..<92])))
        guard checksum == computed else { return .failure(.badChecksum) }
        let kind = b[4]
        let codec = b[5]
        let stored = Int(b.leUnchecked(UInt32.self, at: 8))
        let raw = Int(b.leUnchecked(UInt32.self, at: 12))
        let count = Int(b.leUnchecked(UInt32.self, at: 24))
        guard kind == Format.blockKindRecords else { return .failure(.invalid("unknown block kind \(kind)")) }
        guard codec == Format.codecStored || codec == Format.codecLZ4 else { return .failure(.invalid("unknown codec \(codec)")) }
        guard count >= 1, raw >= count * Format.recordHeaderLength, raw <= maxPayload, stored <= maxPayload, stored > 0 else {
            return .failure(.invalid("impossible lengths (stored \(stored), uncompressed \(raw), records \(count))"))
        }
        guard codec != Format.codecStored || stored == raw else { return .failure(.invalid("stored block with differing lengths")) }
        return .success(BlockHeader(
            codec: codec, flags: b.leUnchecked(UInt16.self, at: 6), storedLength: stored, uncompressedLength: raw,
            firstSeq: b.leUnchecked(UInt64.self, at: 16), count: count,
            firstTimestamp: b.leUnchecked(Int64.self, at: 32), lastTimestamp: b.leUnchecked(Int64.self, at: 40),
            chainHead: Digest(b, at: 48), payloadChecksum: b.leUnchecked(UInt64.self, at: 80),
            writeDistance: b.leUnchecked(UInt32.self, at: 88)))
    }
}

enum BlockHeaderProblem: Error, CustomStringConvertible {
    case short, badMagic, badChecksum, invalid(String)
    var description: String {
        switch self {
        case .short: return "the block header is incomplete"
        case .badMagic: return "no block starts here (wrong magic number)"
        case .badChecksum: return "the block header checksum does not match"
        case .invalid(let why): return "the block header is invalid: \(why)"
        }
    }
}

/// Builds blocks from records: lays records out, extends the chain, compresses,
/// and appends header + payload to an output buffer. Reuses its scratch buffers.
struct BlockEncoder {
    let targetUncompressedBytes: Int
    private var raw: [UInt8] = []
    private var compressed: [UInt8] = []

    init(targetUncompressedBytes: Int) {
        self.targetUncompressedBytes = targetUncompressedBytes
        raw.reserveCapacity(targetUncompressedBytes + 4096)
    }

    /// Encodes `records` (already validated) with seqs from `firstSeq`. Blocks are
    /// appended to `out`; their entries use offsets `baseOffset + position in out`.
    /// The last block carries the end-of-batch flag.
    /// `writeStart` is the file offset where the write that will carry `out` begins.
    mutating func encode(_ records: [RecordInput], firstSeq: UInt64, chain: inout Chain,
                         into out: inout [UInt8], baseOffset: Int64, writeStart: Int64, entries: inout [BlockEntry]) {
        var index = 0
        var pipelined = PipelinedChain(chain)
        defer { chain = pipelined.linked }
        while index < records.count {
            raw.removeAll(keepingCapacity: true)
            let blockFirst = index
            repeat {
                let record = records[index]
                let seq = firstSeq + UInt64(index)
                let start = raw.count
                // The 23-byte record header in one append: flags, seq, timestamp, key and payload lengths.
                var header: (UInt64, UInt64, UInt64) = (0, 0, 0)
                withUnsafeMutableBytes(of: &header) { h in
                    h.storeBytes(of: 0, toByteOffset: 0, as: UInt8.self)
                    h.storeBytes(of: seq.littleEndian, toByteOffset: 1, as: UInt64.self)
                    h.storeBytes(of: record.timestamp.littleEndian, toByteOffset: 9, as: Int64.self)
                    h.storeBytes(of: UInt16(record.key?.utf8.count ?? 0).littleEndian, toByteOffset: 17, as: UInt16.self)
                    h.storeBytes(of: UInt32(record.payload.count).littleEndian, toByteOffset: 19, as: UInt32.self)
                    raw.append(contentsOf: UnsafeRawBufferPointer(rebasing: h[0..<Format.recordHeaderLength]))
                }
                // The key's UTF-8 goes straight into the block (no per-record array).
                if let key = record.key { raw.append(contentsOf: key.utf8) }
                raw.append(contentsOf: record.payload)
                raw.withUnsafeBytes { pipelined.extend(hashing: UnsafeRawBufferPointer(rebasing: $0[(start + 1)...])) }
                index += 1
            } while index < records.count && raw.count < targetUncompressedBytes
                && raw.count + Format.recordHeaderLength + records[index].payload.count <= targetUncompressedBytes * 2
            let count = index - blockFirst
            var flags: UInt16 = 0
            if index == records.count { flags |= Format.blockFlagEndOfBatch }
            let blockOffset = baseOffset + Int64(out.count)
            appendBlock(firstSeq: firstSeq + UInt64(blockFirst), count: count, flags: flags,
                        firstTimestamp: records[blockFirst].timestamp, lastTimestamp: records[index - 1].timestamp,
                        chain: pipelined.linked, writeDistance: UInt32(blockOffset - writeStart), into: &out)
            entries.append(BlockEntry(
                offset: blockOffset,
                storedLength: UInt32(out.count - Int(blockOffset - baseOffset) - Format.blockHeaderLength),
                uncompressedLength: UInt32(raw.count), firstSeq: firstSeq + UInt64(blockFirst), count: UInt32(count),
                flags: flags, firstTimestamp: records[blockFirst].timestamp, lastTimestamp: records[index - 1].timestamp))
        }
    }

    /// Appends one block whose record area is already laid out (a purge rewrite):
    /// compressed like any block, with the given header fields.
    mutating func appendLaidOut(_ area: [UInt8], firstSeq: UInt64, count: Int, flags: UInt16, firstTimestamp: Int64,
                                lastTimestamp: Int64, chainHead: Digest, writeDistance: UInt32, into out: inout [UInt8]) {
        raw = area
        appendBlock(firstSeq: firstSeq, count: count, flags: flags, firstTimestamp: firstTimestamp, lastTimestamp: lastTimestamp,
                    chain: Chain(head: chainHead), writeDistance: writeDistance, into: &out)
    }

    /// Compresses the laid-out records in `raw` (or stores them when LZ4 does not help).
    private mutating func appendBlock(firstSeq: UInt64, count: Int, flags: UInt16, firstTimestamp: Int64,
                                      lastTimestamp: Int64, chain: Chain, writeDistance: UInt32, into out: inout [UInt8]) {
        let bound = LZ4Codec.compressBound(raw.count)
        if compressed.count < bound { compressed = [UInt8](repeating: 0, count: bound) }
        let compressedLength = raw.withUnsafeBytes { r in
            compressed.withUnsafeMutableBytes { c in LZ4Codec.compress(r, into: c) }
        }
        let useLZ4 = compressedLength > 0 && compressedLength < raw.count
        let headerStart = out.count
        out.append(contentsOf: repeatElement(0, count: Format.blockHeaderLength))
        if useLZ4 {
            compressed.withUnsafeBytes { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: $0[0..<compressedLength])) }
        } else {
            out.append(contentsOf: raw)
        }
        let storedLength = useLZ4 ? compressedLength : raw.count
        let checksum = out.withUnsafeBytes { Hash.xxh3(UnsafeRawBufferPointer(rebasing: $0[(headerStart + Format.blockHeaderLength)...])) }
        out.storeLE(Format.blockMagic, at: headerStart)
        out[headerStart + 4] = Format.blockKindRecords
        out[headerStart + 5] = useLZ4 ? Format.codecLZ4 : Format.codecStored
        out.storeLE(flags, at: headerStart + 6)
        out.storeLE(UInt32(storedLength), at: headerStart + 8)
        out.storeLE(UInt32(raw.count), at: headerStart + 12)
        out.storeLE(firstSeq, at: headerStart + 16)
        out.storeLE(UInt32(count), at: headerStart + 24)
        out.storeLE(firstTimestamp, at: headerStart + 32)
        out.storeLE(lastTimestamp, at: headerStart + 40)
        out.withUnsafeMutableBytes { chain.writeHead(to: $0.baseAddress! + headerStart + 48) }
        out.storeLE(checksum, at: headerStart + 80)
        out.storeLE(writeDistance, at: headerStart + 88)
        let headerChecksum = out.withUnsafeBytes {
            UInt32(truncatingIfNeeded: Hash.xxh3(UnsafeRawBufferPointer(rebasing: $0[headerStart..<(headerStart + 92)])))
        }
        out.storeLE(headerChecksum, at: headerStart + 92)
    }
}

/// Decodes block payloads: checks the payload checksum, decompresses into a
/// reused buffer and walks the records. Reuse one decoder per reading loop.
struct BlockDecoder {
    private(set) var raw: [UInt8] = []
    /// How many bytes of the last loaded block's records are in `raw` (all of them unless
    /// `prefixTarget` was set).
    private(set) var decoded = 0
    /// When set, a compressed block is decoded only up to about this many bytes (the walk
    /// then reports `RecordProblem.needsWholeBlock` if it needs more). The payload's
    /// checksum is checked whole either way.
    var prefixTarget: Int?

    /// Checks and decompresses `stored`; on failure returns the reason.
    mutating func load(_ header: BlockHeader, stored: UnsafeRawBufferPointer) -> String? {
        if let problem = Self.check(header, stored: stored) { return problem }
        return decompress(header, stored: stored)
    }

    /// Checks the length and checksum of a block's stored payload.
    static func check(_ header: BlockHeader, stored: UnsafeRawBufferPointer) -> String? {
        guard stored.count == header.storedLength else { return "the block payload is incomplete" }
        guard Hash.xxh3(stored) == header.payloadChecksum else { return "the block payload checksum does not match" }
        return nil
    }

    /// Decompresses a checked payload into `raw`; on failure returns the reason.
    mutating func decompress(_ header: BlockHeader, stored: UnsafeRawBufferPointer) -> String? {
        if raw.count < header.uncompressedLength {
            raw = [UInt8](unfilled: max(header.uncompressedLength, raw.count * 2))
        }
        decoded = 0
        if header.codec == Format.codecStored {
            raw.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: stored.baseAddress!, byteCount: stored.count) }
            decoded = header.uncompressedLength
            return nil
        }
        if let target = prefixTarget, target < header.uncompressedLength {
            let n = raw.withUnsafeMutableBytes {
                LZ4Codec.decompressPrefix(stored, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<header.uncompressedLength]), target: target)
            }
            guard let n else { return "the block payload does not decompress" }
            decoded = n
            return nil
        }
        let ok = raw.withUnsafeMutableBytes {
            LZ4Codec.decompress(stored, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<header.uncompressedLength]))
        }
        guard ok else { return "the block payload does not decompress" }
        decoded = header.uncompressedLength
        return nil
    }

    /// Walks the records of the last loaded block. `body` returns false to stop.
    /// Returns nil when all records were walked or the walk was stopped, else the
    /// problem (a record that does not fit, a wrong seq).
    func forEachRecord(_ header: BlockHeader, _ body: (RecordView) throws -> Bool) rethrows -> RecordProblem? {
        try raw.withUnsafeBytes { all in
            let whole = decoded >= header.uncompressedLength
            let b = UnsafeRawBufferPointer(rebasing: all[0..<min(decoded, header.uncompressedLength)])
            var offset = 0
            var previousTimestamp = header.firstTimestamp
            for i in 0..<header.count {
                guard whole || offset + Format.recordHeaderLength <= b.count else { return .needsWholeBlock }
                guard offset + Format.recordHeaderLength <= b.count else { return RecordProblem(index: i, reason: "record header runs past the block end") }
                let flags = b[offset]
                let seq = b.leUnchecked(UInt64.self, at: offset + 1)
                let timestamp = b.leUnchecked(Int64.self, at: offset + 9)
                let keyLength = Int(b.leUnchecked(UInt16.self, at: offset + 17))
                let payloadLength = Int(b.leUnchecked(UInt32.self, at: offset + 19))
                let end = offset + Format.recordHeaderLength + keyLength + payloadLength
                guard whole || end <= b.count else { return .needsWholeBlock }
                guard end <= b.count else { return RecordProblem(index: i, reason: "record runs past the block end") }
                guard seq == header.firstSeq + UInt64(i) else { return RecordProblem(index: i, reason: "record has seq \(seq), expected \(header.firstSeq + UInt64(i))") }
                guard i > 0 || timestamp == header.firstTimestamp else { return RecordProblem(index: i, reason: "the first record's time differs from the block header") }
                guard timestamp >= previousTimestamp else { return RecordProblem(index: i, reason: "record seq \(seq) is older than the record before it") }
                let redacted = flags & Format.recordFlagRedacted != 0
                guard flags & ~Format.recordFlagRedacted == 0 else { return RecordProblem(index: i, reason: "record seq \(seq) has unknown flags \(flags)") }
                guard !redacted || payloadLength == Format.digestLength else { return RecordProblem(index: i, reason: "redacted record seq \(seq) does not hold a digest") }
                previousTimestamp = timestamp
                let keyStart = offset + Format.recordHeaderLength
                let view = RecordView(
                    seq: seq, timestamp: timestamp, isRedacted: redacted,
                    key: UnsafeRawBufferPointer(rebasing: b[keyStart..<(keyStart + keyLength)]),
                    payload: UnsafeRawBufferPointer(rebasing: b[(keyStart + keyLength)..<end]),
                    hashedBytes: UnsafeRawBufferPointer(rebasing: b[(offset + 1)..<end]))
                offset = end
                if try !body(view) { return nil }
            }
            guard whole else { return .needsWholeBlock }
            guard offset == b.count else { return RecordProblem(index: header.count, reason: "\(b.count - offset) stray bytes after the last record") }
            guard previousTimestamp == header.lastTimestamp else { return RecordProblem(index: header.count - 1, reason: "the last record's time differs from the block header") }
            return nil
        }
    }
}

struct RecordProblem: Error {
    var index: Int
    var reason: String

    /// Not damage: the walk reached the end of a partly decoded block (`prefixTarget`).
    static let needsWholeBlock = RecordProblem(index: -1, reason: "the walk needs the whole block")
    var isNeedsWholeBlock: Bool { index == -1 }

    /// The problem as damage of the block at `offset` of `segment`.
    func corrupt(segment: String, offset: Int64) -> LogError {
        .corrupt(segment: segment, offset: offset, reason: "record \(index + 1) of the block: \(reason)")
    }
}

extension BlockHeader {
    static func parse(_ bytes: [UInt8]) -> Result<BlockHeader, BlockHeaderProblem> {
        bytes.withUnsafeBytes { parse($0) }
    }
}
