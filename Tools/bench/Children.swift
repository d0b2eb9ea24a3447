// Subcommands the comparison runs as child processes: replays (so that each side's peak
// RSS is its own), a whole-process SQLite insert, and writers that are killed mid-stream.
import CSQLite
import Foundation
import Licheng
import LichengDomain
import LichengLog

/// A cheap fingerprint of the replayed state, so the two sides can be checked equal.
func fingerprint(_ s: SchoolState) -> String {
    let t = s.totals
    return "seq\(s.shared.lastSeq)-students\(t.students)-items\(t.items)-history\(t.historyEntries)-records\(t.records)"
}

/// `replay-child licheng|licheng-two-threads STORE` | `replay-child sqlite DB`: every event into
/// every projection; prints the events, the seconds they took, the CPU seconds of every thread in
/// that span, the peak RSS and the state's fingerprint.
func replayChild(_ side: String, _ path: String) throws {
    var school = SchoolState()
    var count: UInt64 = 0
    var elapsed = 0.0
    let cpuBefore = cpuSeconds()
    switch side {
    case "licheng":
        // Every record in order, as the engine's student loads read a student's: a record event
        // (a grade, …) copied into its student's record log as stored, any other event decoded
        // and applied. (The engine's shared-state replays skip record events by type.)
        let log = try Log.open(at: path, mode: .read)
        elapsed = try seconds {
            try log.forEach { view in
                if view.isRedacted { return true }
                try school.applyStored(view.payload, seq: view.seq, recordedAt: view.timestamp)
                count += 1
                return true
            }
        }
    case "licheng-two-threads":
        // The same with the students' half on a second thread: what `verify --replay` runs.
        let log = try Log.open(at: path, mode: .read)
        elapsed = try seconds {
            let (state, events) = try SchoolReplay.replay(log)
            school = state
            count = UInt64(events)
        }
    case "sqlite":
        let db = try SQLiteDB(path: path, readOnly: true)
        let scan = try db.prepare("SELECT seq, recorded_at, body FROM events ORDER BY seq")
        elapsed = try seconds {
            while try scan.step() {
                school.apply(try decodeEventDocument(scan.text(2), seq: scan.int(0), recordedAt: scan.int(1)))
                count += 1
            }
        }
    default:
        throw BenchError("replay-child takes licheng, licheng-two-threads or sqlite")
    }
    let cpu = cpuSeconds() - cpuBefore
    let rss = peakRSS()
    print("events=\(count) seconds=\(elapsed) cpu=\(cpu) rss=\(Int(rss)) state=\(fingerprint(school))")
}

/// `replay-by-type STORE [RUNS]`: where a full replay's time goes, by event type: the
/// nanoseconds spent decoding and applying each type's events (per type, the replay of RUNS,
/// each into a fresh state, where its events took least), with each type's count and share.
/// A type replayed from its stored bytes (records: `EventType.replaysAsStored`) is timed whole,
/// its checks and copy under "apply".
func replayByType(_ path: String, runs: Int) throws {
    let log = try Log.open(at: path, mode: .read)
    var best: [EventType: (count: Int, decode: UInt64, apply: UInt64)] = [:]
    for _ in 0..<max(1, runs) {
        var school = SchoolState()
        var run: [EventType: (count: Int, decode: UInt64, apply: UInt64)] = [:]
        try log.forEach { view in
            if view.isRedacted { return true }
            let type = try Event.peekStored(view.payload).type
            if type.replaysAsStored {
                let t0 = now()
                try school.applyStored(view.payload, seq: view.seq, recordedAt: view.timestamp)
                run[type, default: (0, 0, 0)].apply += now() - t0
                run[type]!.count += 1
                return true
            }
            let t0 = now()
            let event = try Event.decodeStored(view.payload, seq: view.seq, recordedAt: view.timestamp)
            let t1 = now()
            school.apply(event)
            let t2 = now()
            run[event.type, default: (0, 0, 0)].count += 1
            run[event.type]!.decode += t1 - t0
            run[event.type]!.apply += t2 - t1
            return true
        }
        for (type, r) in run {
            let b = best[type]
            if b.map({ r.decode + r.apply < $0.decode + $0.apply }) ?? true { best[type] = r }
        }
    }
    let total = best.values.reduce(0) { $0 + $1.decode + $1.apply }
    print("type                              events   decode ns/ev   apply ns/ev   share")
    for (type, r) in best.sorted(by: { $0.value.decode + $0.value.apply > $1.value.decode + $1.value.apply }) {
        let n = Double(r.count)
        print(type.rawValue.padding(toLength: 32, withPad: " ", startingAt: 0)
            + String(format: " %8d %14.0f %13.0f %6.1f%%", r.count, Double(r.decode) / n, Double(r.apply) / n,
                      Double(r.decode + r.apply) * 100 / Double(max(total, 1))))
    }
    let events = best.values.reduce(0) { $0 + $1.count }
    print(String(format: "all: %d events, %.0f ns an event (timer included)", events, Double(total) / Double(max(events, 1))))
}

/// `sqlite-insert DB TYPE ACTOR STUDENT BODY`: what a `sqlite3`-style one-row insert costs as a
/// whole process: open, WAL + synchronous=FULL, one transaction with one row, close.
func sqliteInsert(_ args: [String]) throws {
    guard args.count == 5 else { throw BenchError("sqlite-insert DB TYPE ACTOR STUDENT BODY") }
    let db = try SQLiteDB(path: args[0])
    try db.exec("PRAGMA synchronous=FULL")
    let insert = try db.prepare("INSERT INTO events(recorded_at, type, actor, student, body) VALUES (?1, ?2, ?3, ?4, ?5)")
    try db.exec("BEGIN IMMEDIATE")
    insert.bind(1, Int64(Date().timeIntervalSince1970 * 1_000_000))
    insert.bind(2, args[1])
    insert.bind(3, args[2])
    insert.bind(4, args[3].isEmpty ? nil : args[3])
    insert.bind(5, args[4])
    _ = try insert.step()
    try db.exec("COMMIT")
}

/// `crash-writer licheng STORE` | `crash-writer sqlite DB`: appends batches of 1,000 (copies of
/// the last 1,000 events) forever, printing a line after each durable batch, until killed.
func crashWriter(_ side: String, _ path: String) throws {
    let out = FileHandle.standardOutput
    switch side {
    case "licheng":
        let log = try Log.open(at: path, mode: .write)
        let last = log.lastSeq
        let recent = try log.read((last - 999)...last)
        let ts = recent.last!.timestamp
        let batch = recent.map { RecordInput(timestamp: ts, key: $0.key, payload: $0.payload) }
        while true {
            _ = try log.append(batch)
            out.write(Data("ok\n".utf8))
        }
    case "sqlite":
        let db = try SQLiteDB(path: path)
        try db.configureDurable()
        let writer = try SQLiteWriter(db)
        let read = try db.prepare("SELECT seq, recorded_at, type, actor, student, request_id, body FROM events ORDER BY seq DESC LIMIT 1000")
        var rows: [BenchRow] = []
        while try read.step() {
            func text(_ i: Int32) -> String? {
                sqlite3_column_type(read.stmt, i) == SQLITE_NULL ? nil : String(decoding: read.text(i), as: UTF8.self)
            }
            rows.append(BenchRow(seq: 0, recordedAt: read.int(1), type: text(2)!, actor: text(3)!, student: text(4),
                                 requestId: nil, body: text(6)!))
        }
        var seq = try db.int("SELECT max(seq) FROM events")
        while true {
            for i in rows.indices { seq += 1; rows[i].seq = seq }
            try writer.append(rows[...])
            out.write(Data("ok\n".utf8))
        }
    default:
        throw BenchError("crash-writer takes licheng or sqlite")
    }
}

/// The SQLite baseline's decoder: the project's own JSON parser and event-document decoder.
/// `decide` fills a submission's `items` and `students` from the state, so a stored
/// submission can list more entries than the 1,000 an input document may carry; those two
/// lists are taken out before the strict decoder runs and put back after it.
func decodeEventDocument(_ bytes: UnsafeBufferPointer<UInt8>, seq: Int64, recordedAt: Int64) throws -> Event {
    if let e = try? Event.parseJSONLine(bytes, line: Int(seq)) {
        var e = e
        e.seq = UInt64(seq)
        e.recordedAt = recordedAt
        return e
    }
    guard case .object(var doc) = try JSONValue.parse(bytes: bytes, line: Int(seq)),
          case .object(var data)? = doc["data"] else { return try Event.parseJSONLine(bytes, line: Int(seq)) }
    var long: [String: [String]] = [:]
    for key in ["items", "students"] {
        if let a = data[key]?.arrayValue, a.count > 1000 {
            long[key] = a.compactMap(\.stringValue)
            data[key] = .array([])
        }
    }
    doc["data"] = .object(data)
    var e = try Event(json: .object(doc), line: Int(seq))
    if case .submissionMade(var body) = e.body, !long.isEmpty {
        if let items = long["items"] { body.items = items }
        if let students = long["students"] { body.students = students }
        e.body = .submissionMade(body)
    }
    e.seq = UInt64(seq)
    e.recordedAt = recordedAt
    return e
}
