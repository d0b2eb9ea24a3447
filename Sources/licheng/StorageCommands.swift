import Foundation
import Licheng
import LichengDomain
import LichengLog

func openLog(_ ctx: Context, mode: AccessMode = .read) throws(EngineError) -> Log {
    do { return try Log.open(at: ctx.store, mode: mode, options: Context.engineOptions().log) } catch { throw .storage(error) }
}

/// Runs `verify` with a progress bar on a terminal.
func verifyLog(_ ctx: Context, _ log: Log) throws(EngineError) -> VerifyReport {
    let progress = Progress.forTerminal(label: "Verifying", total: nil, console: ctx.console, json: ctx.json)
    defer { progress.finish() }
    do {
        return try log.verify { p in progress.update(completed: Int(p.done)) }
    } catch {
        throw .storage(error)
    }
}

func verifyJSON(_ r: VerifyReport) -> JSONObject {
    JSONObject(["ok": .bool(true), "lastSeq": .int(Int64(r.lastSeq)), "records": .int(Int64(r.records)), "segments": .int(Int64(r.segments)),
                "sealedSegments": .int(Int64(r.sealedSegments)), "blocks": .int(Int64(r.blocks)), "bytes": .int(r.storedBytes),
                "uncompressedBytes": .int(r.uncompressedBytes), "chainHead": .string(r.chainHead.hex),
                "redactedRecords": .int(Int64(r.redactedRecords)), "signedSegments": .int(Int64(r.signedSegments)),
                "checkpoints": .int(Int64(r.checkpoints)), "signedThrough": .int(Int64(r.signedThrough)),
                "signaturesUnchecked": .bool(r.signaturesUnchecked)])
}

func verifyText(_ r: VerifyReport, then more: [(String, String)] = []) -> String {
    KeyValueBlock([("記錄 Records", "\(r.records) (last seq \(r.lastSeq))"), ("區段 Segments", "\(r.segments) (\(r.sealedSegments) sealed)"),
                   ("區塊 Blocks", "\(r.blocks)"), ("大小 Bytes", "\(r.storedBytes) stored, \(r.uncompressedBytes) uncompressed"),
                   ("雜湊鏈 Chain head", r.chainHead.hex),
                   ("簽章 Signatures", r.signaturesUnchecked ? "present but not checked (no keys/signing.pub)"
                        : "\(r.signedSegments) sealed segment(s), \(r.checkpoints) checkpoint(s) verified; signed through seq \(r.signedThrough)"),
                   ("已清除 Purged records", "\(r.redactedRecords)")] + more).render()
}

/// Every redacted record must be explained by a recorded purge of its student
/// (in the log, or for a backup brought in line, in its PURGES-APPLIED).
func requireExplainedRedactions(_ ctx: Context, _ r: VerifyReport, failure: String) throws {
    guard r.redactedRecords > 0 else { return }
    let engine = try ctx.openRead()
    defer { engine.close() }
    let unexplained = engine.unexplainedRedactions(r)
    guard let first = unexplained.first else { return }
    let keys = Set(unexplained.map(\.key)).sorted().map { $0.isEmpty ? "(no student)" : $0 }
    throw ToolError("\(failure) \(unexplained.count) redacted record(s), from seq \(first.seq), belong to "
                    + "\(keys.joined(separator: ", ")) but no retention.purged of that student is recorded after them: "
                    + "their content was removed without a purge.", exitCode: .storageFailure)
}

/// Copies a file if it exists.
func copyFileIfPresent(_ from: String, _ to: String, _ what: String) throws {
    guard FileManager.default.fileExists(atPath: from) else { return }
    do { try FileManager.default.copyItem(atPath: from, toPath: to) } catch {
        throw ToolError("Could not copy the \(what) file: \(error.localizedDescription)", exitCode: .storageFailure)
    }
}

/// Copies a directory tree if it exists; returns the number of files copied.
func copyTree(_ from: String, _ to: String) throws -> Int {
    let fm = FileManager.default
    var isDir: ObjCBool = false
    guard fm.fileExists(atPath: from, isDirectory: &isDir), isDir.boolValue else { return 0 }
    do {
        try fm.copyItem(atPath: from, toPath: to)
    } catch {
        throw ToolError("Could not copy '\(from)' to '\(to)': \(error.localizedDescription)", exitCode: .storageFailure)
    }
    var count = 0
    if let e = fm.enumerator(atPath: to) {
        while let name = e.nextObject() as? String {
            var d: ObjCBool = false
            if fm.fileExists(atPath: to + "/" + name, isDirectory: &d), !d.boolValue { count += 1 }
        }
    }
    return count
}

/// What a replay of every event made: the events, the students, their items and records, the batches.
struct ReplayCounts {
    var events = 0, students = 0, items = 0, records = 0, batches = 0

    init(_ school: SchoolState, events: Int) {
        let totals = school.totals
        self.events = events
        students = totals.students
        items = totals.items
        records = totals.records
        batches = school.shared.batches.count
    }

    var json: JSONObject {
        JSONObject(["events": .int(Int64(events)), "students": .int(Int64(students)), "items": .int(Int64(items)),
                    "records": .int(Int64(records)), "batches": .int(Int64(batches))])
    }

    var rows: [(String, String)] {
        [("重播 Replayed", "\(events) events, each read by this build"),
         ("投影 Projections", "\(students) students, \(items) items, \(records) records, \(batches) submission batches")]
    }
}

let verifyCommand = Command(
    "verify", abstract: "Prove the store whole: every checksum, record digest and the hash chain.",
    options: [.flag("replay", help: "Also replay every event into every student's state and the school's (on two threads): proves this build reads the whole history.")],
    run: handler { ctx in
        let log = try openLog(ctx)
        defer { log.close() }
        let r: VerifyReport
        do { r = try verifyLog(ctx, log) } catch {
            throw ToolError("Verification failed. \(error)", exitCode: .storageFailure)
        }
        try requireExplainedRedactions(ctx, r, failure: "Verification failed.")
        var replay: ReplayCounts?
        if ctx.inv.flag("replay") {
            // From the log alone, as verify reads it: no engine, no snapshot read or written.
            do throws(EngineError) {
                let (state, events) = try SchoolReplay.replay(log, through: r.lastSeq)
                replay = ReplayCounts(state, events: events)
            } catch .undecodable(let seq, let reason) {
                throw ToolError("Verification failed. Every byte is intact, but the history does not replay: the event at seq \(seq) "
                                + "cannot be read by this build (\(reason)).", exitCode: .storageFailure)
            } catch {
                throw ToolError("Verification failed while replaying. \(error)", exitCode: .storageFailure)
            }
        }
        if ctx.json {
            var o = verifyJSON(r)
            if let replay { o["replay"] = .object(replay.json) }
            ctx.console.printJSON(.object(o))
        } else {
            ctx.console.writeOutput("The store is intact.\n\n" + verifyText(r, then: replay?.rows ?? []))
        }
    })

let backupCommand = Command(
    "backup", abstract: "Copy the store (segments and files) into an empty or missing directory while writers run.",
    arguments: [.required("dest", help: "The backup directory (empty or missing).")],
    run: handler { ctx in
        let dest = ctx.inv.argument("dest")!
        let log = try openLog(ctx)
        defer { log.close() }
        let progress = Progress.forTerminal(label: "Backing up", total: nil, console: ctx.console, json: ctx.json)
        let report: BackupReport
        do throws(LogError) { report = try log.backup(to: dest) { p in progress.update(completed: Int(p.done)) } } catch {
            progress.finish()
            throw EngineError.storage(error)
        }
        progress.finish()
        let files = try copyTree(ctx.store + "/files", dest + "/files")
        try copyFileIfPresent(ctx.store + "/" + Engine.appliedPurgesFile, dest + "/" + Engine.appliedPurgesFile, Engine.appliedPurgesFile)
        if ctx.json {
            ctx.console.printJSON(.object(JSONObject(["destination": .string(dest), "segments": .int(Int64(report.segments)), "bytes": .int(report.bytes),
                                                      "files": .int(Int64(files)), "lastSeq": .int(Int64(report.lastSeq)), "chainHead": .string(report.chainHead.hex)])))
        } else {
            ctx.console.writeOutput("Backed up '\(ctx.store)' to '\(dest)'.\n\n" + KeyValueBlock([
                ("區段 Segments", "\(report.segments) (\(report.bytes) bytes)"), ("檔案 Files", "\(files)"),
                ("最後序號 Last seq", "\(report.lastSeq)"), ("雜湊鏈 Chain head", report.chainHead.hex)]).render())
        }
    })

let restoreCommand = Command(
    "restore", abstract: "Restore a backup into the --store directory (empty or missing), then verify it.",
    arguments: [.required("src", help: "The backup directory.")],
    run: handler { ctx in
        let src = ctx.inv.argument("src")!
        let dest = ctx.store
        let fm = FileManager.default
        guard fm.fileExists(atPath: src + "/STORE") else { throw ToolError("'\(src)' is not a backup of a Licheng store: it has no STORE file.") }
        if fm.fileExists(atPath: dest) {
            guard let entries = try? fm.contentsOfDirectory(atPath: dest), entries.isEmpty else {
                throw ToolError("'\(dest)' is not empty; restore needs an empty or missing store directory.")
            }
        } else {
            do { try fm.createDirectory(atPath: dest, withIntermediateDirectories: true) } catch {
                throw ToolError("Could not create '\(dest)': \(error.localizedDescription)", exitCode: .storageFailure)
            }
        }
        do { try fm.copyItem(atPath: src + "/STORE", toPath: dest + "/STORE") } catch {
            throw ToolError("Could not copy the STORE file: \(error.localizedDescription)", exitCode: .storageFailure)
        }
        let segments = try copyTree(src + "/segments", dest + "/segments")
        let files = try copyTree(src + "/files", dest + "/files")
        // Public and trusted keys and signed checkpoints travel with backups; the private
        // key does not (restore it from its own backup: docs/OPERATIONS.md).
        _ = try copyTree(src + "/keys", dest + "/keys")
        try copyFileIfPresent(src + "/CHECKPOINTS", dest + "/CHECKPOINTS", "CHECKPOINTS")
        // A backup brought in line keeps the live store's purges (retention apply-to).
        try copyFileIfPresent(src + "/" + Engine.appliedPurgesFile, dest + "/" + Engine.appliedPurgesFile, Engine.appliedPurgesFile)
        let log = try openLog(ctx, mode: .write)
        let r: VerifyReport
        do { r = try verifyLog(ctx, log) } catch {
            log.close()
            throw ToolError("The restored copy failed verification. \(error)", exitCode: .storageFailure)
        }
        log.close()
        try requireExplainedRedactions(ctx, r, failure: "The restored copy failed verification.")
        // The derived files (the state's snapshots, the school's index) are not in a backup: the
        // first commands on the copy would rebuild them while staff wait (a national-size store:
        // ~6 s for the first command, ~11 s for the first to-do list). They are rebuilt now.
        let started = Date()
        do {
            let engine = try ctx.openRead()
            defer { engine.close() }
            _ = try engine.schoolState()
        } catch {
            throw ToolError("The restored copy verifies, but its history does not replay: \(error)", exitCode: .storageFailure)
        }
        let prepared = Date().timeIntervalSince(started)
        if ctx.json {
            var o = verifyJSON(r)
            o["restoredSegments"] = .int(Int64(segments))
            o["restoredFiles"] = .int(Int64(files))
            o["derivedFilesSeconds"] = .double((prepared * 1000).rounded() / 1000)
            ctx.console.printJSON(.object(o))
        } else {
            ctx.console.writeOutput("Restored '\(src)' into '\(dest)' (\(segments) segment file(s), \(files) file(s)); the copy verifies, "
                                    + "and its history replays in \((prepared * 10).rounded() / 10) s (the snapshots the first commands "
                                    + "need are saved).\n\n" + verifyText(r))
        }
    })

let logCommand = Command(
    "log", abstract: "Inspect the log's segments.",
    subcommands: [
        Command("stats", abstract: "Show the log's size: last seq, segments, records, bytes.",
                run: handler { ctx in
                    let log = try openLog(ctx)
                    defer { log.close() }
                    let infos = log.segmentInfos
                    let records = infos.reduce(UInt64(0)) { $0 + ($1.lastSeq >= $1.firstSeq && $1.lastSeq > 0 ? $1.lastSeq - $1.firstSeq + 1 : 0) }
                    let bytes = infos.reduce(Int64(0)) { $0 + $1.bytes }
                    let last = log.lastSeq
                    if ctx.json {
                        ctx.console.printJSON(.object(JSONObject(["lastSeq": .int(Int64(last)), "segments": .int(Int64(infos.count)), "records": .int(Int64(records)),
                                                                  "bytes": .int(bytes), "chainHead": .string(log.chainHead.hex)])))
                    } else {
                        ctx.console.writeOutput(KeyValueBlock([("最後序號 Last seq", "\(last)"), ("區段 Segments", "\(infos.count)"), ("記錄 Records", "\(records)"),
                                                               ("大小 Bytes", "\(bytes)"), ("雜湊鏈 Chain head", log.chainHead.hex)]).render())
                    }
                }),
        Command("segments", abstract: "List the segment files.",
                run: handler { ctx in
                    let log = try openLog(ctx)
                    defer { log.close() }
                    let infos = log.segmentInfos
                    if ctx.json {
                        ctx.console.printJSON(.array(infos.map { s in
                            .object(JSONObject(["name": .string(s.name), "firstSeq": .int(Int64(s.firstSeq)), "lastSeq": .int(Int64(s.lastSeq)), "bytes": .int(s.bytes),
                                                "blocks": .int(Int64(s.blocks)), "sealed": .bool(s.sealed), "chainHead": .string(s.chainHead.hex)]))
                        }))
                        return
                    }
                    var t = Table(columns: [.init("區段 Segment"), .init("起 First seq", alignment: .right), .init("迄 Last seq", alignment: .right),
                                            .init("大小 Bytes", alignment: .right), .init("區塊 Blocks", alignment: .right), .init("封存 Sealed"), .init("雜湊鏈 Chain head")])
                    for s in infos { t.addRow([s.name, "\(s.firstSeq)", "\(s.lastSeq)", "\(s.bytes)", "\(s.blocks)", s.sealed ? "yes" : "no", String(s.chainHead.hex.prefix(16)) + "…"]) }
                    ctx.console.writeOutput(t.render())
                }),
    ])

let storageCommands: [Command] = [verifyCommand, backupCommand, restoreCommand, logCommand]
