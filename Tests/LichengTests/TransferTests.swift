import Foundation
import Testing
import TestSupport
import LichengDomain
import LichengLog
@testable import Licheng

/// Two schools: A (170301, `retentionSchool`, where `Leaver` studied) and B (173301).
struct TwoSchools {
    let dir = TemporaryDirectory("transfer")
    let clock = TestClock("2024-09-02T09:00:00+08:00")
    let a: Engine
    let b: Engine
    var storeB: String { dir.sub("b") }

    init(trust: Bool = true) throws {
        a = try retentionSchool(dir, clock: clock)
        var options = Engine.Options()
        options.clock = { [clock] in clock.now }
        b = try Engine.create(at: dir.sub("b"), schoolCode: "173301", schoolName: "基隆女中", adminId: "A001", adminName: "試務組", options: options)
        try seedSchool(b, clock: clock)
        if trust {
            let key = try #require(try StoreKeys.loadPublic(store: dir.sub("store")))
            try b.submit([event(#"{"type":"school.trusted","actor":"A001","data":{"schoolCode":"170301","publicKey":"\#(key.text)"}}"#)])
        }
    }

    func export(_ student: String = Leaver.id) throws -> TransferExport {
        try a.exportTransfer(student: student, signer: try #require(try StoreKeys.loadPrivate(store: dir.sub("store"))))
    }

    /// Everything of B that an import could change: last seq and the file store.
    func fingerprint() -> [String] {
        ["\(b.log.lastSeq)"] + ((FileManager.default.enumerator(atPath: storeB + "/files")?.allObjects as? [String]) ?? []).sorted()
    }

    func close() { a.close(); b.close(); dir.remove() }
}

@Suite struct TransferTests {
    @Test func transferRoundTripBetweenTwoStores() throws {
        let s = try TwoSchools(); defer { s.close() }
        let export = try s.export()
        #expect(export.bundle.entries.count == 4 && export.bundle.files.count == 2)
        let r = try s.b.importTransfer(export.bytes, actor: "A001")
        #expect(r.student == Leaver.id && r.sourceSchool == "170301" && r.bundleDigest == export.digest.hex)
        #expect(r.importedEvents == export.bundle.entries.count && r.checkpointSeq == s.a.log.lastSeq)
        // The provenance event, the files, and the portfolio marked as from the other school.
        let event = try s.b.event(at: r.seq)
        guard case .studentTransferredIn(let d) = event.body else { Issue.record("not transferred-in"); return }
        #expect(d.sourceSchool == "170301" && d.bundleDigest == export.digest.hex && d.name == Leaver.name)
        #expect(s.b.blobs.contains(sha256(Array("%PDF-1.4 \(Leaver.essay)".utf8))))
        #expect(s.b.blobs.contains(export.digest))
        // The writer's next decision sees the imported history: the imported item exists and is certified.
        try s.b.submit([LichengTests.event(#"{"type":"item.selected","actor":"\#(Leaver.id)","data":{"itemId":"\#(Leaver.id)-C1"}}"#)])
        try s.b.submit([LichengTests.event(#"{"type":"item.deselected","actor":"\#(Leaver.id)","data":{"itemId":"\#(Leaver.id)-C1"}}"#)])
        let st = try s.b.studentState(Leaver.id)
        #expect(st.registry?.transferredFrom == "170301" && st.registry?.name == Leaver.name)
        let item = try #require(st.items["\(Leaver.id)-C1"])
        #expect(item.importedFrom == "170301" && item.status == .certified && item.files.count == 2)
        let json = Portfolio(student: st, shared: s.b.core).jsonObject()
        #expect(json["items"]?.arrayValue?.first?["importedFrom"]?.stringValue == "170301")
        // Imported uploads count toward this school's quota of the same term.
        #expect(st.courseOutcomeUploads[Term(113, 1)] == 1)
        #expect(try s.b.log.verify().lastSeq == s.b.log.lastSeq)
        // The same bundle twice: the student is now enrolled here.
        #expect { try s.b.importTransfer(export.bytes, actor: "A001") } throws: { error in
            guard case EngineError.bundle(let e) = error else { return false }
            return e.kind == .refused && e.reason.contains("already enrolled")
        }
    }

    /// A student who arrived by transfer and left again is purged at the receiving school:
    /// the kept bundle and the files of the imported history go too.
    @Test func purgingATransferredStudentRemovesTheBundleAndImportedFiles() throws {
        let s = try TwoSchools(); defer { s.close() }
        let export = try s.export()
        _ = try s.b.importTransfer(export.bytes, actor: "A001")
        #expect(!filesContaining(s.storeB, Leaver.essay).isEmpty)
        s.clock.set("2025-06-30T10:00:00+08:00")
        try s.b.submit([event(#"{"type":"student.departed","actor":"A001","student":"\#(Leaver.id)","data":{"reason":"graduated","effectiveOn":"2025-06-30"}}"#)])
        s.clock.set("2028-07-01T10:00:00+08:00")
        let report = try s.b.purge(student: Leaver.id, actor: "A001")
        #expect(report.removedFiles == 3)
        for needle in [Leaver.name, Leaver.nationalId, Leaver.essay] {
            #expect(filesContaining(s.storeB, needle).isEmpty, "\(needle) is still in \(filesContaining(s.storeB, needle))")
        }
        #expect(try s.b.log.verify().redactedRecords == 2)
        // The same bundle (signed before the purge) cannot bring the purged history back.
        let before = s.fingerprint()
        #expect { try s.b.importTransfer(export.bytes, actor: "A001") } throws: { error in
            guard case EngineError.bundle(let e) = error else { return false }
            return e.kind == .refused && e.description.contains("purged")
        }
        #expect(s.fingerprint() == before)
    }

    @Test func alteredTruncatedUntrustedAndAlreadyEnrolledBundlesAreRefusedWithNothingWritten() throws {
        let s = try TwoSchools(); defer { s.close() }
        let good = try s.export().bytes
        let before = s.fingerprint()
        func refused(_ bytes: [UInt8], _ kinds: Set<BundleError.Kind>, _ label: String) {
            do {
                _ = try s.b.importTransfer(bytes, actor: "A001")
                Issue.record("\(label): accepted")
            } catch let EngineError.bundle(e) {
                #expect(kinds.contains(e.kind), "\(label): \(e)")
                #expect(e.description.contains("Nothing was imported"))
            } catch {
                Issue.record("\(label): \(error)")
            }
            #expect(s.fingerprint() == before, "\(label) wrote something")
        }
        // One byte altered anywhere: header, checkpoint, an event, a file, the signature.
        for position in [9, 20, 60, good.count / 3, good.count / 2, good.count - 100, good.count - 1] {
            var bytes = good
            bytes[position] ^= 0x20
            refused(bytes, [.altered, .malformed, .untrusted], "byte \(position) altered")
        }
        for length in [0, 7, 100, good.count / 2, good.count - 64, good.count - 1] {
            refused(Array(good.prefix(length)), [.malformed, .altered], "truncated to \(length)")
        }
        refused(good + [0], [.altered, .malformed], "one byte appended")
        // Signed by a school that is not trusted, or by another key under a trusted code.
        let other = try TwoSchools(trust: false); defer { other.close() }
        let otherBundle = try other.export().bytes
        let beforeOther = other.fingerprint()
        #expect { try other.b.importTransfer(otherBundle, actor: "A001") } throws: { error in
            guard case EngineError.bundle(let e) = error else { return false }
            return e.kind == .untrusted && e.reason.contains("170301")
        }
        #expect(other.fingerprint() == beforeOther)
        refused(otherBundle, [.altered], "signed by another key")
        // A student already enrolled here (S112001 exists in both schools).
        refused(try s.export("S112001").bytes, [.refused], "already enrolled")
        // Not a bundle at all.
        refused(Array("hello".utf8), [.malformed], "not a bundle")
    }

    /// A trusted school that signs hostile content (random event bytes, events of another
    /// student, a missing file) is still refused with the reason, nothing written.
    @Test func signedButHostileBundlesAreRefused() throws {
        let s = try TwoSchools(); defer { s.close() }
        let signer = try #require(try StoreKeys.loadPrivate(store: s.dir.sub("store")))
        let good = try s.export().bundle
        let before = s.fingerprint()
        var random = SeededGenerator(seed: 41)
        func resign(_ b: RecordBundle) -> [UInt8] {
            RecordBundle.make(senderCode: b.senderCode, key: b.key, checkpoint: b.checkpoint, createdAt: b.createdAt,
                              entries: b.entries, files: b.files, signer: signer).bytes
        }
        for round in 0..<200 {
            var b = good
            let i = Int.random(in: 0..<b.entries.count, using: &random)
            var payload = b.entries[i].payload
            switch round % 3 {
            case 0: payload = (0..<Int.random(in: 0...64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            case 1: payload[Int.random(in: 0..<payload.count, using: &random)] ^= UInt8.random(in: 1...255, using: &random)
            default: payload = Array(payload.prefix(Int.random(in: 0..<payload.count, using: &random)))
            }
            let e = b.entries[i]
            b.entries[i] = RecordBundle.Entry(seq: e.seq, timestamp: e.timestamp, payload: payload,
                                              digest: RecordBundle.recordDigest(seq: e.seq, timestamp: e.timestamp, key: b.key, payload: payload))
            do { _ = try s.b.importTransfer(resign(b), actor: "A001"); #expect(try s.b.studentState(Leaver.id).isEnrolled) } catch {
                guard case EngineError.bundle = error else { Issue.record("round \(round): \(error)"); continue }
            }
            if try s.b.studentState(Leaver.id).isEnrolled { break }  // an edit that still decodes validly was accepted: fine
        }
        var noFiles = good
        noFiles.files = []
        if try !s.b.studentState(Leaver.id).isEnrolled {
            #expect(s.fingerprint() == before)
            #expect { try s.b.importTransfer(resign(noFiles), actor: "A001") } throws: { error in
                guard case EngineError.bundle(let e) = error else { return false }
                return e.kind == .refused && e.reason.contains("not in the bundle")
            }
        }
    }

    /// Seeded random damage (flips, truncations, insertions, length fields set to
    /// huge values) never crashes the parser and is always refused.
    @Test func damagedBundlesNeverCrashTheParser() throws {
        let s = try TwoSchools(); defer { s.close() }
        let good = try s.export().bytes
        let key = try #require(try StoreKeys.loadPublic(store: s.dir.sub("store")))
        var random = SeededGenerator(seed: 2026)
        let rounds = Int(ProcessInfo.processInfo.environment["LICHENG_FUZZ_ROUNDS"] ?? "") ?? 300
        for round in 0..<rounds {
            var bytes = good
            switch round % 4 {
            case 0: for _ in 0..<Int.random(in: 1...4, using: &random) { bytes[Int.random(in: 0..<bytes.count, using: &random)] ^= UInt8.random(in: 1...255, using: &random) }
            case 1: bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &random)))
            case 2: bytes.insert(UInt8.random(in: 0...255, using: &random), at: Int.random(in: 0...bytes.count, using: &random))
            default:
                let at = Int.random(in: 0..<(bytes.count - 8), using: &random)
                bytes.replaceSubrange(at..<(at + 4), with: [0xFF, 0xFF, 0xFF, 0x7F])
            }
            guard bytes != good else { continue }
            do {
                let bundle = try RecordBundle.parse(bytes)
                try RecordBundle.verifySignature(bytes, bundle, key: key)
                Issue.record("round \(round): damaged bundle accepted")
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }
}
