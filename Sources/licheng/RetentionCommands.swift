import Foundation
import Licheng
import LichengDomain
import LichengLog

let retentionCommand = Command(
    "retention", abstract: "Departed students' retention (3 years by default) and the purge that follows it.",
    subcommands: [
        Command("status", abstract: "List departed students with the day their data may be purged, and purged ones.",
                run: handler { ctx in
                    let engine = try ctx.openRead()
                    defer { engine.close() }
                    let list = try engine.retentionStatus()
                    if ctx.json {
                        ctx.console.printJSON(.object(JSONObject([
                            "retentionYears": .int(engine.core.policy.retentionYears),
                            "students": .array(list.map { e in
                                var o = JSONObject()
                                o["studentId"] = .string(e.student)
                                o["departedOn"] = e.departedOn.map { .string($0.description) } ?? .null
                                o["reason"] = e.reason.map { .string($0.rawValue) } ?? .null
                                o["purgeAllowedOn"] = e.purgeAllowedOn.map { .string($0.description) } ?? .null
                                o["purgeAllowedNow"] = .bool(e.purgeAllowedNow)
                                o["purged"] = .bool(e.purgedSeq != nil)
                                o["purgedSeq"] = e.purgedSeq.map { .int(Int64($0)) } ?? .null
                                o["purgeIncomplete"] = .bool(e.purgeIncomplete)
                                return .object(o)
                            })])))
                        return
                    }
                    if list.isEmpty { ctx.console.print("No student has departed."); return }
                    var t = Table(columns: [.init("學生 Student"), .init("離校 Departed"), .init("原因 Reason"), .init("可刪除日 Purge allowed on"), .init("狀態 State")])
                    for e in list {
                        let state: String
                        if let seq = e.purgedSeq {
                            state = e.purgeIncomplete ? "purge interrupted (seq \(seq)): run 'retention purge \(e.student)' again" : "purged (seq \(seq))"
                        } else {
                            state = e.purgeAllowedNow ? "may be purged" : "kept"
                        }
                        t.addRow([e.student, e.departedOn?.description ?? "", e.reason?.rawValue ?? "", e.purgeAllowedOn?.description ?? "", state])
                    }
                    ctx.console.writeOutput(t.render())
                }),
        Command("purge", abstract: "Purge a departed student's data once the retention period has passed (retention.purged).",
                arguments: [.required("student", help: "The student ID.")],
                run: handler { ctx in
                    let actor = try ctx.actor()
                    let student = ctx.inv.argument("student")!
                    let engine = try ctx.openWrite()
                    defer { engine.close() }
                    let r = try engine.purge(student: student, actor: actor)
                    if ctx.json {
                        ctx.console.printJSON(.object(JSONObject([
                            "studentId": .string(r.student), "seq": .int(Int64(r.purgedSeq)), "resumed": .bool(r.resumed),
                            "redactedEvents": .int(Int64(r.redactedEvents)), "rewrittenSegments": .array(r.rewrittenSegments.map { .string($0) }),
                            "removedFiles": .int(Int64(r.removedFiles)), "removedSnapshots": .int(Int64(r.removedSnapshots))])))
                    } else {
                        ctx.console.print((r.resumed ? "Finished the interrupted purge of \(student)" : "Purged \(student)") +
                            " (seq \(r.purgedSeq)): \(r.redactedEvents) event(s) redacted in \(r.rewrittenSegments.count) segment(s), \(r.removedFiles) file(s) deleted. " +
                            "Backups taken before now still hold the data: run 'licheng retention apply-to BACKUP' on each (docs/OPERATIONS.md).")
                    }
                }),
        Command("apply-to", abstract: "Apply this store's purges to a backup taken before them (redact the same events, delete the same files).",
                arguments: [.required("backup", help: "The backup directory (a copy of this store, not in use).")],
                run: handler { ctx in
                    let backup = ctx.inv.argument("backup")!
                    let live = try openLog(ctx)
                    defer { live.close() }
                    let r: ApplyRedactionsReport
                    do throws(LogError) {
                        let copy = try Log.open(at: backup, mode: .write, options: Context.engineOptions().log)
                        defer { copy.close() }
                        r = try live.applyRedactions(to: copy, filesOf: backup + "/files", liveFiles: ctx.store + "/files")
                        _ = try copy.verify()
                    } catch {
                        throw EngineError.storage(error)
                    }
                    // The backup's log ends before the purges: it keeps their list, so its
                    // verify can tell these redactions from tampering.
                    let engine = try ctx.openRead()
                    defer { engine.close() }
                    try engine.recordPurges(in: backup)
                    if ctx.json {
                        ctx.console.printJSON(.object(JSONObject(["backup": .string(backup), "redactedEvents": .int(Int64(r.redacted)),
                                                                  "rewrittenSegments": .array(r.segments.map { .string($0) }), "removedFiles": .int(Int64(r.removedFiles))])))
                    } else {
                        ctx.console.print("Brought '\(backup)' in line with the purges of '\(ctx.store)': \(r.redacted) event(s) redacted in \(r.segments.count) segment(s), \(r.removedFiles) file(s) deleted; the backup verifies.")
                    }
                }),
    ])
