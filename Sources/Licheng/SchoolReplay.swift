// A whole-school replay on two threads.

import Foundation
import LichengDomain
import LichengLog

/// Replays stored events into a `SchoolState` on two threads. The caller's thread decodes each
/// event and applies it to the shared state; a worker thread applies it to the students' states,
/// a batch of events behind. `SchoolState.apply` is those two halves (`SharedState.apply`,
/// `IDMap.applyToStudents`); neither reads what the other writes, and each takes the events in
/// log order, so the state made is the one `SchoolState.applyStored` makes one event after
/// another (a test holds them equal). Events of the shared stream alone (staff, courses,
/// windows, …) never reach the worker; a record event (a grade, …) reaches it as its stored
/// bytes (`StoredRecord`), copied into the batch.
///
/// Give it events with `applyStored` (or `apply`), then take the state with `finish()`. A replay
/// dropped unfinished (an error on the way) stops its worker when it is freed.
public final class SchoolReplay {
    /// Events handed to the worker at a time (1,024 to 16,384 measured alike).
    private let batchSize: Int

    private var shared = SharedState()
    private var batch: Batch
    private let channel: Channel
    private let result = Students()
    private let stopped = DispatchSemaphore(value: 0)
    private var finished = false

    /// `batchSize` events are handed over at a time; up to `depth` batches wait for the worker
    /// before the caller waits for it (small values test the hand-over).
    public init(batchSize: Int = 4096, depth: Int = 4) {
        precondition(batchSize > 0 && depth > 0)
        self.batchSize = batchSize
        channel = Channel(depth: depth, batchSize: batchSize)
        batch = channel.emptyBatch()
        let channel = channel, result = result, stopped = stopped
        let worker = Thread {
            while let batch = channel.take() {
                batch.apply(to: &result.states)
                channel.recycle(batch)
            }
            stopped.signal()
        }
        worker.name = "licheng.replay.students"
        worker.start()
    }

    deinit {
        if !finished {
            channel.close(droppingQueued: true)
            stopped.wait()
        }
    }

    /// `SchoolState.applyStored`: a record event is copied as stored, any other decoded.
    public func applyStored(_ stored: UnsafeRawBufferPointer, seq: UInt64, recordedAt: Timestamp) throws(StoredDecodeError) {
        precondition(!finished, "SchoolReplay: an event after finish()")
        if let record = StoredRecord(stored) {
            shared.advance(past: record, seq: seq, recordedAt: recordedAt)
            batch.add(record, stored, seq: seq, recordedAt: recordedAt)
            if batch.entries.count >= batchSize { handOver() }
        } else {
            apply(try Event.decodeStored(stored, seq: seq, recordedAt: recordedAt))
        }
    }

    /// `SchoolState.apply`.
    public func apply(_ e: Event) {
        precondition(!finished, "SchoolReplay: an event after finish()")
        shared.apply(e)
        guard e.streamKey != nil || e.type == .submissionMade else { return }
        batch.entries.append(.event(e))
        if batch.entries.count >= batchSize { handOver() }
    }

    /// Waits for the worker to apply every event given and returns the state they make.
    public func finish() -> SchoolState {
        precondition(!finished, "SchoolReplay: finish() called twice")
        finished = true
        if !batch.entries.isEmpty { handOver() }
        channel.close()
        stopped.wait()
        return SchoolState(shared: shared, students: result.states)
    }

    private func handOver() {
        channel.put(batch)
        batch = channel.emptyBatch()
    }

    /// Every event of `log` through `seq` (all when nil) replayed on two threads, with the
    /// number of events; redacted records are skipped, as every replay skips them. An event
    /// this build cannot read fails the replay, naming its seq (`EngineError.undecodable`).
    public static func replay(_ log: Log, through seq: UInt64? = nil) throws(EngineError) -> (state: SchoolState, events: Int) {
        let replay = SchoolReplay()
        var events = 0
        try log.forEachStoredEvent(through: seq) { view in
            try replay.applyStored(view.payload, seq: view.seq, recordedAt: view.timestamp)
            events += 1
            return true
        }
        return (replay.finish(), events)
    }
}

extension Engine {
    /// Every student's state and the shared state as of `seq` (now when nil), replayed from the
    /// whole log on two threads (`SchoolReplay.replay`).
    public func replaySchool(through seq: UInt64? = nil) throws(EngineError) -> SchoolState {
        try SchoolReplay.replay(log, through: seq).state
    }
}

/// The students' states, the worker's while it runs and the caller's once `stopped` is
/// signalled (the semaphore orders the two).
private final class Students: @unchecked Sendable {
    var states = IDMap<StudentState>()
}

/// Events on their way to the worker, in log order.
private final class Batch: @unchecked Sendable {
    enum Entry {
        case event(Event)
        /// A record event's stored bytes at `start` in `bytes` (`record`'s ranges are offsets in them).
        case record(StoredRecord, start: Int, count: Int, seq: UInt64, recordedAt: Timestamp)
    }
    var entries: [Entry] = []
    var bytes: [UInt8] = []

    init(capacity: Int) {
        entries.reserveCapacity(capacity)
        bytes.reserveCapacity(capacity * 128)
    }

    func add(_ record: StoredRecord, _ stored: UnsafeRawBufferPointer, seq: UInt64, recordedAt: Timestamp) {
        entries.append(.record(record, start: bytes.count, count: stored.count, seq: seq, recordedAt: recordedAt))
        bytes.append(contentsOf: stored)
    }

    func apply(to students: inout IDMap<StudentState>) {
        bytes.withUnsafeBytes { all in
            for entry in entries {
                switch entry {
                case .event(let e):
                    students.applyToStudents(e)
                case .record(let record, let start, let count, let seq, let recordedAt):
                    students.apply(record, UnsafeRawBufferPointer(rebasing: all[start..<start + count]), seq: seq, recordedAt: recordedAt)
                }
            }
        }
    }

    func clear() {
        entries.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
    }
}

/// A bounded queue of batches from the caller to the worker, and the emptied ones back.
private final class Channel: @unchecked Sendable {
    private let condition = NSCondition()
    private var full: [Batch] = []
    private var empty: [Batch] = []
    private var closed = false
    private let depth: Int, batchSize: Int

    init(depth: Int, batchSize: Int) {
        self.depth = depth
        self.batchSize = batchSize
    }

    /// Queues a batch for the worker, waiting while `depth` are queued already.
    func put(_ batch: Batch) {
        condition.lock()
        while full.count >= depth { condition.wait() }
        full.append(batch)
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch, waiting for one; nil once closed and drained.
    func take() -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        while full.isEmpty && !closed { condition.wait() }
        if full.isEmpty { return nil }
        condition.broadcast()
        return full.removeFirst()
    }

    /// Takes back a batch the worker applied. Its events are freed by the caller's thread when
    /// it reuses the batch (`emptyBatch`), not here: memory freed by another thread than the
    /// one that allocated it contends for `malloc`'s lock on that thread's arena.
    func recycle(_ batch: Batch) {
        condition.lock()
        empty.append(batch)
        condition.unlock()
    }

    func emptyBatch() -> Batch {
        condition.lock()
        let reused = empty.popLast()
        condition.unlock()
        guard let reused else { return Batch(capacity: batchSize) }
        reused.clear()
        return reused
    }

    /// No more batches will come; with `droppingQueued`, those queued are not applied either
    /// (a replay abandoned after an error).
    func close(droppingQueued: Bool = false) {
        condition.lock()
        if droppingQueued { full.removeAll() }
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
