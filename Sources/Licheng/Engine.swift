import Foundation
import LichengDomain
import LichengLog

/// Everything the engine can fail with, sorted by what the CLI should do.
public enum EngineError: Error, CustomStringConvertible, Sendable {
    /// An append broke a rule (SPEC §4); nothing was written. `index` is the
    /// position in the batch (0-based) when the batch had several events.
    case rejected(Rejection, index: Int?)
    /// Malformed input (JSON, CSV, arguments); nothing was written.
    case input(InputError)
    /// The store's files could not be read or written, or failed a check.
    case storage(LogError)
    /// A stored event could not be decoded (a newer format, or damage that
    /// slipped past the checksums).
    case undecodable(seq: UInt64, reason: String)
    /// A query named something that does not exist (a student, a seq, a time).
    case notFound(String)
    /// The reader asked for something its role may not read.
    case forbidden(String)
    /// A transfer bundle was refused (malformed, untrusted, altered or not acceptable).
    case bundle(BundleError)

    public var description: String {
        switch self {
        case let .rejected(r, index): return (index.map { "Event \($0 + 1) of the batch was rejected. " } ?? "") + r.description
        case let .input(e): return e.description
        case let .storage(e): return e.description
        case let .undecodable(seq, reason): return "The event at seq \(seq) cannot be read: \(reason)."
        case let .notFound(what): return what
        case let .forbidden(what): return what
        case let .bundle(e): return e.description
        }
    }
}

/// "As of" a point of the log: a seq, or a time (the last event recorded at or before it).
public enum AsOf: Sendable, Equatable {
    case seq(UInt64)
    case time(Timestamp)
}

/// The engine joins the log and the domain: it validates proposed events
/// against the state and appends them under the store's writer lock, keeps
/// the core shared state current (snapshot + tail), and answers queries now or
/// as of any past seq by replaying only what the question needs: one student's
/// stream and the core for a student's question, the school index (loaded on
/// demand) for school-wide ones.
public final class Engine: @unchecked Sendable {
    public let path: String
    public let log: Log
    public let blobs: BlobStore
    let clock: @Sendable () -> Timestamp
    let snapshotInterval: UInt64
    /// The core shared state (`SharedState.Detail.core`) after `log.lastSeq`.
    public internal(set) var core: SharedState
    /// requestId → seq, for the school-wide events (a student's are in the student's state);
    /// read from the snapshot in place (see `LazyMap`).
    var requests: LazyMap<UInt64>
    /// The shared state with the school index after `log.lastSeq`, once something needed it;
    /// a writing engine keeps it current from then on.
    var schoolCache: SharedState?
    /// Batch lists already read (see `members(of:)`); a school submits a few batches a year.
    /// (A list, not a `[UInt64: BatchMembers]`: a dictionary of a key type the command has not
    /// used yet looks up the key's `Hashable` conformance at run time, ~0.5M instructions, about
    /// 3% of a command.)
    private var membersCache: [BatchMembers] = []
    private let membersCacheLock = NSLock()
    /// Student states as of `log.lastSeq`, kept between submits. Valid because a
    /// writing engine holds the store's lock for its whole life: nobody else appends.
    var studentCache = IDMap<StudentState>()
    /// Set when a failed submit could not restore the in-memory state: the engine
    /// then refuses further work (reopening rebuilds everything from the log).
    private var broken: String?
    let studentCacheLimit: Int
    /// The snapshot `loadSnapshot` decoded last, per detail (see there; two fields rather
    /// than a dictionary, for the reason `membersCache` gives).
    private var snapshotCache = (core: Snapshot?.none, school: Snapshot?.none)
    /// Why a damaged tables file's state could not be replayed (see `tablesRepairFailure`).
    private var repairFailure: EngineError?
    private let snapshotCacheLock = NSLock()

    public struct Options: Sendable {
        public var log = LogOptions()
        /// A snapshot of the shared state is kept every this many events.
        public var snapshotInterval: UInt64 = 50_000
        /// How many students' states a writing engine keeps between submits
        /// (bulk loads touch every student; a CLI call touches one).
        public var studentCacheLimit = 200_000
        /// The clock that stamps `recordedAt` (tests and the generator pass their own).
        public var clock: @Sendable () -> Timestamp = { Timestamp(Date().timeIntervalSince1970 * 1_000_000) }
        public init() {}
    }

    private init(path: String, log: Log, options: Options, core: SharedState, requests: LazyMap<UInt64>) {
        self.path = path
        self.log = log
        self.blobs = BlobStore(storePath: path)
        self.clock = options.clock
        self.snapshotInterval = options.snapshotInterval
        self.studentCacheLimit = options.studentCacheLimit
        self.core = core
        self.requests = requests
    }

    /// Creates a store and records `store.initialized` with its first account (exam-section).
    public static func create(at path: String, schoolCode: String, schoolName: String, adminId: String,
                              adminName: String, options: Options = Options()) throws(EngineError) -> Engine {
        let log: Log
        do {
            log = try Log.create(at: path, options: options.log, now: options.clock())
            // The school's Ed25519 key pair (keys/signing.key, mode 0600; keys/signing.pub).
            log.signer = try StoreKeys.create(store: path)
        } catch { throw .storage(error) }
        let engine = Engine(path: path, log: log, options: options, core: SharedState(detail: .core), requests: [:])
        _ = try engine.submit([Event(actor: adminId, body: .storeInitialized(StoreInitialized(
            schoolCode: schoolCode, schoolName: schoolName, adminId: adminId, adminName: adminName)))])
        return engine
    }

    /// Opens a store. `.write` takes the writer lock (waiting for another writer
    /// up to `options.log.lockWaitSeconds`), so the state it validates against
    /// cannot change underneath it.
    public static func open(at path: String, mode: AccessMode = .write, options: Options = Options()) throws(EngineError) -> Engine {
        let log: Log
        do {
            log = try Log.open(at: path, mode: mode, options: options.log)
            // The key file's mode and form are checked now; the key is made (and matched
            // against the public key) when a seal first needs it.
            if mode == .write, try StoreKeys.privateSeed(store: path) != nil {
                log.loadSignerWhenNeeded { () throws(LogError) in
                    guard let key = try StoreKeys.loadPrivate(store: path) else {
                        throw LogError.key(path: StoreKeys.privateKeyPath(store: path),
                                           reason: "it was removed after the store was opened; put it back from its backup")
                    }
                    return key
                }
            }
        } catch { throw .storage(error) }
        let engine = Engine(path: path, log: log, options: options, core: SharedState(detail: .core), requests: [:])
        (engine.core, engine.requests) = try engine.replayShared(.core, through: log.lastSeq, keepRequests: true)
        return engine
    }

    public func close() { log.close() }

    // MARK: Appending

    /// Validates `proposed` in order, each against the state the ones before it
    /// leave, and appends all of them as one durable batch, or none. Events
    /// whose `requestId` was already stored are not appended again: the stored
    /// event is returned in their place. `blobs` are file contents to keep in the
    /// file store; they are written only when the whole batch passes.
    @discardableResult
    public func submit(_ proposed: [Event], blobs contents: [[UInt8]] = []) throws(EngineError) -> [Event] {
        guard log.mode == .write else { throw .storage(.notWritable(reason: "it was opened for reading")) }
        if let broken { throw .storage(.poisoned(reason: broken)) }
        // Events are applied to `core` (and a loaded school index) in place as they pass:
        // copying per batch would cost more than the batch. If a later event is rejected or
        // the append fails, the core is rebuilt from the snapshot and the log.
        let before = core.lastSeq
        var students = IDMap<StudentState>()
        var accepted: [Event] = []
        var results: [Event] = []
        /// This batch's request IDs, per stream (`<student>\0<id>`, or `\0<id>` for the school).
        // Request IDs match by their bytes, as in the states' and snapshots' tables.
        var newRequests = IDMap<UInt64>()
        var newCoreRequests = IDMap<UInt64>()
        /// This batch's `submission.made` events, for students loaded after them.
        var submissions: [(seq: UInt64, at: Timestamp, batchId: String, shares: [String: StudentSubmission], data: SubmissionMade)] = []
        let now = clock()
        func undo() {
            guard !accepted.isEmpty else { return }
            schoolCache = nil
            do { (core, requests) = try replayShared(.core, through: log.lastSeq, keepRequests: true) } catch {
                broken = "the state could not be rebuilt after a failed batch (\(error)); reopen the store"
            }
        }
        /// The state of student `s` with this batch's accepted events.
        func state(of s: String) throws(EngineError) -> StudentState {
            if let st = students[s] { return st }
            var st: StudentState
            if let cached = studentCache[s] { st = cached } else { st = try loadStudent(s, through: log.lastSeq) }
            for b in submissions where st.lastSeq > 0 {
                if let share = b.shares[s] { st.applySubmission(share, batchId: b.batchId, seq: b.seq) }
            }
            students[s] = st
            return st
        }
        var lookupError: EngineError?
        let lookup: (String) -> StudentState? = { id in
            do throws(EngineError) { return try state(of: id) } catch { lookupError = error; return nil }
        }
        for (index, event) in proposed.enumerated() {
            let studentID = event.impliedStudent(in: core)
            var student: StudentState?
            if let s = studentID {
                do { student = try state(of: s) } catch { undo(); throw error }
            }
            if let id = event.requestId, let seq = newRequests[(studentID ?? "") + "\u{0}" + id] ?? (studentID == nil ? requests[id] : student?.requests[id]) {
                if let earlier = accepted.first(where: { $0.seq == seq }) { results.append(earlier); continue }
                do { results.append(try self.event(at: seq)) } catch { undo(); throw error }
                continue
            }
            // Only a submission reads the whole school's items. No copy of `core` may outlive
            // `decide`: `core.apply` below would then copy every table it changes.
            var school: SharedState?
            if event.type == .submissionMade {
                do { school = try liveSchoolState(accepted: accepted) } catch { undo(); throw error }
            }
            let decided: Event
            do { decided = try decide(event, now: now, shared: school ?? core, student: student, lookup: lookup) } catch {
                undo()
                // A rule that found nothing in damaged tables that could not be rebuilt would
                // name the wrong cause.
                throw tablesRepairFailure() ?? lookupError ?? .rejected(error, index: proposed.count > 1 ? index : nil)
            }
            school = nil
            if let lookupError { undo(); throw lookupError }
            core.apply(decided)
            schoolCache?.apply(decided)
            if let key = decided.streamKey { students.apply(decided, toStudent: key) }
            if case .submissionMade(let d) = decided.body, let batchId = d.batchId {
                let shares = d.studentShares()
                submissions.append((decided.seq, decided.recordedAt, batchId, shares, d))
                for (s, share) in shares where (students[s]?.lastSeq ?? 0) > 0 {
                    students[s]!.applySubmission(share, batchId: batchId, seq: decided.seq)
                }
            }
            if let id = decided.requestId {
                newRequests[(decided.streamKey ?? "") + "\u{0}" + id] = decided.seq
                if decided.streamKey == nil { newCoreRequests[id] = decided.seq }
            }
            accepted.append(decided)
            results.append(decided)
        }
        guard !accepted.isEmpty else { return results }
        if let failure = tablesRepairFailure() { undo(); throw failure }
        var records: [RecordInput] = []
        records.reserveCapacity(accepted.count)
        for e in accepted {
            let payload = e.encodeStored()
            // Never store what could not be read back.
            guard (try? Event.decodeStored(payload, seq: e.seq, recordedAt: e.recordedAt)) == e else {
                undo()
                throw .undecodable(seq: e.seq, reason: "the \(e.type.rawValue) event would not read back from its stored form (a bug); nothing was written")
            }
            records.append(RecordInput(timestamp: e.recordedAt, key: e.streamKey, payload: payload))
        }
        let range: ClosedRange<UInt64>
        var written: [Digest] = []
        do {
            for c in contents {
                let digest = sha256(c)
                if !blobs.contains(digest) { written.append(digest) }
                try blobs.put(c)
            }
            range = try log.append(records)
        } catch {
            // Files only this failed batch brought are not kept (nothing refers to them).
            for digest in written { try? blobs.remove(digest) }
            undo()
            throw .storage(error)
        }
        if range.lowerBound != accepted[0].seq {
            broken = "the log assigned seq \(range.lowerBound) where the engine expected \(accepted[0].seq)"
            throw .storage(.poisoned(reason: broken!))
        }
        if studentCache.count + students.count > studentCacheLimit { studentCache.removeAll(keepingCapacity: true) }
        studentCache.merge(students) { _, new in new }
        // A transfer's imported history is applied when the student is loaded from the log
        // (its bundle is in the file store now): the in-batch state lacks it.
        for e in accepted where e.type == .studentTransferredIn { if let s = e.streamKey { studentCache[s] = nil } }
        for b in submissions {
            keep(BatchMembers(batchId: b.batchId, seq: b.seq, at: b.at, b.data), save: true)
            // Cached students this batch did not load miss the submission.
            for (s, share) in b.shares where students[s] == nil && studentCache[s] != nil {
                studentCache[s]!.applySubmission(share, batchId: b.batchId, seq: b.seq)
            }
        }
        for (id, seq) in newCoreRequests where requests[id] == nil { requests[id] = seq }
        if core.lastSeq / snapshotInterval > before / snapshotInterval {
            saveSnapshot(core, requests: requests)
            if let school = schoolCache { saveSnapshot(school, requests: [:]) }
        }
        return results
    }

    /// The school index as of the last accepted event of a batch in progress: loaded (and
    /// then kept current) when a submission needs it.
    private func liveSchoolState(accepted: [Event]) throws(EngineError) -> SharedState {
        if let school = schoolCache { return school }
        var school = try replayShared(.school, through: log.lastSeq, keepRequests: false).0
        for e in accepted { school.apply(e) }
        schoolCache = school
        return school
    }

    // MARK: Reading

    /// The seq a point in time or seq stands for (clamped to the store).
    public func resolve(_ asOf: AsOf?) throws(EngineError) -> UInt64 {
        let last = log.lastSeq
        switch asOf {
        case nil: return last
        case .seq(let s):
            guard s <= last else { throw .notFound("There is no seq \(s); the store holds seq 1–\(last).") }
            return s
        case .time(let t):
            do { return try log.lastSeq(atOrBefore: t) } catch { throw .storage(error) }
        }
    }

    /// The event at `seq`, decoded.
    public func event(at seq: UInt64) throws(EngineError) -> Event {
        let record: Record
        do { record = try log.record(seq) } catch { throw .storage(error) }
        return try decode(record)
    }

    func decode(_ record: Record) throws(EngineError) -> Event {
        if record.isRedacted { throw .undecodable(seq: record.seq, reason: "its content was purged") }
        do { return try Event.decodeStored(record.payload, seq: record.seq, recordedAt: record.timestamp) } catch {
            throw .undecodable(seq: record.seq, reason: error.description)
        }
    }

    /// The core shared state as of `seq` (staff, courses, windows, policies, batches without
    /// their lists): what a student's question and every rule but a submission read.
    public func coreState(through seq: UInt64) throws(EngineError) -> SharedState {
        if let failure = tablesRepairFailure() { throw failure }
        if seq == core.lastSeq { return core }
        // Request IDs are collected too, so that a snapshot saved on the way is complete.
        return try replayShared(.core, through: seq, keepRequests: true).0
    }

    /// The shared state with the school index as of `seq` (nil: now): what school-wide
    /// questions read (pending work, class overviews, compliance, retention, submissions).
    /// Costs a snapshot of the whole school and the events after it.
    public func schoolState(through seq: UInt64? = nil) throws(EngineError) -> SharedState {
        let seq = seq ?? log.lastSeq
        if let failure = tablesRepairFailure() { throw failure }
        if let school = schoolCache, school.lastSeq == seq { return school }
        let school = try replayShared(.school, through: seq, keepRequests: false).0
        if seq == core.lastSeq { schoolCache = school }
        return school
    }

    /// One student's state as of `seq`: only that student's events are read, and the
    /// lists of the batches submitted after the student's first event.
    public func studentState(_ student: String, through seq: UInt64? = nil) throws(EngineError) -> StudentState {
        try loadStudent(student, through: seq ?? log.lastSeq)
    }

    func loadStudent(_ student: String, through seq: UInt64) throws(EngineError) -> StudentState {
        var state = StudentState(id: student)
        do {
            let seqs = try log.seqs(forKey: student, through: seq)
            guard let first = seqs.first else { return state }
            // A submission reaches the student's state at its place in the log (see
            // `SchoolState.apply`): batches are merged in between the student's events.
            let source = seq <= core.lastSeq ? core : try coreState(through: seq)
            let batches = source.batchOrder.compactMap { source.batches[$0] }.filter { $0.seq > first && $0.seq <= seq }
            var next = 0
            func applyBatches(before limit: UInt64) throws(EngineError) {
                while next < batches.count, batches[next].seq < limit {
                    let b = batches[next]
                    next += 1
                    if let share = try share(of: student, in: b) {
                        state.applySubmission(share, batchId: b.batchId, seq: b.seq)
                    }
                }
            }
            try log.forEach(seqs: seqs) { view in
                try applyBatches(before: view.seq)
                guard !view.isRedacted else { return }
                // A record (a grade, …) is copied into its log as stored; other events are decoded.
                if state.applyStoredRecord(view.payload, seq: view.seq, recordedAt: view.timestamp) { return }
                let e = try Event.decodeStored(view.payload, seq: view.seq, recordedAt: view.timestamp)
                // A transfer brings the history from the other school (kept in its bundle).
                if case .studentTransferredIn(let d) = e.body {
                    state.applyImported(try importedHistory(d), from: d.sourceSchool)
                }
                state.apply(e)
            }
            try applyBatches(before: .max)
        } catch let error as EngineError {
            throw error
        } catch let error as LogError {
            throw .storage(error)
        } catch {
            throw .undecodable(seq: 0, reason: "\(error)")
        }
        return state
    }

    /// Calls `body` with every event in `from...through`, decoded, in order.
    public func forEachEvent(from: UInt64 = 1, through: UInt64? = nil, _ body: (Event) throws -> Bool) throws(EngineError) {
        try log.forEachStoredEvent(from: from, through: through) { view in
            try body(try Event.decodeStored(view.payload, seq: view.seq, recordedAt: view.timestamp))
        }
    }

    /// The events of one student up to `through`, read through the key index.
    public func studentEvents(_ student: String, through: UInt64? = nil) throws(EngineError) -> [Event] {
        var out: [Event] = []
        do {
            try log.forEach(seqs: try log.seqs(forKey: student, through: through)) { view in
                guard !view.isRedacted else { return }
                out.append(try Event.decodeStored(view.payload, seq: view.seq, recordedAt: view.timestamp))
            }
        } catch let error as LogError { throw .storage(error) } catch { throw .undecodable(seq: 0, reason: "\(error)") }
        return out
    }

    public var now: Timestamp { clock() }

    // MARK: Batch lists

    var membersDirectory: String { snapshotDirectory }

    func membersPath(_ seq: UInt64) -> String { membersDirectory + "/batch-" + Format.paddedSeq(seq) + ".members" }

    /// What `batch` holds of `student`; lists found damaged while reading are rebuilt from
    /// the event and read again.
    func share(of student: String, in batch: Batch) throws(EngineError) -> StudentSubmission? {
        let members = try members(of: batch)
        let share = members.share(of: student)
        guard members.isDamaged else { return share }
        return try self.members(of: batch, rebuild: true).share(of: student)
    }

    /// The lists of a submitted batch: from memory, from its derived file, or read from the
    /// batch's `submission.made` event (and then saved).
    func members(of batch: Batch, rebuild: Bool = false) throws(EngineError) -> BatchMembers {
        membersCacheLock.lock()
        let cached = membersCache.first { $0.seq == batch.seq }
        membersCacheLock.unlock()
        if !rebuild, let cached, cached.batchId == batch.batchId, cached.at == batch.at, !cached.isDamaged { return cached }
        if !rebuild, let (buffer, body, checks) = DerivedFile.readChunked(membersPath(batch.seq), kind: BatchMembers.fileKind, version: BatchMembers.fileVersion),
           let members = BatchMembers(decoding: buffer, body: body, checks: checks, storeID: log.storeID, batchId: batch.batchId, seq: batch.seq, at: batch.at) {
            keep(members, save: false)
            return members
        }
        guard case .submissionMade(let d) = try event(at: batch.seq).body, d.batchId == batch.batchId else {
            throw .undecodable(seq: batch.seq, reason: "it should be the submission of batch \(batch.batchId)")
        }
        let members = BatchMembers(batchId: batch.batchId, seq: batch.seq, at: batch.at, d)
        keep(members, save: true)
        return members
    }

    func keep(_ members: BatchMembers, save: Bool) {
        membersCacheLock.lock()
        if let i = membersCache.firstIndex(where: { $0.seq == members.seq }) {
            membersCache[i] = members
        } else {
            membersCache.append(members)
        }
        membersCacheLock.unlock()
        // As for snapshots: a reader saves only what the store still holds.
        guard save, !(log.mode == .read && log.filesChangedOnDisk) else { return }
        _ = try? DerivedFile.writeChunked(members.encoded(storeID: log.storeID), to: membersPath(members.seq),
                                      kind: BatchMembers.fileKind, version: BatchMembers.fileVersion)
    }

    // MARK: Snapshots

    static let snapshotKind: UInt32 = 1
    /// Opening replays at most about this many events before it saves a new snapshot.
    static let openTailLimit: UInt64 = 4096
    /// Bump when the snapshot's binary form changes (`BinaryCoder.swift`): older snapshots are
    /// then ignored and rebuilt.
    static let snapshotVersion: UInt32 = 19
    /// The snapshot's large tables (staff, courses, courses per teacher, request IDs) live
    /// beside it in `<name>.tables`, stored as is and read in place (FORMAT.md §12).
    static let tablesKind: UInt32 = 3
    static let tablesVersion: UInt32 = 3

    struct Snapshot: Codable {
        var storeID: String
        /// The digest of the record at `shared.lastSeq`: a snapshot is used only for
        /// the history it was made from (not, e.g., after an older segment was restored
        /// and the log grew again with other events at the same seqs).
        var digestAtLastSeq: String
        var shared: SharedState
        var requests: LazyMap<UInt64>
        /// The checksum of the tables file saved with this snapshot: a tables file of another
        /// save of the same seq (another detail, another version of the program) is not used.
        var tablesChecksum: UInt64 = 0
    }

    var snapshotDirectory: String { path + "/snapshots" }

    /// `core-<seq>.snap` for the core shared state, `shared-<seq>.snap` with the school index.
    static func snapshotPrefix(_ detail: SharedState.Detail) -> String { detail == .core ? "core-" : "shared-" }

    func snapshotPath(_ detail: SharedState.Detail, _ seq: UInt64) -> String {
        snapshotDirectory + "/" + Self.snapshotPrefix(detail) + Format.paddedSeq(seq) + ".snap"
    }

    func tablesPath(_ detail: SharedState.Detail, _ seq: UInt64) -> String {
        snapshotDirectory + "/" + Self.snapshotPrefix(detail) + Format.paddedSeq(seq) + ".tables"
    }

    /// The tables file: the digest the snapshot was made for (64 hex digits), u64 seq, u32 n,
    /// (n + 1) u64 offsets into the table area, then the tables (`SnapshotTable`'s form).
    static func encodeTables(_ tables: [[UInt8]], digest: String, seq: UInt64) -> [UInt8] {
        var out = Array(digest.utf8)
        out.appendLE(seq)
        out.appendLE(UInt32(tables.count))
        var offset: UInt64 = 0
        out.appendLE(offset)
        for t in tables {
            offset += UInt64(t.count)
            out.appendLE(offset)
        }
        for t in tables { out += t }
        return out
    }

    /// The byte ranges of the `count` tables in a tables file's body, when it was made for
    /// `digest` and `seq`.
    static func tableRanges(_ buffer: ByteBuffer, body: Range<Int>, checks: ChunkChecks, digest: String, seq: UInt64, count: Int) -> [Range<Int>]? {
        let header = 64 + 8 + 4 + 8 * (count + 1)
        guard body.count >= header, checks.check(body.lowerBound, count: header),
              buffer.array(body.lowerBound..<(body.lowerBound + 64)) == Array(digest.utf8) else { return nil }
        func u64(_ at: Int) -> UInt64 { buffer.raw.le(UInt64.self, at: body.lowerBound + at)! }
        guard u64(64) == seq, buffer.raw.le(UInt32.self, at: body.lowerBound + 72) == UInt32(count) else { return nil }
        let area = body.lowerBound + header
        var ranges: [Range<Int>] = []
        for i in 0..<count {
            let a = u64(76 + 8 * i), b = u64(84 + 8 * i)
            guard a <= b, b <= UInt64(body.upperBound - area) else { return nil }
            ranges.append((area + Int(a))..<(area + Int(b)))
        }
        return ranges
    }

    /// Saves the state as a derived snapshot (losing it loses nothing).
    func saveSnapshot(_ state: SharedState, requests: LazyMap<UInt64>) {
        // A reader saves only while what it read is still what the store holds: a purge
        // in another process rewrites segments, and a snapshot of the old bytes would
        // bring the purged student's data back (see `retentionStatus`' purgeIncomplete).
        if log.mode == .read && log.filesChangedOnDisk { return }
        guard state.lastSeq > 0, let digest = try? log.digest(of: state.lastSeq) else { return }
        // The large tables go to the tables file (written first: a snapshot never exists
        // without its tables); the rest is small and compressed.
        var small = state
        small.staff = LazyMap()
        small.courses = LazyMap()
        small.coursesByTeacher = LazyMap()
        let tables = Self.encodeTables([state.staff.tableBytes, state.courses.tableBytes, state.coursesByTeacher.tableBytes,
                                        requests.tableBytes], digest: digest.hex, seq: state.lastSeq)
        // Tables read from a damaged file whose state could not be replayed lack entries:
        // such a state is never saved.
        guard tablesRepairFailure() == nil,
              let checksum = try? DerivedFile.writeChunked(tables, to: tablesPath(state.detail, state.lastSeq), kind: Self.tablesKind,
                                                           version: Self.tablesVersion) else { return }
        let bytes = BinaryCoder.encodeScalar(Snapshot(storeID: hexString(log.storeID), digestAtLastSeq: digest.hex,
                                                      shared: small, requests: LazyMap(), tablesChecksum: checksum))
        try? DerivedFile.write(bytes, to: snapshotPath(state.detail, state.lastSeq), kind: Self.snapshotKind, version: Self.snapshotVersion)
        thinSnapshots(state.detail, keeping: state.lastSeq)
    }

    /// Keeps the newest three snapshots plus the oldest one of every stretch of 8
    /// intervals, so an "as of" anywhere replays at most about 8 intervals of events
    /// while disk use stays small.
    func thinSnapshots(_ detail: SharedState.Detail, keeping newest: UInt64) {
        let seqs = snapshotSeqs(detail)
        let coarse = snapshotInterval * 8
        var oldestInStretch: [UInt64: UInt64] = [:]
        for seq in seqs { oldestInStretch[seq / coarse] = min(oldestInStretch[seq / coarse] ?? seq, seq) }
        let keep = Set(seqs.prefix(3)).union(oldestInStretch.values).union([newest])
        for seq in seqs where !keep.contains(seq) {
            try? FileManager.default.removeItem(atPath: snapshotPath(detail, seq))
            try? FileManager.default.removeItem(atPath: tablesPath(detail, seq))
        }
        // Tables whose snapshot never came (a save killed in between) or was thinned away by
        // a process that crashed before removing them; left alone for a minute, in case
        // another process is between writing a snapshot's tables and the snapshot.
        let prefix = Self.snapshotPrefix(detail)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: snapshotDirectory)) ?? []
        let snaps = Set(names.filter { $0.hasSuffix(".snap") }.map { $0.dropLast(5) })
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tables") && !snaps.contains(name.dropLast(7)) {
            let path = snapshotDirectory + "/" + name
            let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? nil
            if let modified, Date().timeIntervalSince(modified) > 60 { try? FileManager.default.removeItem(atPath: path) }
        }
    }

    /// The seqs of the snapshot files present (of one detail, or of both), newest first.
    func snapshotSeqs(_ detail: SharedState.Detail? = nil) -> [UInt64] {
        let prefixes = detail.map { [Self.snapshotPrefix($0)] } ?? [Self.snapshotPrefix(.core), Self.snapshotPrefix(.school)]
        return ((try? FileManager.default.contentsOfDirectory(atPath: snapshotDirectory)) ?? [])
            .compactMap { name -> UInt64? in
                guard let prefix = prefixes.first(where: { name.hasPrefix($0) }), name.hasSuffix(".snap") else { return nil }
                return UInt64(name.dropFirst(prefix.count).dropLast(5))
            }
            .sorted(by: >)
    }

    /// The newest readable snapshot at or before `seq`. The last one decoded is kept
    /// in memory: decoding is most of an "as of" query's cost, and successive queries
    /// of a long-lived engine usually start from the same snapshot.
    func loadSnapshot(_ detail: SharedState.Detail, atOrBefore seq: UInt64) -> Snapshot? {
        for candidate in snapshotSeqs(detail) where candidate <= seq {
            let digest = (try? log.digest(of: candidate))?.hex
            snapshotCacheLock.lock()
            let cached = detail == .core ? snapshotCache.core : snapshotCache.school
            snapshotCacheLock.unlock()
            if let cached, cached.shared.lastSeq == candidate, digest == cached.digestAtLastSeq { return cached }
            guard let bytes = DerivedFile.read(snapshotPath(detail, candidate), kind: Self.snapshotKind, version: Self.snapshotVersion),
                  var snapshot = try? BinaryCoder.decodeScalar(Snapshot.self, from: bytes),
                  snapshot.storeID == hexString(log.storeID), snapshot.shared.lastSeq == candidate,
                  snapshot.shared.detail == detail, digest == snapshot.digestAtLastSeq,
                  let (buffer, body, checks) = DerivedFile.readChunked(tablesPath(detail, candidate), kind: Self.tablesKind, version: Self.tablesVersion),
                  DerivedFile.recordedChecksum(buffer) == snapshot.tablesChecksum,
                  let ranges = Self.tableRanges(buffer, body: body, checks: checks, digest: snapshot.digestAtLastSeq, seq: candidate, count: 4) else { continue }
            let repair = tablesRepair(detail, seq: candidate)
            guard let staff = try? SnapshotTable<StaffAccount>(storage: buffer, range: ranges[0], checks: checks,
                                                                repair: RepairedTable(repair) { $0.shared.staff.dictionary }),
                  let courses = try? SnapshotTable<CourseInfo>(storage: buffer, range: ranges[1], checks: checks,
                                                               repair: RepairedTable(repair) { $0.shared.courses.dictionary }),
                  let byTeacher = try? SnapshotTable<[String]>(storage: buffer, range: ranges[2], checks: checks,
                                                               repair: RepairedTable(repair) { $0.shared.coursesByTeacher.dictionary }),
                  let requests = try? SnapshotTable<UInt64>(storage: buffer, range: ranges[3], checks: checks,
                                                            repair: RepairedTable(repair) { $0.requests.dictionary }) else { continue }
            snapshot.shared.staff = LazyMap(base: staff)
            snapshot.shared.courses = LazyMap(base: courses)
            snapshot.shared.coursesByTeacher = LazyMap(base: byTeacher)
            snapshot.requests = LazyMap(base: requests)
            snapshotCacheLock.lock()
            if detail == .core { snapshotCache.core = snapshot } else { snapshotCache.school = snapshot }
            snapshotCacheLock.unlock()
            return snapshot
        }
        return nil
    }

    /// What the tables of the snapshot at `seq` answer once a chunk of their file is found
    /// damaged: the same state replayed from an older snapshot (or none) and the log, then
    /// saved in the damaged snapshot's place (an atomic rename: a process still reading the
    /// damaged file keeps its mapping). A failed replay is recorded (`tablesRepairFailure`).
    func tablesRepair(_ detail: SharedState.Detail, seq: UInt64) -> TablesRepair {
        TablesRepair { [weak self] () throws(EngineError) -> TablesRepair.State in
            guard let self else { throw .storage(.notWritable(reason: "the engine that read this snapshot was released")) }
            do throws(EngineError) {
                let state = try self.replayShared(detail, through: seq, keepRequests: detail == .core, snapshotsBefore: seq, saving: false)
                self.saveSnapshot(state.0, requests: detail == .core ? state.1 : [:])
                return state
            } catch {
                self.snapshotCacheLock.lock()
                self.repairFailure = self.repairFailure ?? error
                self.snapshotCacheLock.unlock()
                throw error
            }
        }
    }

    /// The first failed replay of a damaged tables file's state, if any: tables that found
    /// damage and could not be rebuilt answered nothing, so nothing may be decided from them
    /// (`submit` refuses), and what was answered from them may be incomplete (the
    /// command-line tool fails the command).
    public func tablesRepairFailure() -> EngineError? {
        snapshotCacheLock.lock()
        defer { snapshotCacheLock.unlock() }
        return repairFailure
    }

    /// Rebuilds the shared state as of `seq` from the nearest snapshot (before the snapshot at
    /// `snapshotsBefore`, when given) and the events after it; saves a snapshot when that
    /// replay was long (unless `saving` is false). `keepRequests` also collects the request
    /// IDs of school-wide events (for a writer).
    func replayShared(_ detail: SharedState.Detail, through seq: UInt64, keepRequests: Bool,
                      snapshotsBefore limit: UInt64? = nil, saving: Bool = true) throws(EngineError) -> (SharedState, LazyMap<UInt64>) {
        let snapshot: Snapshot?
        if let limit {
            snapshot = limit == 0 ? nil : loadSnapshot(detail, atOrBefore: min(seq, limit - 1))
        } else {
            snapshot = loadSnapshot(detail, atOrBefore: seq)
        }
        var state = snapshot?.shared ?? SharedState(detail: detail)
        var requests = keepRequests ? (snapshot?.requests ?? LazyMap()) : LazyMap()
        let from = state.lastSeq + 1
        if from <= seq {
            // Events the shared state ignores (a student's grades, counseling, …; for the core,
            // every event of a student's stream) only move it on: their data is not decoded.
            try log.forEachStoredEvent(from: from, through: seq) { view in
                let peek = try Event.peekStored(view.payload)
                if SharedState.ignores(peek.type, detail: detail) {
                    state.advance(seq: view.seq, recordedAt: view.timestamp)
                    return true
                }
                let e = try Event.decodeStored(view.payload, seq: view.seq, recordedAt: view.timestamp)
                state.apply(e)
                if keepRequests, e.streamKey == nil, let id = e.requestId { requests[id] = e.seq }
                return true
            }
        }
        // A replay up to now was long: save it, so that the next command (a new process,
        // for the CLI) replays only what came after. A long core replay to a past seq is
        // kept too (thinning keeps one per stretch), for the next "as of" near it.
        let replayed = seq - (from - 1)
        let long = seq == log.lastSeq ? replayed >= min(snapshotInterval, Self.openTailLimit) : detail == .core && replayed >= snapshotInterval
        // A state built on tables that met damage and could not be rebuilt lacks entries.
        if let failure = tablesRepairFailure() { throw failure }
        if saving, keepRequests || detail == .school, long {
            saveSnapshot(state, requests: requests)
        }
        return (state, requests)
    }
}

extension Log {
    /// Calls `body` with every record in `from...through` that was not redacted; a stored
    /// event `body` cannot read becomes `.undecodable` naming its seq, a log error `.storage`.
    func forEachStoredEvent(from: UInt64 = 1, through: UInt64?, _ body: (RecordView) throws -> Bool) throws(EngineError) {
        do {
            try forEach(from: from, through: through) { view in
                if view.isRedacted { return true }
                do { return try body(view) } catch let error as StoredDecodeError {
                    throw EngineError.undecodable(seq: view.seq, reason: "\(error)")
                }
            }
        } catch let error as EngineError { throw error } catch let error as LogError { throw .storage(error) } catch {
            throw .undecodable(seq: 0, reason: "\(error)")
        }
    }
}
