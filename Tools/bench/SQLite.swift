// The SQLite baseline's thin wrapper over the C API (prepared statements, typed errors).
// Only this benchmark links SQLite; the library and the CLI never do.
import CSQLite
import Foundation

struct SQLiteError: Error, CustomStringConvertible {
    var operation: String
    var path: String
    var code: Int32
    var message: String
    var description: String { "SQLite failed to \(operation) on '\(path)' (code \(code)): \(message)" }
}

/// SQLite copies text bound with this destructor (the usual choice of an application).
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// One connection; closed in `deinit`.
final class SQLiteDB {
    let path: String
    private(set) var handle: OpaquePointer?

    init(path: String, readOnly: Bool = false) throws(SQLiteError) {
        self.path = path
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let rc = sqlite3_open_v2(path, &handle, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot allocate a connection"
            sqlite3_close_v2(handle)
            handle = nil
            throw SQLiteError(operation: "open the database", path: path, code: rc, message: message)
        }
    }

    deinit { sqlite3_close_v2(handle) }

    func error(_ operation: String, _ rc: Int32) -> SQLiteError {
        SQLiteError(operation: operation, path: path, code: rc, message: String(cString: sqlite3_errmsg(handle)))
    }

    func exec(_ sql: String) throws(SQLiteError) {
        let rc = sqlite3_exec(handle, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw error("run '\(sql.prefix(60))'", rc) }
    }

    func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error("prepare '\(sql.prefix(60))'", rc) }
        return SQLiteStatement(db: self, stmt: stmt, sql: sql)
    }

    /// The first column of the first row of `sql`, as an integer.
    func int(_ sql: String) throws(SQLiteError) -> Int64 {
        let s = try prepare(sql)
        guard try s.step() else { return 0 }
        return s.int(0)
    }

    /// The benchmark's settings: WAL, every commit fsynced (the same durability as Licheng).
    func configureDurable() throws(SQLiteError) {
        try exec("PRAGMA journal_mode=WAL")
        try exec("PRAGMA synchronous=FULL")
    }
}

/// A prepared statement; finalized in `deinit`.
final class SQLiteStatement {
    let db: SQLiteDB
    let stmt: OpaquePointer
    let sql: String

    init(db: SQLiteDB, stmt: OpaquePointer, sql: String) {
        self.db = db
        self.stmt = stmt
        self.sql = sql
    }

    deinit { sqlite3_finalize(stmt) }

    func bind(_ i: Int32, _ v: Int64) { sqlite3_bind_int64(stmt, i, v) }

    func bind(_ i: Int32, _ v: String?) {
        guard let v else { sqlite3_bind_null(stmt, i); return }
        var text = v
        text.withUTF8 { p in _ = sqlite3_bind_text(stmt, i, UnsafeRawPointer(p.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(p.count), transient) }
    }

    /// True when a row is ready, false when done.
    func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw db.error("step '\(sql.prefix(60))'", rc)
    }

    func reset() {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
    }

    func int(_ column: Int32) -> Int64 { sqlite3_column_int64(stmt, column) }

    /// The column's text bytes, valid until the next step or reset.
    func text(_ column: Int32) -> UnsafeBufferPointer<UInt8> {
        guard let p = sqlite3_column_text(stmt, column) else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: p, count: Int(sqlite3_column_bytes(stmt, column)))
    }
}

/// The baseline schema: one row per event, the event document as JSON text,
/// indexed by student and by time.
enum EventTable {
    static let schema = """
        CREATE TABLE events(
            seq INTEGER PRIMARY KEY,
            recorded_at INTEGER NOT NULL,
            type TEXT NOT NULL,
            actor TEXT NOT NULL,
            student TEXT,
            request_id TEXT,
            body TEXT NOT NULL);
        CREATE INDEX events_student ON events(student);
        CREATE INDEX events_time ON events(recorded_at);
        """
    static let insert = "INSERT INTO events(seq, recorded_at, type, actor, student, request_id, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"

    static func create(at path: String) throws(SQLiteError) -> SQLiteDB {
        let db = try SQLiteDB(path: path)
        try db.configureDurable()
        try db.exec(schema)
        return db
    }
}

/// One event in the form both sides append: Licheng's stored record and SQLite's row.
struct BenchRow {
    var seq: Int64
    var recordedAt: Int64
    var type: String
    var actor: String
    var student: String?
    var requestId: String?
    var body: String
}

/// Inserts rows the way the baseline application would: one transaction per batch.
final class SQLiteWriter {
    let db: SQLiteDB
    let begin, commit, insert: SQLiteStatement

    init(_ db: SQLiteDB) throws(SQLiteError) {
        self.db = db
        begin = try db.prepare("BEGIN IMMEDIATE")
        commit = try db.prepare("COMMIT")
        insert = try db.prepare(EventTable.insert)
    }

    func append(_ rows: ArraySlice<BenchRow>) throws(SQLiteError) {
        _ = try begin.step(); begin.reset()
        do {
            for r in rows {
                insert.bind(1, r.seq)
                insert.bind(2, r.recordedAt)
                insert.bind(3, r.type)
                insert.bind(4, r.actor)
                insert.bind(5, r.student)
                insert.bind(6, r.requestId)
                insert.bind(7, r.body)
                _ = try insert.step()
                insert.reset()
            }
            _ = try commit.step(); commit.reset()
        } catch {
            insert.reset(); commit.reset()
            try? db.exec("ROLLBACK")
            throw error
        }
    }
}
