import CLZ4

/// LZ4 block-format compression of block payloads.
enum LZ4Codec {
    static func compressBound(_ count: Int) -> Int { Int(LZ4_compressBound(Int32(count))) }

    /// Compresses `source` into `destination` (capacity at least `compressBound`);
    /// returns the compressed length, or 0 when LZ4 could not compress it.
    static func compress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) -> Int {
        guard source.count > 0 else { return 0 }
        return Int(LZ4_compress_default(
            source.baseAddress!.assumingMemoryBound(to: CChar.self),
            destination.baseAddress!.assumingMemoryBound(to: CChar.self),
            Int32(source.count), Int32(destination.count)))
    }

    /// Decompresses the first `target` bytes (or all, when fewer) into `destination` (room for
    /// the whole block); returns how many were decoded, or nil when the input is malformed.
    /// LZ4 stops once it has produced them: reading one record near a block's start costs a
    /// fraction of the block.
    static func decompressPrefix(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer, target: Int) -> Int? {
        guard destination.count > 0, source.count > 0 else { return source.count == 0 ? 0 : nil }
        let n = LZ4_decompress_safe_partial(
            source.baseAddress!.assumingMemoryBound(to: CChar.self),
            destination.baseAddress!.assumingMemoryBound(to: CChar.self),
            Int32(source.count), Int32(min(target, destination.count)), Int32(destination.count))
        return n < 0 ? nil : Int(n)
    }

    /// Decompresses exactly `destination.count` bytes; false when the input is malformed.
    static func decompress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) -> Bool {
        if destination.count == 0 { return source.count == 0 }
        guard source.count > 0 else { return false }
        let n = LZ4_decompress_safe(
            source.baseAddress!.assumingMemoryBound(to: CChar.self),
            destination.baseAddress!.assumingMemoryBound(to: CChar.self),
            Int32(source.count), Int32(destination.count))
        return n == Int32(destination.count)
    }
}
