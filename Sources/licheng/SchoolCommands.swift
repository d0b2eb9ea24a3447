import Foundation
import Licheng
import LichengDomain
import LichengLog

let schoolCommand = Command(
    "school", abstract: "This school's signing key, and the keys of schools whose transfer bundles are trusted.",
    subcommands: [
        Command("key", abstract: "Print this school's public key (give it to schools that import your transfer bundles).",
                run: handler { ctx in
                    let key: PublicKey?
                    do throws(LogError) { key = try StoreKeys.loadPublic(store: ctx.store) } catch { throw EngineError.storage(error) }
                    guard let key else {
                        throw ToolError("The store '\(ctx.store)' has no signing key (keys/signing.pub is missing).", exitCode: .storageFailure)
                    }
                    if ctx.json {
                        ctx.console.printJSON(.object(JSONObject(["publicKey": .string(key.text), "privateKeyFile": .string(StoreKeys.privateKeyPath(store: ctx.store))])))
                    } else {
                        ctx.console.print(key.text)
                    }
                }),
        Command("create-key", abstract: "Create the school's signing key pair in a store made before keys existed (never replaces one).",
                run: handler { ctx in
                    _ = try ctx.actor()
                    let engine = try ctx.openWrite()  // holds the writer lock while the key is created
                    defer { engine.close() }
                    let key: SigningKey
                    do throws(LogError) { key = try StoreKeys.create(store: ctx.store) } catch {
                        throw ToolError(error.description, exitCode: .rejected)
                    }
                    if ctx.json {
                        ctx.console.printJSON(.object(JSONObject(["publicKey": .string(key.publicKey.text), "privateKeyFile": .string(StoreKeys.privateKeyPath(store: ctx.store))])))
                    } else {
                        ctx.console.print("Created the school's signing key: \(StoreKeys.privateKeyPath(store: ctx.store)) (mode 0600; back it up separately). Public key: \(key.publicKey.text)")
                    }
                }),
        Command("trust", abstract: "Register another school's public key (school.trusted): its transfer bundles are then accepted.",
                arguments: [.required("code", help: "The other school's code, e.g. 170301.")],
                options: [.value("key", valueName: "key", help: "Its public key as printed by its 'licheng school key' (ed25519:…).", required: true)],
                run: handler { ctx in
                    let code = ctx.inv.argument("code")!
                    let text = ctx.inv.value("key")!
                    guard let key = PublicKey(text: text) else {
                        throw ctx.invalid(text, "key", "expected an Ed25519 public key such as ed25519:<44 base64 characters>")
                    }
                    var d = JSONObject()
                    d["schoolCode"] = .string(code)
                    d["publicKey"] = .string(key.text)
                    try ctx.append(.schoolTrusted, data: d) { "Transfer bundles signed by school \(code) with key \(key.text) are now accepted \(seqNote($0))." }
                }),
        Command("trusted", abstract: "List the schools whose transfer bundles are accepted.",
                run: handler { ctx in
                    let engine = try ctx.openRead()
                    defer { engine.close() }
                    let list = engine.core.trustedSchools.sorted { $0.key < $1.key }
                    if ctx.json {
                        ctx.console.printJSON(.array(list.map { .object(JSONObject(["schoolCode": .string($0.key), "publicKey": .string($0.value)])) }))
                    } else if list.isEmpty {
                        ctx.console.print("No other school is trusted yet ('licheng school trust CODE --key KEY').")
                    } else {
                        var t = Table(columns: [.init("學校 School"), .init("公鑰 Public key")])
                        for (code, key) in list { t.addRow([code, key]) }
                        ctx.console.writeOutput(t.render())
                    }
                }),
    ])

let checkpointCommand = Command(
    "checkpoint", abstract: "Sign the current chain head with the school's key (appended to CHECKPOINTS).",
    run: handler { ctx in
        let engine = try ctx.openWrite()
        defer { engine.close() }
        let c: Checkpoint
        do throws(LogError) { c = try engine.log.checkpoint() } catch { throw EngineError.storage(error) }
        if ctx.json {
            ctx.console.printJSON(.object(JSONObject(["seq": .int(Int64(c.seq)), "chainHead": .string(c.chainHead.hex),
                                                      "signature": .string(Data(c.signature).base64EncodedString())])))
        } else {
            ctx.console.print("Signed checkpoint: seq \(c.seq), chain head \(c.chainHead.hex).")
        }
    })
