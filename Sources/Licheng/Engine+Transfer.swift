import Foundation
import LichengDomain
import LichengLog

/// What `transfer export` wrote.
public struct TransferExport: Sendable {
    public var bytes: [UInt8]
    public var bundle: RecordBundle
    public var digest: Digest
}

/// What `transfer import` recorded.
public struct TransferImport: Sendable, Equatable {
    public var student: String
    /// The seq of the `student.transferred-in` event.
    public var seq: UInt64
    public var sourceSchool: String
    public var bundleDigest: String
    public var importedEvents: Int
    public var files: Int
    /// The sending school's signed checkpoint the bundle carries.
    public var checkpointSeq: UInt64
    public var checkpointChainHead: String
}

extension Engine {
    /// Builds the signed transfer bundle of `student` (SPEC §8): every event of their
    /// stream still held (in stored form, with its record digest) and every file those
    /// events reference, with a checkpoint of this store's chain head, all signed with
    /// `signer` (the school's key). Writes nothing.
    public func exportTransfer(student: String, signer: SigningKey) throws(EngineError) -> TransferExport {
        guard let code = core.store?.schoolCode else { throw .notFound("The store has no school code (store.initialized is missing).") }
        guard try studentState(student).isEnrolled else {
            throw .notFound("Student \(student) is not enrolled in this school; there is nothing to export.")
        }
        var entries: [RecordBundle.Entry] = []
        var fileDigests: [String] = []
        do {
            try log.forEach(seqs: try log.seqs(forKey: student)) { view in
                guard !view.isRedacted else { return }
                let payload = Array(view.payload)
                let e = try Event.decodeStored(payload, seq: view.seq, recordedAt: view.timestamp)
                for f in Self.fileDigests(of: e) where !fileDigests.contains(f) { fileDigests.append(f) }
                entries.append(RecordBundle.Entry(seq: view.seq, timestamp: view.timestamp, payload: payload, digest: view.digest))
            }
        } catch let error as LogError { throw .storage(error) } catch { throw .undecodable(seq: 0, reason: "\(error)") }
        var files: [(Digest, [UInt8])] = []
        for hex in fileDigests {
            guard let digest = Digest(hex: hex) else { continue }
            do { files.append((digest, try blobs.get(digest))) } catch {
                throw .storage(error)
            }
        }
        var checkpoint = Checkpoint(storeID: log.storeID, seq: log.lastSeq, chainHead: log.chainHead, time: clock())
        checkpoint.signature = signer.sign(checkpoint.message)
        let (bundle, bytes) = RecordBundle.make(senderCode: code, key: student, checkpoint: checkpoint, createdAt: clock(),
                                               entries: entries, files: files, signer: signer)
        return TransferExport(bytes: bytes, bundle: bundle, digest: sha256(bytes))
    }

    /// Verifies a transfer bundle and records `student.transferred-in` with its
    /// provenance; all or nothing. Refused (typed `BundleError`, nothing written):
    /// not a bundle or truncated; sender not trusted (no `school.trusted` for its code);
    /// signature, checkpoint signature, an event digest or a file digest not
    /// matching; an event that cannot be read or is about another student; a file
    /// an event references missing; the student already enrolled here. The bundle
    /// itself is kept in the file store (named by its SHA-256, which the event
    /// records), and the student's portfolio shows its history marked as imported.
    public func importTransfer(_ bytes: [UInt8], actor: String, class newClass: String? = nil) throws(EngineError) -> TransferImport {
        guard log.mode == .write else { throw .storage(.notWritable(reason: "it was opened for reading")) }
        let bundle: RecordBundle
        do { bundle = try RecordBundle.parse(bytes) } catch { throw .bundle(error) }
        guard let text = core.trustedSchools[bundle.senderCode], let key = PublicKey(text: text) else {
            throw .bundle(BundleError(.untrusted, field: "senderCode",
                                      "it is signed by school \(bundle.senderCode), whose key is not trusted here; register it with 'licheng school trust \(bundle.senderCode) --key …' after checking it with that school"))
        }
        do { try RecordBundle.verifySignature(bytes, bundle, key: key) } catch { throw .bundle(error) }
        guard bundle.checkpoint.storeID != log.storeID else {
            throw .bundle(BundleError(.refused, field: "checkpoint.storeId", "it was exported from this very store"))
        }
        let events: [Event]
        do { events = try Self.decodeBundleEvents(bundle) } catch { throw .bundle(error) }
        let available = Set(bundle.files.map { $0.0.hex })
        for e in events {
            for f in Self.fileDigests(of: e) where !available.contains(f) {
                throw .bundle(BundleError(.refused, field: "files", "the file \(f.prefix(16))… that event seq \(e.seq) references is not in the bundle"))
            }
        }
        var name = "", cls = ""
        for e in events {
            switch e.body {
            case .studentEnrolled(let d): name = d.name; cls = d.class
            case .studentTransferredIn(let d): name = d.name; cls = d.class
            case .studentRecordUpdated(let d): if let n = d.name { name = n }; if let c = d.class { cls = c }
            case .studentReEnrolled(let d): if let c = d.class { cls = c }
            default: break
            }
        }
        guard !name.isEmpty else {
            throw .bundle(BundleError(.refused, field: "events", "it holds no enrolment record of student \(bundle.key) (no name)"))
        }
        let here = try studentState(bundle.key)
        if here.isEnrolled {
            throw .bundle(BundleError(.refused, field: "studentId", "student \(bundle.key) is already enrolled in this school" + (here.registry?.departedOn != nil ? " (departed; re-enrol them instead)" : "")))
        }
        // A bundle signed before this student's purge here would bring the purged history back.
        if let purgedSeq = here.purgedSeq {
            let purgedAt = (try? event(at: purgedSeq).recordedAt) ?? Int64.max
            if bundle.checkpoint.time <= purgedAt {
                throw .bundle(BundleError(.refused, field: "checkpoint.time",
                                          "student \(bundle.key)'s data was purged here on \(Taipei.format(purgedAt)) (seq \(purgedSeq)) and this bundle was signed before that; importing it would bring the purged history back"))
            }
        }
        let digest = sha256(bytes)
        var data = JSONObject()
        data["sourceSchool"] = .string(bundle.senderCode)
        data["bundleDigest"] = .string(digest.hex)
        data["name"] = .string(name)
        data["class"] = .string(newClass ?? cls)
        data["importedEvents"] = .int(Int64(events.count))
        let proposed = try Engine.propose(.studentTransferredIn, actor: actor, student: bundle.key, data: data)
        let stored = try submit([proposed], blobs: bundle.files.map(\.1) + [bytes])[0]
        return TransferImport(student: bundle.key, seq: stored.seq, sourceSchool: bundle.senderCode, bundleDigest: digest.hex,
                              importedEvents: events.count, files: bundle.files.count, checkpointSeq: bundle.checkpoint.seq,
                              checkpointChainHead: bundle.checkpoint.chainHead.hex)
    }

    /// The bundle's events, decoded; each must be about the bundle's student.
    static func decodeBundleEvents(_ bundle: RecordBundle) throws(BundleError) -> [Event] {
        var out: [Event] = []
        for (i, entry) in bundle.entries.enumerated() {
            let e: Event
            do { e = try Event.decodeStored(entry.payload, seq: entry.seq, recordedAt: entry.timestamp) } catch {
                throw BundleError(.refused, field: "events[\(i)]", "the event with seq \(entry.seq) cannot be read by this version: \(error)")
            }
            guard e.streamKey == bundle.key else {
                throw BundleError(.refused, field: "events[\(i)]", "the event with seq \(entry.seq) is not about student \(bundle.key)")
            }
            out.append(e)
        }
        return out
    }

    /// The imported history a `student.transferred-in` event points at (its bundle,
    /// kept in the file store).
    func importedHistory(_ d: StudentTransferredIn) throws(EngineError) -> [Event] {
        guard let digest = Digest(hex: d.bundleDigest) else { return [] }
        let bytes: [UInt8]
        do { bytes = try blobs.get(digest) } catch { throw .storage(error) }
        do { return try Self.decodeBundleEvents(try RecordBundle.parse(bytes)) } catch {
            throw .undecodable(seq: 0, reason: "the transfer bundle \(d.bundleDigest.prefix(16))… in the file store cannot be read: \(error)")
        }
    }
}
