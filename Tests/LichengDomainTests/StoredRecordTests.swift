import Foundation
import Testing
@testable import LichengDomain

/// Record events (grades, …) replayed from their stored bytes make exactly the state their
/// decoded events make; anything else, damaged bytes included, is left to the decoder.
@Suite struct StoredRecordTests {
    /// The sample events of the types copied as stored, each with and without a proxy and a
    /// request ID, several times over (so that the logs grow), with later seqs each time.
    static func recordEvents() -> [Event] {
        let t = Term(113, 2), long = String(repeating: "長", count: 300)
        // Absent optionals, an empty list, texts whose lengths take two varint bytes, numbers
        // at their edges, beside one sample of each type with every field set.
        let edges: [EventBody] = [
            .electiveRegistered(ElectiveRegistered(term: t, courseIds: [])),
            .counselingRecorded(CounselingRecorded(heldAt: Instant(-1), place: "", content: long, opinion: long + "。")),
            .coursePlanRecorded(CoursePlanRecorded(term: Term(1, 1), groupExploration: long, careerPlan: "")),
            .attendanceRecorded(AttendanceRecorded(term: t, excusedPeriods: 10_000, unexcusedPeriods: -1, notes: nil)),
            .serviceRecorded(ServiceRecorded(date: LocalDate(days: -1), organization: long, hours: -0.0, description: nil)),
            .gradeRecorded(GradeRecorded(courseId: "C-" + String(repeating: "x", count: 62), term: t, score: .nan, credits: .min)),
            .gradeRecorded(GradeRecorded(courseId: "M", term: Term(9_999, 2), score: 100, credits: .max)),
        ]
        let samples = sampleEvents().filter { StoredRecord.copies($0.type) }
            + edges.map { Event(seq: 0, recordedAt: 0, actor: "A001", onBehalfOf: nil, student: "S1130001", requestId: nil, body: $0) }
        #expect(Set(samples.map(\.type)).count == 6)
        var out: [Event] = []
        var seq: UInt64 = 100
        for round in 0..<6 {
            for var e in samples {
                seq += 1
                e.seq = seq
                e.recordedAt += Int64(round) * 86_400_000_000
                e.onBehalfOf = round % 2 == 1 ? "T009" : nil
                e.requestId = round % 3 == 2 ? "retry-\(seq)-學" : nil
                out.append(e)
            }
        }
        return out
    }

    static func decodedThenApplied(_ stored: [UInt8], seq: UInt64, at: Timestamp, to s: inout StudentState) throws {
        s.apply(try Event.decodeStored(stored, seq: seq, recordedAt: at))
    }

    @Test func recordsCopiedAsStoredEqualDecodedOnes() throws {
        var copied = StudentState(id: "S1130001"), decoded = StudentState(id: "S1130001")
        for e in Self.recordEvents() {
            let stored = e.encodeStored()
            let took = stored.withUnsafeBytes { copied.applyStoredRecord($0, seq: e.seq, recordedAt: e.recordedAt) }
            #expect(took, "\(e.type.rawValue)")
            try Self.decodedThenApplied(stored, seq: e.seq, at: e.recordedAt, to: &decoded)
            #expect(copied == decoded, "after \(e.type.rawValue) at seq \(e.seq)")
        }
        // Three grades a round (the sample, then the edges); round 1 has a proxy, round 2 request IDs.
        #expect(copied.grades.count == 18 && copied.grades[3].onBehalfOf == "T009" && copied.grades[3].data.score == 87.5)
        #expect(copied.grades[1].data.score.isNaN && copied.grades[1].data.credits == .min && copied.grades[2].data.credits == .max)
        #expect(copied.requests["retry-\(copied.grades[6].seq)-學"] == copied.grades[6].seq)
        #expect(copied.electives.contains { $0.data.courseIds.isEmpty } && copied.attendance.contains { $0.data.notes == nil })
        #expect(copied.counseling.contains { $0.data.content.count == 300 } && copied.services.contains { $0.data.description == nil })
        #expect(copied.lastSeq == decoded.lastSeq && copied.services.count == 12 && copied.counseling.count == 12)
    }

    /// A copied type's stored fields read the same through `visit` alone (what `skipStored`
    /// checks), through the type's `read` at the event's schema version, and at version 0 (how
    /// the record log reads them back): written again, all three are the copied bytes.
    @Test func copiedTypesReadTheirFieldsOneWayAtEveryVersion() throws {
        func written<T: FieldRecord>(_ v: T) -> [UInt8] { var w = ByteWriter(); v.write(to: &w); return w.bytes }
        func check<T: FieldRecord>(_: T.Type, _ data: [UInt8], _ version: UInt8) throws {
            try data.withUnsafeBytes { p in
                var a = ByteReader(p), b = ByteReader(p), c = ByteReader(p)
                let visited = try T.readVisiting(from: &a, version: 0)
                let current = try T.read(from: &b, version: version), zero = try T.read(from: &c, version: 0)
                #expect(written(visited) == data && written(current) == data && written(zero) == data, "\(T.self)")
                #expect(a.remaining == 0 && b.remaining == 0 && c.remaining == 0)
            }
        }
        for e in Self.recordEvents() {
            let bytes = e.encodeStored()
            let record = try #require(bytes.withUnsafeBytes { StoredRecord($0) })
            let data = Array(bytes[record.data]), v = e.type.schemaVersion
            switch e.type {
            case .gradeRecorded: try check(GradeRecorded.self, data, v)
            case .electiveRegistered: try check(ElectiveRegistered.self, data, v)
            case .counselingRecorded: try check(CounselingRecorded.self, data, v)
            case .coursePlanRecorded: try check(CoursePlanRecorded.self, data, v)
            case .attendanceRecorded: try check(AttendanceRecorded.self, data, v)
            case .serviceRecorded: try check(ServiceRecorded.self, data, v)
            default: Issue.record("\(e.type.rawValue) is not a copied type")
            }
        }
    }

    /// Every sample event (every type) through `SchoolState.applyStored` and through decode and
    /// `apply`: the same school, students included.
    @Test func aSchoolReplayedFromStoredEventsEqualsTheDecodedReplay() throws {
        var copied = SchoolState(), decoded = SchoolState()
        var seq: UInt64 = 0
        for e in sampleEvents() + Self.recordEvents() {
            seq += 1
            let stored = e.encodeStored()
            try stored.withUnsafeBytes { try copied.applyStored($0, seq: seq, recordedAt: e.recordedAt) }
            decoded.apply(try Event.decodeStored(stored, seq: seq, recordedAt: e.recordedAt))
        }
        #expect(copied == decoded)
        #expect(copied.students["S1130001"]?.grades.isEmpty == false)
    }

    @Test func otherEventsAndOtherStudentsAreLeftToTheDecoder() {
        for e in sampleEvents() where !StoredRecord.copies(e.type) {
            var s = StudentState(id: "S1130001")
            let before = s
            #expect(!e.encodeStored().withUnsafeBytes { s.applyStoredRecord($0, seq: e.seq, recordedAt: e.recordedAt) }, "\(e.type.rawValue)")
            #expect(s == before)
        }
        let grade = sampleEvents().first { $0.type == .gradeRecorded }!
        var other = StudentState(id: "S1130002")
        #expect(!grade.encodeStored().withUnsafeBytes { other.applyStoredRecord($0, seq: 9, recordedAt: 9) })
        // A record without a student (no stream) and one of a newer schema version than this
        // build's: the decoder's (which refuses the second).
        var unnamed = grade
        unnamed.student = nil
        var bytes = unnamed.encodeStored()
        #expect(bytes.withUnsafeBytes { StoredRecord($0) } == nil)
        bytes = grade.encodeStored()
        bytes[2] = EventType.gradeRecorded.schemaVersion + 1
        #expect(bytes.withUnsafeBytes { StoredRecord($0) } == nil)
        #expect(throws: StoredDecodeError.self) { try Event.decodeStored(bytes, seq: 1, recordedAt: 1) }
    }

    /// Bytes are copied only where every varint is in its shortest form (as writers write
    /// them): a longer form (a last byte of zero) is refused by the reader a copy uses and read
    /// by the decoder, so such a record is decoded, and makes the state its values make.
    @Test func onlyShortestVarintsAreCopied() throws {
        func read(_ bytes: [UInt8], shortest: Bool) -> UInt64? {
            bytes.withUnsafeBytes { p in
                var r = ByteReader(p)
                r.shortestVarintsOnly = shortest
                do throws(StoredDecodeError) { let v = try r.varint(); return r.remaining == 0 ? v : nil } catch { return nil }
            }
        }
        for shortest in [false, true] {
            #expect(read([0x00], shortest: shortest) == 0 && read([0x7F], shortest: shortest) == 127)
            #expect(read([0x80, 0x01], shortest: shortest) == 128 && read([0xE2, 0x01], shortest: shortest) == 226)
            #expect(read([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], shortest: shortest) == UInt64.max)
        }
        for (bytes, value) in [([0x80, 0x00], 0), ([0xE2, 0x00], 98), ([0x81, 0x80, 0x00], 1)] as [([UInt8], UInt64)] {
            #expect(read(bytes, shortest: true) == nil && read(bytes, shortest: false) == value, "\(bytes)")
        }
        // A grade whose term (year × 2 + semester − 1 = 226) is written in three bytes instead of two.
        let grade = sampleEvents().first { $0.type == .gradeRecorded }!
        let good = grade.encodeStored()
        let at = try #require(good.indices.first { good[$0] == 0xE2 && good[$0 + 1] == 0x01 })
        var long = good
        long[at + 1] = 0x81
        long.insert(0x00, at: at + 2)
        #expect(long.withUnsafeBytes { StoredRecord($0) } == nil)
        var copied = StudentState(id: "S1130001"), decoded = StudentState(id: "S1130001")
        #expect(!long.withUnsafeBytes { copied.applyStoredRecord($0, seq: 5, recordedAt: 5) })
        try Self.decodedThenApplied(long, seq: 5, at: 5, to: &decoded)
        try Self.decodedThenApplied(good, seq: 5, at: 5, to: &copied)
        #expect(copied == decoded && decoded.grades.first?.data.term == Term(113, 1))
    }

    /// Every cut and every flipped bit of every record type's stored bytes: copied only where
    /// the decoder accepts the bytes too, and then into the same state.
    @Test func damagedRecordsAreCopiedOnlyWhereTheDecoderAgrees() throws {
        var copiedDamaged = 0, refused = 0
        for e in Self.recordEvents().prefix(12) {
            let good = e.encodeStored()
            var variants: [[UInt8]] = (0..<good.count).map { Array(good[..<$0]) }
            for i in good.indices { for bit in 0..<8 { var b = good; b[i] ^= 1 << bit; variants.append(b) } }
            for bytes in variants {
                var copied = StudentState(id: "S1130001"), decoded = StudentState(id: "S1130001")
                let took = bytes.withUnsafeBytes { copied.applyStoredRecord($0, seq: e.seq, recordedAt: e.recordedAt) }
                let readable = (try? Self.decodedThenApplied(bytes, seq: e.seq, at: e.recordedAt, to: &decoded)) != nil
                if took {
                    #expect(readable && copied == decoded, "copied bytes the decoder reads otherwise or refuses: \(bytes)")
                    if bytes != good { copiedDamaged += 1 }
                } else {
                    #expect(copied == StudentState(id: "S1130001"))
                    refused += 1
                }
            }
        }
        // Flips inside texts and numbers that still read are copied (as they are decoded);
        // cuts and broken envelopes are refused.
        #expect(copiedDamaged > 0 && refused > 0)
    }
}
