// bench: Licheng measured on its own and side by side with a SQLite baseline (release build).
//   bench compare --source STORE [--facts FILE] [--work DIR] [--runs N] [--replay-runs N] [--title T] [--out FILE]
//                                    the comparison table (see docs/PERFORMANCE.md; `make bench`)
//   bench replay STORE [RUNS]        full replay of every event into all projections
//   bench student STORE S [RUNS]     open + one student's portfolio now, and as of half-way
//   bench record STORE SEQ           diagnostics: one raw record
//   bench state-census STORE         where a full replay's memory goes (counts and estimated bytes)
// Child processes of `compare`: replay-child, sqlite-insert, crash-writer.
import Foundation
import Licheng
import LichengDomain
import LichengLog

func summary(_ label: String, _ xs: [Double], scale: Double = 1000, unit: String = "ms") -> String {
    String(format: "%@: median %.2f %@ (min %.2f, max %.2f, %d runs)", label, median(xs) * scale, unit,
           xs.min()! * scale, xs.max()! * scale, xs.count)
}

func parseCompare(_ args: [String]) throws -> CompareConfig {
    var cfg = CompareConfig()
    var i = 0
    func value() throws -> String {
        i += 1
        guard i < args.count else { throw BenchError("\(args[i - 1]) needs a value") }
        return args[i]
    }
    func count() throws -> Int {
        let v = try value()
        guard let n = Int(v), n > 0 else { throw BenchError("\(args[i - 1]) needs a positive number, got '\(v)'") }
        return n
    }
    while i < args.count {
        switch args[i] {
        case "--source": cfg.source = try value()
        case "--facts": cfg.facts = try value()
        case "--work": cfg.work = try value()
        case "--runs": cfg.runs = try count()
        case "--replay-runs": cfg.replayRuns = try count()
        case "--title": cfg.title = try value()
        case "--out": cfg.out = try value()
        default: throw BenchError("unknown argument \(args[i])")
        }
        i += 1
    }
    guard !cfg.source.isEmpty else { throw BenchError("compare needs --source STORE (made by generate)") }
    if cfg.title.isEmpty { cfg.title = "Licheng vs SQLite on \(cfg.source)" }
    return cfg
}

let args = CommandLine.arguments
guard args.count >= 3 else {
    print("usage: bench compare --source STORE [--facts FILE] [--work DIR] [--runs N] [--replay-runs N] [--title T] [--out FILE]\n"
        + "       bench replay STORE [RUNS] | bench student STORE S [RUNS] | bench record STORE SEQ | bench state-census STORE")
    exit(2)
}
do {
    switch args[1] {
    case "compare":
        try Compare(try parseCompare(Array(args.dropFirst(2)))).run()
    case "append":
        // Durable batch append alone: the source's records, from memory, into fresh logs.
        guard args.count >= 4 else { throw BenchError("append SOURCE DEST [RUNS] [LIMIT] [BATCH]") }
        let runs = args.count > 4 ? Int(args[4])! : 5
        let limit = args.count > 5 ? UInt64(args[5])! : UInt64.max
        let batch = args.count > 6 ? Int(args[6])! : 1000
        let source = try Log.open(at: args[2], mode: .read)
        var records: [RecordInput] = []
        try source.forEach(through: min(limit, source.lastSeq)) { v in
            records.append(RecordInput(timestamp: v.timestamp, key: v.keyString, payload: Array(v.payload))); return true
        }
        var rates: [Double] = []
        for _ in 0..<runs {
            try? FileManager.default.removeItem(atPath: args[3])
            let log = try Log.create(at: args[3], now: records[0].timestamp)
            let t = try seconds {
                var i = 0
                while i < records.count {
                    _ = try log.append(Array(records[i..<min(i + batch, records.count)]))
                    i += batch
                }
            }
            log.close()
            rates.append(Double(records.count) / t)
        }
        print(String(format: "append of %d records in batches of %d: median %.0f records/s (min %.0f, max %.0f, %d runs)",
                     records.count, batch, median(rates), rates.min()!, rates.max()!, runs))
    case "open":
        // Opening for writing (lock, segments, indexes, tail recovery), timed.
        var recovered: RecoveryReport?
        var log: Log?
        let t = try seconds { log = try Log.open(at: args[2], mode: .write); recovered = log?.recovery }
        log?.close()
        print(String(format: "open for writing: %.2f ms", t * 1000) + (recovered.map { "; \($0)" } ?? ""))
    case "core-stats":
        // What the core shared state holds (it is loaded by every command).
        let engine = try Engine.open(at: args[2], mode: .read)
        let c = engine.core
        print("staff \(c.staff.count), courses \(c.courses.count), windows \(c.windows.count), policies \(c.policies.count), batches \(c.batches.count), meetings \(c.meetings.count), trainings \(c.trainings.count), trusted \(c.trustedSchools.count)")
    case "replay-child":
        guard args.count == 4 else { throw BenchError("replay-child licheng|licheng-two-threads|sqlite PATH") }
        try replayChild(args[2], args[3])
    case "replay-by-type":
        guard args.count >= 3, args.count < 4 || Int(args[3]).map({ $0 > 0 }) == true else {
            throw BenchError("replay-by-type STORE [RUNS] (RUNS a positive count)")
        }
        try replayByType(args[2], runs: args.count > 3 ? Int(args[3])! : 3)
    case "sqlite-insert":
        try sqliteInsert(Array(args.dropFirst(2)))
    case "crash-writer":
        guard args.count == 4 else { throw BenchError("crash-writer licheng|sqlite PATH") }
        try crashWriter(args[2], args[3])
    case "state-census":
        try stateCensus(args[2])
    case "replay":
        let runs = args.count > 3 ? Int(args[3])! : 3
        let engine = try Engine.open(at: args[2], mode: .read)
        var times: [Double] = []
        var count = 0
        for _ in 0..<runs {
            var school = SchoolState()
            count = 0
            times.append(try seconds {
                try engine.forEachEvent { e in school.apply(e); count += 1; return true }
            })
        }
        print("replay of \(count) events into the shared and every student's state")
        print(summary("time", times, scale: 1, unit: "s"))
        print(String(format: "rate: median %.0f events/s", Double(count) / median(times)))
    case "student":
        let student = args[3]
        let runs = args.count > 4 ? Int(args[4])! : 20
        var openTimes: [Double] = [], nowTimes: [Double] = [], asOfTimes: [Double] = []
        var items = 0
        // Open is timed on its own; the queries run in one warm engine (as a server would).
        for _ in 0..<runs { openTimes.append(try seconds { try Engine.open(at: args[2], mode: .read).close() }) }
        let engine = try Engine.open(at: args[2], mode: .read)
        for _ in 0..<runs {
            nowTimes.append(try seconds {
                let p = Portfolio(student: try engine.studentState(student), shared: engine.core)
                items = p.jsonObject()["items"]?.arrayValue?.count ?? 0
            })
            asOfTimes.append(try seconds {
                let seq = engine.log.lastSeq / 2
                let shared = try engine.coreState(through: seq)
                _ = Portfolio(student: try engine.studentState(student, through: seq), shared: shared).jsonObject()
            })
        }
        print("store of \(try Engine.open(at: args[2], mode: .read).log.lastSeq) events; student \(student) with \(items) items")
        print(summary("open (snapshot + tail)", openTimes))
        print(summary("portfolio now", nowTimes))
        print(summary("portfolio as of half-way", asOfTimes))
    case "record":
        // Diagnostics: the raw record at a seq.
        let log = try Log.open(at: args[2], mode: .read)
        let r = try log.record(UInt64(args[3])!)
        print("seq \(r.seq) key \(r.key ?? "-") payload \(r.payload.count) bytes, first: \(r.payload.prefix(48).map { String($0, radix: 16) }.joined(separator: " "))")
        do { _ = try Event.decodeStored(r.payload, seq: r.seq, recordedAt: r.timestamp) } catch { print("decode: \(error)") }
    default:
        print("unknown command \(args[1])"); exit(2)
    }
} catch {
    FileHandle.standardError.write("Error: \(error)\n".data(using: .utf8)!)
    exit(3)
}
