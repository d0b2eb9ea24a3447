// fuzz: hostile-input targets for libFuzzer, and a replayer for saved inputs.
//   fuzz replay TARGET FILE…        run saved inputs through TARGET (any build); a trap is a failure
//   fuzz random TARGET ROUNDS SEEDS  seeded mutations of the inputs in SEEDS (any build; `make test` runs it)
//   fuzz run TARGET [libFuzzer args] coverage-guided fuzzing (only in a -DFUZZING build, see Tools/fuzz.sh)
// Targets: event (JSON event documents), stored (stored event bytes), csv (CSV imports),
//          args (argument lists, NUL-separated), segment (a store's active segment file).
// A target must never trap: every input is accepted or refused with a typed error.
import Foundation
import Licheng
import LichengDomain
import LichengLog
import TestSupport
#if FUZZING
import CFuzzer
#endif

enum Target: String, CaseIterable {
    case event, stored, csv, args, segment

    /// Runs one input; true when the target accepted it (it parsed, or the store opened).
    @discardableResult
    func run(_ input: [UInt8]) -> Bool {
        switch self {
        case .event:
            guard let e = try? Event.parseJSONLine(input, line: 1) else { return false }
            // Whatever parses survives the stored form and prints as JSON that parses again.
            let stored = e.encodeStored()
            guard let back = try? Event.decodeStored(stored, seq: 1, recordedAt: 0) else {
                fatalError("a parsed event did not decode from its stored form")
            }
            guard (try? Event.parseJSONLine(back.jsonString(includeLogPosition: false), line: 1)) != nil else {
                fatalError("an event's JSON form did not parse again")
            }
            return true
        case .stored:
            let decoded = try? Event.decodeStored(input, seq: 1, recordedAt: 0)
            // A record event (a grade, …) is copied from its bytes only where the decoder reads
            // them, into the state decoding makes, and reads back.
            var copied = StudentState(id: decoded?.student ?? "S1")
            if input.withUnsafeBytes({ copied.applyStoredRecord($0, seq: 1, recordedAt: 0) }) {
                guard let e = decoded else { fatalError("a record was copied from bytes the decoder refuses") }
                var reference = StudentState(id: copied.id)
                reference.apply(e)
                guard copied == reference, copied.recordCount == 1 else { fatalError("a record copied from its bytes differs from the decoded one") }
            }
            return decoded != nil
        case .csv:
            return ImportKind.allCases.map { (try? CSVImport.events($0, csv: input, actor: "A1")) != nil }.contains(true)
        case .args:
            let args = input.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            let (console, _) = Console.capturing()
            return ArgumentsTarget.tool.run(arguments: args, environment: [:], console: console) == .success
        case .segment:
            return SegmentTarget.shared.run(input)
        }
    }
}

/// Mutations of a valid input: flipped, inserted, deleted, duplicated and truncated bytes,
/// and characters that parsers treat specially.
func mutate(_ input: [UInt8], _ random: inout SeededGenerator) -> [UInt8] {
    var b = input
    for _ in 0..<Int.random(in: 1...4, using: &random) {
        switch Int.random(in: 0..<6, using: &random) {
        case 0 where !b.isEmpty: b[Int.random(in: 0..<b.count, using: &random)] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &random)
        case 1: b.insert(UInt8.random(in: 0...255, using: &random), at: Int.random(in: 0...b.count, using: &random))
        case 2 where !b.isEmpty: b.remove(at: Int.random(in: 0..<b.count, using: &random))
        case 3 where !b.isEmpty:
            let i = Int.random(in: 0..<b.count, using: &random), n = Int.random(in: 1...min(16, b.count - i), using: &random)
            b.insert(contentsOf: b[i..<(i + n)], at: i)
        case 4 where !b.isEmpty: b.removeLast(Int.random(in: 0..<b.count, using: &random))
        default: b.append(contentsOf: Array("\"{}[],:\\u0000\u{FEFF}é學\0-".utf8).shuffled(using: &random).prefix(3))
        }
    }
    return b
}

/// A command tree with every kind of argument and option the real tool uses.
enum ArgumentsTarget {
    static let tool: CommandLineTool = {
        let run: Command.Handler = { _ in .success }
        return CommandLineTool(
            root: Command("licheng", abstract: "Fuzz target.", subcommands: [
                Command("upload", abstract: "Upload.", subcommands: [
                    Command("course-outcome", abstract: "An outcome.",
                            options: [.value("student", help: "S.", required: true), .value("term", help: "T."),
                                      .repeating("file", help: "F."), .flag("return", help: "R.")], run: run)]),
                Command("staff", abstract: "Staff.", subcommands: [
                    Command("add", abstract: "Add.", arguments: [.required("id", help: "ID.")],
                            options: [.value("name", help: "N.", required: true), .repeating("role", help: "R.", required: true)], run: run)]),
                Command("verify", abstract: "Verify.", arguments: [.variadic("rest", help: "R.", atLeastOne: false)], run: run),
            ]),
            globalOptions: [.value("store", valueName: "dir", help: "S."), .value("as", help: "A."), .flag("json", help: "J."),
                            .value("as-of", help: "When.")])
    }()
}

/// The input becomes the only (active) segment of a store in a scratch directory,
/// which is then opened for writing (recovery), read, verified and appended to.
final class SegmentTarget: Sendable {
    static let shared = SegmentTarget()
    let directory: String
    let store: String
    let segmentPath: String
    let storeFile: [UInt8]
    let options = LogOptions(segmentTargetBytes: 64 << 10, blockTargetBytes: 1024)

    init() {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        directory = base + "/licheng-fuzz-\(getpid())"
        store = directory + "/store"
        try? FileManager.default.removeItem(atPath: directory)
        let log = try! Log.create(at: store, options: options)
        log.close()
        segmentPath = store + "/segments/" + String(format: "%020d", 1) + ".lseg"
        // The golden fixture's identity, so that its segments (the seeds) belong to this store.
        let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/golden-v1/STORE").path
        storeFile = Array(FileManager.default.contents(atPath: golden) ?? FileManager.default.contents(atPath: store + "/STORE")!)
        atexit { try? FileManager.default.removeItem(atPath: SegmentTarget.shared.directory) }
    }

    func run(_ input: [UInt8]) -> Bool {
        try? FileManager.default.removeItem(atPath: store + "/index")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: store + "/segments")) ?? [] {
            try? FileManager.default.removeItem(atPath: store + "/segments/" + name)
        }
        _ = FileManager.default.createFile(atPath: store + "/STORE", contents: Data(storeFile))
        _ = FileManager.default.createFile(atPath: segmentPath, contents: Data(input))
        guard let log = try? Log.open(at: store, options: options) else { return false }
        defer { log.close() }
        _ = try? log.forEach { _ in true }
        _ = try? log.verify()
        _ = try? log.seqs(forKey: "S1")
        _ = try? log.append([RecordInput(timestamp: Int64.max / 4, key: "S1", payload: Array("after".utf8))])
        return true
    }
}

/// The target libFuzzer's callback runs (a C function pointer cannot capture it).
enum FuzzState { nonisolated(unsafe) static var target = Target.event }

let arguments = CommandLine.arguments
guard arguments.count >= 3, let target = Target(rawValue: arguments[2]) else {
    FileHandle.standardError.write(Data("usage: fuzz replay|run TARGET … (targets: \(Target.allCases.map(\.rawValue).joined(separator: ", ")))\n".utf8))
    exit(2)
}
/// The contents of the files named, and of the files in the directories named, in order.
func inputs(_ paths: ArraySlice<String>) -> [[UInt8]] {
    var out: [[UInt8]] = []
    for path in paths {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            FileHandle.standardError.write(Data("fuzz: no such input: \(path)\n".utf8)); exit(2)
        }
        let files = isDirectory.boolValue
            ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 }
            : [path]
        out += files.map { Array(FileManager.default.contents(atPath: $0) ?? Data()) }
    }
    return out
}

switch arguments[1] {
case "replay":
    let saved = inputs(arguments.dropFirst(3))
    for input in saved { target.run(input) }
    print("fuzz \(target.rawValue): \(saved.count) saved inputs replayed, none trapped")
case "random":
    guard arguments.count >= 5, let rounds = Int(arguments[3]) else {
        FileHandle.standardError.write(Data("usage: fuzz random TARGET ROUNDS SEEDS…\n".utf8)); exit(2)
    }
    let seeds = inputs(arguments.dropFirst(4)).filter { !$0.isEmpty }
    guard !seeds.isEmpty else { FileHandle.standardError.write(Data("fuzz: no seed inputs\n".utf8)); exit(2) }
    var random = SeededGenerator(seed: 11)
    var accepted = 0
    for round in 0..<rounds where target.run(mutate(seeds[round % seeds.count], &random)) { accepted += 1 }
    print("fuzz \(target.rawValue): \(rounds) mutated inputs, \(accepted) accepted, none trapped")
case "run":
    #if FUZZING
    FuzzState.target = target
    // libFuzzer sees the arguments after the target name.
    var argc = CInt(arguments.count - 2)
    var pointers: [UnsafeMutablePointer<CChar>?] = ([arguments[0]] + arguments.dropFirst(3)).map { strdup($0) } + [nil]
    let status = pointers.withUnsafeMutableBufferPointer { buffer -> CInt in
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
        return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            FuzzState.target.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
            return 0
        }
    }
    exit(status)
    #else
    FileHandle.standardError.write(Data("fuzz: this build has no libFuzzer; build it with Tools/fuzz.sh\n".utf8))
    exit(2)
    #endif
default:
    FileHandle.standardError.write(Data("usage: fuzz replay|run TARGET …\n".utf8))
    exit(2)
}
