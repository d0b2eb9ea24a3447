import Foundation
import LichengDomain
import LichengLog

/// One departed (or purged) student as `licheng retention status` shows them.
public struct RetentionEntry: Sendable, Equatable {
    public var student: String
    public var departedOn: LocalDate?
    public var reason: DepartureReason?
    /// The first day the portfolio may be purged (`SharedState.purgeAllowedOn`).
    public var purgeAllowedOn: LocalDate?
    public var purgeAllowedNow: Bool
    public var purgedSeq: UInt64?
    /// Purged, but some of the student's events still hold content (a purge was interrupted).
    public var purgeIncomplete: Bool
}

/// What a purge did.
public struct PurgeReport: Sendable, Equatable {
    public var student: String
    /// The seq of the `retention.purged` event (the audit record).
    public var purgedSeq: UInt64
    /// True when the purge had been recorded before and this call finished it.
    public var resumed: Bool
    public var redactedEvents: Int
    public var rewrittenSegments: [String]
    public var removedFiles: Int
    public var removedSnapshots: Int
}

extension Engine {
    /// Every departed or purged student with the date their data may be purged.
    public func retentionStatus() throws(EngineError) -> [RetentionEntry] {
        let now = clock()
        var out: [RetentionEntry] = []
        let shared = try schoolState()
        for info in shared.students.values.sorted(by: { $0.id < $1.id }) where info.departedOn != nil || info.purged {
            var entry = RetentionEntry(student: info.id, departedOn: info.departedOn, reason: info.departureReason,
                                       purgeAllowedOn: nil, purgeAllowedNow: false, purgedSeq: info.purgedSeq, purgeIncomplete: false)
            if !info.purged, let allowed = shared.purgeAllowedOn(info) {
                entry.purgeAllowedOn = allowed
                entry.purgeAllowedNow = now >= allowed.start
            }
            if let seq = info.purgedSeq {
                // Unredacted events of the student, or a snapshot from before the purge
                // (which may hold their registry data), mean it must be run again.
                var unredacted = false
                do {
                    try log.forEach(seqs: try log.seqs(forKey: info.id, through: seq - 1)) { view in if !view.isRedacted { unredacted = true } }
                } catch let error as LogError { throw .storage(error) } catch { throw .undecodable(seq: seq, reason: "\(error)") }
                entry.purgeIncomplete = unredacted
                if snapshotSeqs().contains(where: { $0 < seq }) { entry.purgeIncomplete = true }
            }
            out.append(entry)
        }
        return out
    }

    /// Purges a departed student's data after the retention period (SPEC §7):
    /// records `retention.purged` (the rules refuse it before departure + retention
    /// years, naming the day it becomes allowed), deletes the files only this
    /// student's events referenced, redacts every earlier event of the student's
    /// stream in the log (payload → digest; the chain and `verify` are unaffected),
    /// and rebuilds the state and snapshots without them. If a previous purge of
    /// the student was interrupted (a crash), calling this again finishes it.
    public func purge(student: String, actor: String) throws(EngineError) -> PurgeReport {
        guard log.mode == .write else { throw .storage(.notWritable(reason: "it was opened for reading")) }
        var purgedSeq: UInt64
        var resumed = false
        if let seq = try studentState(student).purgedSeq {
            purgedSeq = seq
            resumed = true
        } else {
            let event = Event(actor: actor, student: student, body: .retentionPurged(RetentionPurged()))
            purgedSeq = try submit([event])[0].seq
        }
        // The student's stream before the purge: every event keyed to them. (Events of the
        // school that name the student, such as a submission batch's list of student IDs,
        // carry the ID only, which is kept: the audit needs to say whom a purge concerned.)
        let targets: [UInt64]
        do { targets = try log.seqs(forKey: student, through: purgedSeq - 1) } catch { throw .storage(error) }
        var files = Set<String>()
        var bundles = Set<String>()
        do {
            try log.forEach(seqs: targets) { view in
                guard !view.isRedacted else { return }
                let e = try Event.decodeStored(view.payload, seq: view.seq, recordedAt: view.timestamp)
                for f in Self.fileDigests(of: e) { files.insert(f) }
                if case .studentTransferredIn(let d) = e.body {
                    // The kept bundle and the files of the imported history go too.
                    bundles.insert(d.bundleDigest)
                    for imported in try importedHistory(d) { for f in Self.fileDigests(of: imported) { files.insert(f) } }
                }
            }
        } catch let error as LogError { throw .storage(error) } catch let error as EngineError { throw error } catch {
            throw .undecodable(seq: 0, reason: "\(error)")
        }
        // Files are deleted before the events are redacted: a crash in between leaves
        // events that still name the files, so running the purge again finds them. Every
        // file no remaining event references goes (the student's own, and any left by an
        // upload whose append failed), except what other students' kept bundles use.
        let targetSet = Set(targets)
        var stillUsed = Set<String>()
        var otherBundles: [StudentTransferredIn] = []
        try forEachEvent { e in
            guard !targetSet.contains(e.seq) else { return true }
            for f in Self.fileDigests(of: e) { stillUsed.insert(f) }
            if case .studentTransferredIn(let d) = e.body { otherBundles.append(d) }
            return true
        }
        for d in otherBundles where !bundles.contains(d.bundleDigest) {
            stillUsed.insert(d.bundleDigest)
            // An unreadable bundle fails the purge: guessing would delete files others still use.
            for imported in try importedHistory(d) { for f in Self.fileDigests(of: imported) { stillUsed.insert(f) } }
        }
        let unused: [String]
        do { unused = try blobs.allDigests().map(\.hex).filter { !stillUsed.contains($0) } } catch { throw .storage(error) }
        var removedFiles = 0
        // Bundles last: a re-run after a crash still finds the imported files through them.
        for hex in unused.filter({ !bundles.contains($0) }) + unused.filter({ bundles.contains($0) }) {
            guard let digest = Digest(hex: hex) else { continue }
            if files.contains(hex) || bundles.contains(hex) { removedFiles += 1 }
            do { try blobs.remove(digest) } catch { throw .storage(error) }
        }
        // Derived data: every snapshot may hold the student's registry summary. They are
        // dropped before the redaction (a crash after it then leaves none behind) and again
        // after it (in case a reader saved one meanwhile); the state is rebuilt from the log.
        var removedSnapshots = removeAllSnapshots()
        let report: RedactReport
        do { report = try log.redact(seqs: targetSet) } catch { throw .storage(error) }
        removedSnapshots += removeAllSnapshots()
        studentCache.removeAll()
        schoolCache = nil
        (core, requests) = try replayShared(.core, through: log.lastSeq, keepRequests: true)
        if core.lastSeq > 0 && snapshotSeqs(.core).isEmpty { saveSnapshot(core, requests: requests) }
        return PurgeReport(student: student, purgedSeq: purgedSeq, resumed: resumed, redactedEvents: report.redacted,
                           rewrittenSegments: report.segments, removedFiles: removedFiles, removedSnapshots: removedSnapshots)
    }

    /// SHA-256 (hex) of the files an event references.
    static func fileDigests(of e: Event) -> [String] {
        switch e.body {
        case .courseOutcomeUploaded(let d): return d.files.map(\.sha256)
        case .performanceUploaded(let d): return d.files.map(\.sha256)
        default: return []
        }
    }

    /// Deletes every snapshot file; returns how many there were.
    /// Deletes every snapshot file, and any temporary file a crashed save left; returns
    /// how many snapshots there were.
    func removeAllSnapshots() -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: snapshotDirectory)) ?? []
        for name in names { try? FileManager.default.removeItem(atPath: snapshotDirectory + "/" + name) }
        return names.filter { $0.hasSuffix(".snap") }.count
    }
}

extension Digest {
    /// Parses 64 hex digits.
    public init?(hex: String) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var i = 0
        while i < 64 {
            guard let hi = Self.nibble(utf8[i]), let lo = Self.nibble(utf8[i + 1]) else { return nil }
            bytes.append(hi << 4 | lo)
            i += 2
        }
        self.init(bytes: bytes)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: return nil
        }
    }
}

/// A redacted record that no purge explains.
public struct UnexplainedRedaction: Sendable, Equatable {
    public var seq: UInt64
    public var key: String
}

extension Engine {
    /// The file a backup brought in line by `retention apply-to` keeps the live store's
    /// purges in (one line per student: `<student> <purgedSeq>`), since its own log ends
    /// before them.
    public static let appliedPurgesFile = "PURGES-APPLIED"

    /// Redacted records (from `verify`) that no purge explains: every redaction must
    /// belong to a student whose `retention.purged` comes after it, in this log or, for a
    /// backup brought in line, in the live store's (`PURGES-APPLIED`). Anything else is
    /// content removed without the record SPEC §7 requires: tampering.
    public func unexplainedRedactions(_ report: VerifyReport) -> [UnexplainedRedaction] {
        var purges: [String: UInt64] = [:]
        for key in report.redacted.keys where !key.isEmpty {
            if let seq = lastPurge(of: key) { purges[key] = seq }
        }
        for (student, seq) in Self.appliedPurges(store: path) where purges[student] == nil { purges[student] = seq }
        var out: [UnexplainedRedaction] = []
        for (key, seqs) in report.redacted {
            let purged = key.isEmpty ? nil : purges[key]
            for seq in seqs where purged.map({ seq >= $0 }) ?? true { out.append(UnexplainedRedaction(seq: seq, key: key)) }
        }
        return out.sorted { $0.seq < $1.seq }
    }

    /// The seq of the last `retention.purged` in a student's stream (unreadable: none).
    func lastPurge(of student: String) -> UInt64? {
        var last: UInt64?
        try? log.forEach(seqs: try log.seqs(forKey: student)) { view in
            if !view.isRedacted, (try? Event.peekStored(view.payload))?.type == .retentionPurged { last = view.seq }
        }
        return last
    }

    /// The purges listed in a backup's `PURGES-APPLIED`.
    public static func appliedPurges(store: String) -> [(String, UInt64)] {
        guard let text = try? String(contentsOfFile: store + "/" + appliedPurgesFile, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count == 2, let seq = UInt64(parts[1]) else { return nil }
            return (String(parts[0]), seq)
        }
    }

    /// Writes this store's purges into `backup`'s `PURGES-APPLIED` (durably).
    public func recordPurges(in backup: String) throws(EngineError) {
        let lines = try schoolState().students.values.compactMap { info in info.purgedSeq.map { "\(info.id) \($0)\n" } }.sorted().joined()
        do { try StoreFile.writeDurably(Array(lines.utf8), to: backup + "/" + Self.appliedPurgesFile) } catch { throw .storage(error) }
    }
}
