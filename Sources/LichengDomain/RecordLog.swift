// A student's records of one kind (grades, cadres, …), kept as bytes.

/// Records of one kind in the order they were recorded, in one byte buffer. As
/// `[Recorded<T>]` they were 80 bytes or more a record (a grade: seq, time, recorder, the
/// record's fields) plus room for doublings; a full replay holds every record of every
/// student, and only a query that shows them reads them back.
///
/// The buffer starts with the number of records (u32, little-endian). Each record: a flags
/// byte (bit 0: `onBehalfOf` follows, bit 1: `importedFrom` follows), its seq (LEB128 varint),
/// its time (zigzag varint of the microseconds), the recorder, then `onBehalfOf` and
/// `importedFrom` as flagged (each a varint length and UTF-8), then the data in the event
/// log's stored form of its fields (`FieldRecord.write`, or an event's stored data copied as
/// it is: `StoredRecord`), read back as this build's form (visitor version 0). Records are
/// written straight into the
/// buffer; before each one it is given room for a record a quarter longer than the average
/// (at least 48 bytes) and, when it must grow for that, a sixteenth of its length more, so
/// that a student with many records of one kind is not copied whole at every one.
public struct RecordLog<T: FieldRecord>: Sendable, Equatable {
    private var bytes: [UInt8] = []

    public init() {}

    public init(_ records: [Recorded<T>]) {
        for r in records { append(r) }
    }

    public var isEmpty: Bool { bytes.isEmpty }

    /// How many records there are.
    public var count: Int {
        guard bytes.count >= 4 else { return 0 }
        return Int(UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24)
    }

    /// Bytes the records take (with the count in front).
    public var encodedCount: Int { bytes.count }

    /// Bytes the buffer has room for (for memory estimates).
    public var encodedCapacity: Int { bytes.capacity }

    /// The least room made before a record is written (a grade takes about 40 bytes).
    static var usualRecordBytes: Int { 48 }

    /// Writes the record straight into the buffer (no per-record scratch array).
    public mutating func append(_ r: Recorded<T>) {
        append(seq: r.seq, at: r.at, by: r.by, onBehalfOf: r.onBehalfOf, importedFrom: r.importedFrom, data: r.data)
    }

    /// Writes event `e`'s record of `data`, from the event's fields (not copied into a `Recorded` first).
    mutating func append(_ e: Event, _ data: T) {
        append(seq: e.seq, at: e.recordedAt, by: e.actor, onBehalfOf: e.onBehalfOf, importedFrom: nil, data: data)
    }

    private mutating func append(seq: UInt64, at: Timestamp, by: String, onBehalfOf: String?, importedFrom: String?, data: T) {
        append(flags: (onBehalfOf == nil ? 0 : 1) | (importedFrom == nil ? 0 : 2), seq: seq, at: at) { w in
            w.string(by)
            if let v = onBehalfOf { w.string(v) }
            if let v = importedFrom { w.string(v) }
            data.write(to: &w)
        }
    }

    /// Appends the record of a stored event whose recorder (and proxy, when `hasProxy`) and
    /// data are given in their stored forms, which are this log's: `recorder` the actor and
    /// the proxy as the event's envelope holds them (each a varint length and UTF-8), `data`
    /// the fields as `FieldRecord.write` writes them (the event's schema version must be the
    /// current one). Copied as they are: no `Recorded`, no fields made and written again.
    mutating func appendStored(seq: UInt64, at: Timestamp, recorder: UnsafeRawBufferPointer, hasProxy: Bool,
                               data: UnsafeRawBufferPointer) {
        append(flags: hasProxy ? 1 : 0, seq: seq, at: at) { w in
            w.bytes.append(contentsOf: recorder)
            w.bytes.append(contentsOf: data)
        }
    }

    /// Writes a record's flags, seq and time, then `rest` writes the remainder.
    private mutating func append(flags: UInt8, seq: UInt64, at: Timestamp, _ rest: (inout ByteWriter) -> Void) {
        let n = count + 1
        precondition(n <= Int(UInt32.max), "RecordLog: too many records")
        let start = Swift.max(bytes.count, 4)
        // Room for a record a quarter longer than the average so far (records of one kind are
        // alike), at least the usual room, and a sixteenth of the log more when it must grow.
        let average = n > 1 ? (start - 4) / (n - 1) : 0
        let room = Swift.max(RecordLog.usualRecordBytes, average + average / 4)
        if bytes.capacity < start + room { bytes.reserveCapacity(start + room + start / 16) }
        if bytes.isEmpty { bytes.append(contentsOf: repeatElement(0, count: 4)) }
        var w = ByteWriter(adopting: &bytes)
        w.u8(flags)
        w.varint(seq)
        w.zigzag(at)
        rest(&w)
        swap(&bytes, &w.bytes)
        // A record longer than the room made the array double while it was written: cut back
        // to the room a next record would be given.
        let kept = bytes.count + bytes.count / 16 + room
        if bytes.capacity > kept + room {
            bytes = bytes.withUnsafeBufferPointer { written in
                [UInt8](unsafeUninitializedCapacity: kept) { out, done in
                    done = out.initialize(fromContentsOf: written)
                }
            }
        }
        for k in 0..<4 { bytes[k] = UInt8(truncatingIfNeeded: n >> (8 * k)) }
    }

    /// The records, in order.
    public var records: [Recorded<T>] {
        var out: [Recorded<T>] = []
        out.reserveCapacity(count)
        bytes.withUnsafeBytes { raw in
            var r = ByteReader(raw, offset: Swift.min(4, raw.count))
            func next() throws(StoredDecodeError) -> Recorded<T> {
                let flags = try r.u8(), seq = try r.varint(), at = try r.zigzag(), by = try r.string()
                let onBehalfOf = flags & 1 == 0 ? nil : try r.string()
                let importedFrom = flags & 2 == 0 ? nil : try r.string()
                return Recorded(seq: seq, at: at, by: by, onBehalfOf: onBehalfOf, data: try T.read(from: &r, version: 0),
                                importedFrom: importedFrom)
            }
            while r.offset < raw.count {
                // Only `append` writes these bytes, in this build's form: a failed read is a bug here.
                do { out.append(try next()) } catch { preconditionFailure("RecordLog: \(error)") }
            }
        }
        return out
    }

    /// Marks every record not yet marked as imported from `school`.
    public mutating func markImported(from school: String) {
        var all = records
        for i in all.indices where all[i].importedFrom == nil { all[i].importedFrom = school }
        self = RecordLog(all)
    }
}

extension RecordLog: Codable {
    public init(from decoder: Decoder) throws { self.init(try [Recorded<T>](from: decoder)) }
    public func encode(to encoder: Encoder) throws { try records.encode(to: encoder) }
}
