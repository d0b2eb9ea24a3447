/// On-disk constants of the log. `docs/FORMAT.md` mirrors this file; change
/// both together and bump `Format.version` for any incompatible change.
public enum Format {
    /// Format version written into every segment header and the store file.
    public static let version: UInt16 = 1

    // Store identity file `STORE`.
    static let storeFileName = "STORE"
    static let storeMagic: [UInt8] = Array("LCHG-STO".utf8)
    static let storeFileLength = 64

    // Writer lock file `LOCK`.
    static let lockFileName = "LOCK"

    // Directories.
    static let segmentsDirectory = "segments"
    static let indexDirectory = "index"
    static let segmentExtension = "lseg"
    static let indexExtension = "lidx"
    static let segmentNameDigits = 20

    // Segment header.
    static let segmentMagic: [UInt8] = Array("LCHG-SEG".utf8)
    public static let segmentHeaderLength = 128

    // Block header.
    static let blockMagic: UInt32 = 0x4B42_434C  // "LCBK" little-endian
    public static let blockHeaderLength = 96
    static let blockKindRecords: UInt8 = 1
    static let codecStored: UInt8 = 0
    static let codecLZ4: UInt8 = 1
    static let blockFlagEndOfBatch: UInt16 = 1

    // Record inside an uncompressed block payload.
    public static let recordHeaderLength = 23  // flags u8, seq u64, timestamp i64, keyLength u16, payloadLength u32
    static let recordFlagRedacted: UInt8 = 1
    public static let digestLength = 32
    public static let maxKeyLength = 1024
    public static let maxRecordPayload = 64 << 20

    // Segment footer.
    static let footerMagic: [UInt8] = Array("LCHG-END".utf8)
    public static let footerLength = 192
    static let footerSignatureCapacity = 64
    static let footerFlagSigned: UInt32 = 1

    // Signed checkpoints (`CHECKPOINTS`, 168-byte entries) and keys (`keys/`).
    static let checkpointsFileName = "CHECKPOINTS"

    // Index file.
    static let indexMagic: [UInt8] = Array("LCHG-IDX".utf8)
    static let indexVersion: UInt16 = 2
    /// Index bodies are checksummed in chunks of this many bytes.
    static let indexChunkLength = 4096
    static let indexHeaderLength = 128
    static let indexBlockEntryLength = 48
    static let indexKeyEntryLength = 16

    /// File name of the segment whose first seq is `firstSeq`.
    static func segmentFileName(firstSeq: UInt64) -> String {
        paddedSeq(firstSeq) + "." + segmentExtension
    }

    /// `seq` in decimal, zero-padded to 20 digits (every seq fits), so that names sort as their
    /// seqs do: the stem of segment, snapshot and batch-list file names. (Not
    /// `String(format:)`: its `CVarArg` boxing looked up conformances at run time, ~1.7M
    /// instructions of a CLI command.)
    public static func paddedSeq(_ seq: UInt64) -> String {
        let digits = String(seq)
        return String(repeating: "0", count: max(0, segmentNameDigits - digits.count)) + digits
    }

    /// The first seq encoded in a segment file name, or nil if it is not one.
    static func firstSeq(ofSegmentFileName name: String) -> UInt64? {
        let suffix = "." + segmentExtension
        guard name.hasSuffix(suffix) else { return nil }
        let stem = name.dropLast(suffix.count)
        guard stem.count == segmentNameDigits, stem.allSatisfy({ $0 >= "0" && $0 <= "9" }) else { return nil }
        return UInt64(stem)
    }
}
