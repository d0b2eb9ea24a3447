import Foundation
import Testing
@testable import LichengDomain

/// Record events (grades, …) replayed from their stored bytes make exactly the state their
/// decoded events make; anything else, damaged bytes included, is left to the decoder.
@Suite struct StoredRecordTests {
    /// The sample events of the types copied as stored, each with and without a proxy and a
    /// request ID, several times over (so that the logs grow), with later seqs each time.
    static func recordEvents() -> [Event] {
        let samples = sampleEvents().filter { StoredRecord.copies($0.type) }
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
        #expect(copied.grades.count == 6 && copied.grades[1].onBehalfOf == "T009" && copied.grades[1].data.score == 87.5)
        #expect(copied.requests["retry-\(copied.grades[2].seq)-學"] == copied.grades[2].seq)
        #expect(copied.lastSeq == decoded.lastSeq && copied.services.count == 6 && copied.counseling.count == 6)
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

    /// A varint has one encoding, its shortest: a longer one (a last byte of zero) is refused,
    /// so that a record copied as stored is the bytes its decoded fields would be written as.
    @Test func varintsAreReadOnlyInTheirShortestForm() {
        func read(_ bytes: [UInt8]) -> UInt64? {
            bytes.withUnsafeBytes { p in
                var r = ByteReader(p)
                do throws(StoredDecodeError) { let v = try r.varint(); return r.remaining == 0 ? v : nil } catch { return nil }
            }
        }
        #expect(read([0x00]) == 0 && read([0x7F]) == 127 && read([0x80, 0x01]) == 128 && read([0xE2, 0x01]) == 226)
        #expect(read([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]) == UInt64.max)
        for bytes: [UInt8] in [[0x80, 0x00], [0xE2, 0x00], [0x81, 0x80, 0x00], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x80, 0x00]] {
            #expect(read(bytes) == nil, "\(bytes)")
        }
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
