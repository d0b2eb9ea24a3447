// Record events replayed from their stored bytes.

/// A stored event of a type that only adds a record to its student's record log (a grade, an
/// elective registration, counseling, a course plan, attendance, service), read without making
/// an `Event`: its envelope's recorder and proxy and its data fields are already in the form a
/// `RecordLog` keeps (see `RecordLog`), so a replay copies them. Every part is checked as
/// `Event.decodeStored` checks it (UTF-8, lengths, field types, no trailing bytes), and every
/// varint must be in its shortest form (as every writer writes it), so that the copied bytes
/// are exactly what the decoded fields would be written as; anything else — another type, an
/// older schema version (upcast on decode), bytes that do not read so — makes no
/// `StoredRecord`, and the caller decodes the event, which reads it or reports what is wrong.
public struct StoredRecord: Sendable {
    let type: EventType
    /// The actor, and the proxy when `hasProxy`, as the envelope stores them (each a varint
    /// length and UTF-8): what `RecordLog` keeps as the recorder and proxy.
    let recorder: Range<Int>
    let hasProxy: Bool
    /// The student whose stream the event is in.
    public let student: String
    let requestId: String?
    /// The data fields, as `FieldRecord.write` writes them.
    let data: Range<Int>

    public init?(_ stored: UnsafeRawBufferPointer) {
        var r = ByteReader(stored)
        r.shortestVarintsOnly = true
        do throws(StoredDecodeError) {
            guard let type = EventType(code: try r.u16()), StoredRecord.copies(type), try r.u8() == type.schemaVersion else { return nil }
            let flags = try r.u8()
            // The student is named (the stream) and flags has no unknown bits.
            guard flags & ~7 == 0, flags & 2 != 0 else { return nil }
            let start = r.offset
            try String.skip(from: &r, version: 0)
            if flags & 1 != 0 { try String.skip(from: &r, version: 0) }
            recorder = start..<r.offset
            hasProxy = flags & 1 != 0
            student = try r.string()
            requestId = flags & 4 != 0 ? try r.string() : nil
            let body = r.offset
            switch type {
            case .gradeRecorded: try GradeRecorded.skipStored(from: &r, version: type.schemaVersion)
            case .electiveRegistered: try ElectiveRegistered.skipStored(from: &r, version: type.schemaVersion)
            case .counselingRecorded: try CounselingRecorded.skipStored(from: &r, version: type.schemaVersion)
            case .coursePlanRecorded: try CoursePlanRecorded.skipStored(from: &r, version: type.schemaVersion)
            case .attendanceRecorded: try AttendanceRecorded.skipStored(from: &r, version: type.schemaVersion)
            case .serviceRecorded: try ServiceRecorded.skipStored(from: &r, version: type.schemaVersion)
            default: return nil
            }
            guard r.remaining == 0 else { return nil }
            data = body..<r.offset
            self.type = type
        } catch {
            return nil
        }
    }

    /// The types copied as stored: those whose events only add a record to their student's log
    /// (the shared state ignores them: `SharedState.ignoredTypes`). A type belongs here only
    /// while its stored fields are read by `visit` alone, the same at every schema version
    /// (no `read` of its own, no version-dependent field): `skipStored` checks them that way
    /// and the log reads them back at version 0 (a test holds every listed type to it).
    static func copies(_ type: EventType) -> Bool {
        switch type {
        case .gradeRecorded, .electiveRegistered, .counselingRecorded, .coursePlanRecorded, .attendanceRecorded, .serviceRecorded: true
        default: false
        }
    }
}

extension EventType {
    /// Whether a replay copies this type's events into a record log from their stored bytes
    /// (`SchoolState.applyStored`, `StudentState.applyStoredRecord`) instead of decoding them.
    public var replaysAsStored: Bool { StoredRecord.copies(self) }
}

extension StudentState {
    /// `apply(Event.decodeStored(stored, seq:, recordedAt:))` for a record event (a grade, …;
    /// see `StoredRecord`) of this student, copying its recorder, proxy and data into the
    /// record log as they are stored. Returns false, changing nothing, for any other event:
    /// decode and apply that one.
    public mutating func applyStoredRecord(_ stored: UnsafeRawBufferPointer, seq: UInt64, recordedAt: Timestamp) -> Bool {
        guard let record = StoredRecord(stored), ID.sameBytes(record.student, id) else { return false }
        apply(record, stored, seq: seq, recordedAt: recordedAt)
        return true
    }

    /// What `apply` does for the event `record` reads (`stored`'s bytes).
    mutating func apply(_ record: StoredRecord, _ stored: UnsafeRawBufferPointer, seq: UInt64, recordedAt: Timestamp) {
        lastSeq = seq
        let recorder = UnsafeRawBufferPointer(rebasing: stored[record.recorder])
        let data = UnsafeRawBufferPointer(rebasing: stored[record.data])
        switch record.type {
        case .gradeRecorded: gradeLog.appendStored(seq: seq, at: recordedAt, recorder: recorder, hasProxy: record.hasProxy, data: data)
        case .electiveRegistered: electiveLog.appendStored(seq: seq, at: recordedAt, recorder: recorder, hasProxy: record.hasProxy, data: data)
        case .counselingRecorded: counselingLog.appendStored(seq: seq, at: recordedAt, recorder: recorder, hasProxy: record.hasProxy, data: data)
        case .coursePlanRecorded: coursePlanLog.appendStored(seq: seq, at: recordedAt, recorder: recorder, hasProxy: record.hasProxy, data: data)
        case .attendanceRecorded: attendanceLog.appendStored(seq: seq, at: recordedAt, recorder: recorder, hasProxy: record.hasProxy, data: data)
        case .serviceRecorded: serviceLog.appendStored(seq: seq, at: recordedAt, recorder: recorder, hasProxy: record.hasProxy, data: data)
        default: preconditionFailure("StoredRecord: \(record.type.rawValue) is not copied as stored")
        }
        if let r = record.requestId { requests[r] = seq }
    }
}

extension SchoolState {
    /// `apply(Event.decodeStored(stored, seq:, recordedAt:))`: a record event (a grade, …;
    /// see `StoredRecord`) only moves the shared state on and is copied into its student's
    /// record log as stored; any other event is decoded and applied.
    public mutating func applyStored(_ stored: UnsafeRawBufferPointer, seq: UInt64, recordedAt: Timestamp) throws(StoredDecodeError) {
        guard let record = StoredRecord(stored) else {
            apply(try Event.decodeStored(stored, seq: seq, recordedAt: recordedAt))
            return
        }
        shared.advance(past: record, seq: seq, recordedAt: recordedAt)
        students.apply(record, stored, seq: seq, recordedAt: recordedAt)
    }
}

extension SharedState {
    /// The shared state's half of `SchoolState.applyStored` for a record event: it only moves on.
    public mutating func advance(past record: StoredRecord, seq: UInt64, recordedAt: Timestamp) {
        assert(ignores(record.type), "the shared state reads \(record.type.rawValue) events")
        advance(seq: seq, recordedAt: recordedAt)
    }
}

extension IDMap where Value == StudentState {
    /// The students' half of `SchoolState.applyStored` for a record event: `record` read from
    /// `stored` (its ranges are offsets into those bytes), copied into its student's record log.
    public mutating func apply(_ record: StoredRecord, _ stored: UnsafeRawBufferPointer, seq: UInt64, recordedAt: Timestamp) {
        values[student(record.student)].apply(record, stored, seq: seq, recordedAt: recordedAt)
    }
}
