/// The fixed header at the start of every segment file.
struct SegmentHeader: Equatable {
    var firstSeq: UInt64
    var storeID: [UInt8]
    /// The chain head before this segment's first record (zeros for seq 1).
    var previousChain: Digest
    var createdAt: Int64

    func encode() -> [UInt8] {
        var out = Format.segmentMagic
        out.appendLE(Format.version)
        out.appendLE(UInt16(Format.segmentHeaderLength))
        out.appendLE(UInt32(0))
        out.appendLE(firstSeq)
        out.append(contentsOf: storeID)
        out.append(contentsOf: previousChain.bytes)
        out.appendLE(createdAt)
        out.append(contentsOf: repeatElement(0, count: 120 - out.count))
        out.appendLE(Hash.xxh3(out, upTo: 120))
        return out
    }

    static func parse(_ bytes: [UInt8]) -> Result<SegmentHeader, FormatProblem> {
        guard bytes.count >= Format.segmentHeaderLength else { return .failure(FormatProblem("the segment header is incomplete (\(bytes.count) bytes)")) }
        guard Array(bytes[0..<8]) == Format.segmentMagic else { return .failure(FormatProblem("this is not a segment file (wrong magic number)")) }
        guard bytes.le(UInt64.self, at: 120) == Hash.xxh3(bytes, upTo: 120) else { return .failure(FormatProblem("the segment header checksum does not match")) }
        let version = bytes.le(UInt16.self, at: 8)!
        guard version == Format.version else { return .failure(FormatProblem("format version \(version) is not supported (this build reads version \(Format.version))")) }
        guard bytes.le(UInt16.self, at: 10) == UInt16(Format.segmentHeaderLength) else { return .failure(FormatProblem("unexpected segment header length")) }
        return .success(SegmentHeader(
            firstSeq: bytes.le(UInt64.self, at: 16)!, storeID: Array(bytes[24..<40]),
            previousChain: Digest(bytes: Array(bytes[40..<72])), createdAt: bytes.le(Int64.self, at: 72)!))
    }
}

/// The footer that seals a segment. A sealed segment never changes.
struct SegmentFooter: Equatable {
    var recordCount: UInt64
    var firstSeq: UInt64
    var lastSeq: UInt64
    var chainHead: Digest
    /// SHA-256 of every byte of the segment before the footer.
    var bodyDigest: Digest
    var lastTimestamp: Int64
    var blockCount: UInt64
    var flags: UInt32 = 0
    /// Reserved for a signature over footer bytes 0..<112 (checkpoint signing).
    var signature: [UInt8] = []

    func encode() -> [UInt8] {
        var out = Format.footerMagic
        out.appendLE(recordCount)
        out.appendLE(firstSeq)
        out.appendLE(lastSeq)
        out.append(contentsOf: chainHead.bytes)
        out.append(contentsOf: bodyDigest.bytes)
        out.appendLE(lastTimestamp)
        out.appendLE(blockCount)
        out.appendLE(flags)
        out.appendLE(UInt32(signature.count))
        out.append(contentsOf: signature)
        out.append(contentsOf: repeatElement(0, count: 184 - out.count))
        out.appendLE(Hash.xxh3(out, upTo: 184))
        return out
    }

    static func parse(_ bytes: [UInt8]) -> SegmentFooter? {
        guard bytes.count == Format.footerLength, Array(bytes[0..<8]) == Format.footerMagic,
              bytes.le(UInt64.self, at: 184) == Hash.xxh3(bytes, upTo: 184) else { return nil }
        let signatureLength = Int(bytes.le(UInt32.self, at: 116)!)
        guard signatureLength <= Format.footerSignatureCapacity else { return nil }
        return SegmentFooter(
            recordCount: bytes.le(UInt64.self, at: 8)!, firstSeq: bytes.le(UInt64.self, at: 16)!,
            lastSeq: bytes.le(UInt64.self, at: 24)!, chainHead: Digest(bytes: Array(bytes[32..<64])),
            bodyDigest: Digest(bytes: Array(bytes[64..<96])), lastTimestamp: bytes.le(Int64.self, at: 96)!,
            blockCount: bytes.le(UInt64.self, at: 104)!, flags: bytes.le(UInt32.self, at: 112)!,
            signature: Array(bytes[120..<(120 + signatureLength)]))
    }
}

/// Reads a file front to back through a large reused buffer, so that walking a
/// segment costs one system call per few megabytes instead of two per block.
struct ChunkReader {
    let file: File
    let limit: Int64
    private var buffer: [UInt8]
    private var bufferStart: Int64 = 0
    private var bufferCount = 0

    private let chunkBytes: Int

    /// The buffer is allocated on first use, no larger than what lies before `limit`.
    init(file: File, limit: Int64, chunkBytes: Int = 4 << 20) {
        self.file = file
        self.limit = limit
        self.chunkBytes = chunkBytes
        buffer = []
    }

    /// Calls `body` with bytes [offset, offset+count) of the file, or returns nil
    /// when they reach past `limit`.
    mutating func withBytes<R>(at offset: Int64, count: Int, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R? {
        guard count >= 0, offset >= 0, offset + Int64(count) <= limit else { return nil }
        if offset < bufferStart || offset + Int64(count) > bufferStart + Int64(bufferCount) {
            if buffer.count < count || buffer.isEmpty {
                let want = max(count, Int(min(Int64(chunkBytes), limit - offset)))
                if buffer.count < want { buffer = [UInt8](unfilled: want) }
            }
            let want = Int(min(Int64(buffer.count), limit - offset))
            let got = try buffer.withUnsafeMutableBytes { try file.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<want]), at: offset) }
            bufferStart = offset
            bufferCount = got
            if got < count { return nil }
        }
        let start = Int(offset - bufferStart)
        return try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<(start + count)])) }
    }
}

/// What walking blocks found at a position that is not a good block.
struct BlockDamage: Error {
    var offset: Int64
    var reason: String
}

/// Walks consecutive blocks of one segment, checking header and payload
/// checksums and decompressing each block into `decoder`.
struct BlockWalker {
    var reader: ChunkReader
    var offset: Int64
    var expectedSeq: UInt64
    var decoder: BlockDecoder
    /// When set, every byte walked over (headers and payloads) is fed to it.
    var bodyHasher: StreamingSHA256?

    init(file: File, from offset: Int64, limit: Int64, expectedSeq: UInt64, decoder: BlockDecoder = BlockDecoder()) {
        reader = ChunkReader(file: file, limit: limit)
        self.offset = offset
        self.expectedSeq = expectedSeq
        self.decoder = decoder
    }

    /// `next()`, with damage reported as `LogError.corrupt` naming `segment`.
    mutating func next(in segment: String, stored: ((UnsafeRawBufferPointer) -> Void)? = nil) throws -> (BlockHeader, BlockEntry)? {
        do { return try next(stored: stored) } catch let d as BlockDamage {
            throw LogError.corrupt(segment: segment, offset: d.offset, reason: d.reason)
        }
    }

    /// The next block, nil at `limit`, or `BlockDamage` for a bad block.
    /// Without `stored`, the payload is decompressed into `decoder`; with it, the
    /// payload's checksum is checked and its stored bytes are handed to `stored`
    /// (to be decompressed elsewhere, e.g. on another thread).
    mutating func next(stored: ((UnsafeRawBufferPointer) -> Void)? = nil) throws -> (BlockHeader, BlockEntry)? {
        if offset >= reader.limit { return nil }
        let parsed = try reader.withBytes(at: offset, count: Format.blockHeaderLength) { b -> Result<BlockHeader, BlockHeaderProblem> in
            bodyHasher?.update(b)
            return BlockHeader.parse(b)
        }
        guard let parsed else { throw BlockDamage(offset: offset, reason: "the file ends inside a block header") }
        let header: BlockHeader
        switch parsed {
        case .success(let h): header = h
        case .failure(let problem): throw BlockDamage(offset: offset, reason: problem.description)
        }
        guard header.firstSeq == expectedSeq else {
            throw BlockDamage(offset: offset, reason: "the block starts at seq \(header.firstSeq) where seq \(expectedSeq) was expected")
        }
        let problem = try reader.withBytes(at: offset + Int64(Format.blockHeaderLength), count: header.storedLength) { b -> String? in
            bodyHasher?.update(b)
            guard let stored else { return decoder.load(header, stored: b) }
            if let problem = BlockDecoder.check(header, stored: b) { return problem }
            stored(b)
            return nil
        }
        guard let loaded = problem else { throw BlockDamage(offset: offset, reason: "the file ends inside the block payload") }
        if let reason = loaded { throw BlockDamage(offset: offset, reason: reason) }
        let entry = header.entry(at: offset)
        offset = entry.end
        expectedSeq = entry.lastSeq + 1
        return (header, entry)
    }
}

extension File {
    /// After damage at `damageOffset` in the active segment: is it a torn tail
    /// (only bytes of the last, unacknowledged write are bad) or corruption of
    /// acknowledged bytes? Any intact block after the damage that was written by
    /// a later write proves the damaged bytes were acknowledged.
    func damageIsTornTail(at damageOffset: Int64, fileEnd: Int64) throws -> Bool {
        var position = damageOffset + 1
        let magic = withUnsafeBytes(of: Format.blockMagic.littleEndian) { Array($0) }
        var reader = ChunkReader(file: self, limit: fileEnd)
        var window = [UInt8](repeating: 0, count: 1 << 20)
        while position + Int64(Format.blockHeaderLength) <= fileEnd {
            let want = Int(min(Int64(window.count), fileEnd - position))
            let got = try window.withUnsafeMutableBytes { try read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<want]), at: position) }
            if got < 4 { break }
            var i = 0
            while i + 4 <= got {
                if window[i] == magic[0] && window[i + 1] == magic[1] && window[i + 2] == magic[2] && window[i + 3] == magic[3] {
                    let candidate = position + Int64(i)
                    let header = try reader.withBytes(at: candidate, count: Format.blockHeaderLength) { BlockHeader.parse($0) }
                    if case .success(let h)? = header {
                        let writeStart = candidate - Int64(h.writeDistance)
                        if writeStart > damageOffset {
                            var decoder = BlockDecoder()
                            let intact = try reader.withBytes(at: candidate + Int64(Format.blockHeaderLength), count: h.storedLength) {
                                decoder.load(h, stored: $0) == nil
                            }
                            if intact == true { return false }
                        }
                    }
                }
                i += 1
            }
            position += Int64(max(1, got - 3))
        }
        return true
    }
}

/// A reason why bytes are not a valid structure, for error messages.
struct FormatProblem: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Array where Element == UInt8 {
    /// `count` bytes whose values are whatever the allocator left: for buffers that are written
    /// (a file read into, a block decompressed into) before any byte is read, and read only as
    /// far as they were written. `[UInt8](repeating: 0, count:)` zeroed a 4 MiB read buffer at
    /// every student load.
    init(unfilled count: Int) {
        self.init(unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }
}
