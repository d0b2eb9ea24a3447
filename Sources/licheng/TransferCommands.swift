import Foundation
import Licheng
import LichengDomain
import LichengLog

let transferCommand = Command(
    "transfer", abstract: "Move a student's portfolio to another school as one signed file, or import one.",
    subcommands: [
        Command("export", abstract: "Write a student's events and files into one bundle signed with this school's key.",
                arguments: [.required("student", help: "The student ID.")],
                options: [.value("out", valueName: "file", help: "The bundle file to write (must not exist).", required: true),
                          .value("to", valueName: "code", help: "Also record student.transferred-out to this school, with the bundle's digest."),
                          .value("effective", valueName: "date", help: "With --to: the transfer date (default: today).")],
                run: handler { ctx in
                    let actor = try ctx.actor()
                    let student = ctx.inv.argument("student")!
                    let out = ctx.inv.value("out")!
                    let destination = ctx.inv.value("to")
                    let effective = try ctx.date("effective")
                    if ctx.inv.value("effective") != nil && destination == nil { throw ctx.usage("--effective needs --to") }
                    guard !FileManager.default.fileExists(atPath: out) else { throw ToolError("'\(out)' already exists; choose a new file name.") }
                    let key: SigningKey?
                    do throws(LogError) { key = try StoreKeys.loadPrivate(store: ctx.store) } catch { throw EngineError.storage(error) }
                    guard let key else {
                        throw ToolError("This store has no signing key (\(StoreKeys.privateKeyPath(store: ctx.store))); a transfer bundle must be signed.", exitCode: .storageFailure)
                    }
                    let engine = destination == nil ? try ctx.openRead() : try ctx.openWrite()
                    defer { engine.close() }
                    guard ReadAccess.mayRead(actor: actor, student: try engine.studentState(student), shared: engine.core, now: engine.now),
                          actor != student else {
                        throw EngineError.forbidden("\(actor) may not export the portfolio of \(student) (exam-section, academic-director, principal or auditor may).")
                    }
                    let start = DispatchTime.now().uptimeNanoseconds
                    let export = try engine.exportTransfer(student: student, signer: key)
                    let millis = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                    let temporary = out + ".tmp.\(getpid())"
                    guard FileManager.default.createFile(atPath: temporary, contents: Data(export.bytes), attributes: [.posixPermissions: 0o600]) else {
                        throw ToolError("Could not write '\(temporary)'.", exitCode: .storageFailure)
                    }
                    do { try FileManager.default.moveItem(atPath: temporary, toPath: out) } catch {
                        try? FileManager.default.removeItem(atPath: temporary)
                        throw ToolError("Could not write '\(out)': \(error.localizedDescription)", exitCode: .storageFailure)
                    }
                    var seq: UInt64?
                    if let destination {
                        var d = JSONObject()
                        d["destinationSchool"] = .string(destination)
                        d["effectiveOn"] = .string(effective ?? String(Taipei.format(engine.now).prefix(10)))
                        d["bundleDigest"] = .string(export.digest.hex)
                        let proposed = try Engine.propose(.studentTransferredOut, actor: actor, student: student, data: d)
                        seq = try engine.submit([proposed])[0].seq
                    }
                    if ctx.json {
                        ctx.console.printJSON(.object(JSONObject([
                            "file": .string(out), "studentId": .string(student), "bytes": .int(Int64(export.bytes.count)),
                            "events": .int(Int64(export.bundle.entries.count)), "files": .int(Int64(export.bundle.files.count)),
                            "bundleDigest": .string(export.digest.hex), "checkpointSeq": .int(Int64(export.bundle.checkpoint.seq)),
                            "seq": seq.map { .int(Int64($0)) } ?? .null, "milliseconds": .double(millis)])))
                    } else {
                        ctx.console.print("Wrote '\(out)': \(export.bundle.entries.count) event(s) and \(export.bundle.files.count) file(s) of \(student), \(export.bytes.count) bytes, signed by school \(export.bundle.senderCode); SHA-256 \(export.digest.hex)."
                            + (seq.map { " Recorded student.transferred-out (seq \($0))." } ?? ""))
                    }
                }),
        Command("import", abstract: "Verify a bundle from a trusted school and enrol the student with their history (student.transferred-in).",
                arguments: [.required("file", help: "The bundle file.")],
                options: [.value("class", valueName: "class", help: "The student's class here (default: their class at the other school).")],
                run: handler { ctx in
                    let actor = try ctx.actor()
                    let bytes = try readInput(ctx.inv.argument("file")!)
                    let engine = try ctx.openWrite()
                    defer { engine.close() }
                    let r = try engine.importTransfer(bytes, actor: actor, class: ctx.inv.value("class"))
                    if ctx.json {
                        ctx.console.printJSON(.object(JSONObject([
                            "studentId": .string(r.student), "seq": .int(Int64(r.seq)), "sourceSchool": .string(r.sourceSchool),
                            "bundleDigest": .string(r.bundleDigest), "importedEvents": .int(Int64(r.importedEvents)), "files": .int(Int64(r.files)),
                            "checkpointSeq": .int(Int64(r.checkpointSeq)), "checkpointChainHead": .string(r.checkpointChainHead)])))
                    } else {
                        ctx.console.print("Imported \(r.student) from school \(r.sourceSchool) (seq \(r.seq)): \(r.importedEvents) event(s), \(r.files) file(s); the bundle's signature, every event digest and every file digest verified (sender's checkpoint: seq \(r.checkpointSeq)).")
                    }
                }),
    ])
