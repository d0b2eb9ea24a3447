import Foundation
import Testing
import LichengDomain
import TestSupport
@testable import Licheng

/// Hostile input for a fixed, seeded budget: every input either parses or
/// gives an error; none may trap. (`LICHENG_FUZZ_ROUNDS` raises the budget.)
@Suite struct FuzzTests {
    static var rounds: Int { Int(ProcessInfo.processInfo.environment["LICHENG_FUZZ_ROUNDS"] ?? "") ?? 3000 }

    /// Mutations of a valid input: flipped, inserted, deleted, duplicated and truncated bytes.
    static func mutate(_ input: [UInt8], _ random: inout SeededGenerator) -> [UInt8] {
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
            default: b.append(contentsOf: Array("\"{}[],:\\u0000\u{FEFF}é學".utf8).shuffled(using: &random).prefix(3))
            }
        }
        return b
    }

    @Test func eventDocumentsNeverTrap() {
        let seeds = [
            #"{"type":"course-outcome.uploaded","actor":"S1","requestId":"r1","data":{"term":"113-1","courseId":"C1","title":"報告","description":"short","files":[{"name":"a.pdf","mediaType":"application/pdf","size":12,"sha256":"\#(String(repeating: "ab", count: 32))"}]}}"#,
            #"{"type":"schedule.window-set","actor":"D1","data":{"term":"113-1","kind":"certification","opensAt":"2024-09-01T00:00:00+08:00","closesAt":"2025-01-31"}}"#,
            #"{"type":"staff.registered","actor":"A1","data":{"staffId":"T1","name":"林","roles":["subject-teacher","homeroom-teacher"],"homeroomClass":"101"}}"#,
        ].map { Array($0.utf8) }
        var random = SeededGenerator(seed: 11)
        var parsed = 0
        for i in 0..<Self.rounds {
            let input = Self.mutate(seeds[i % seeds.count], &random)
            if let e = try? Event.parseJSONLine(input, line: 1) {
                parsed += 1
                // Whatever parses also survives the stored form.
                let stored = e.encodeStored()
                #expect((try? Event.decodeStored(stored, seq: 1, recordedAt: 0)) != nil)
            }
        }
        #expect(parsed > 0)
    }

    @Test func csvFilesNeverTrap() {
        let seed = Array("\u{FEFF}student,course_id,term,score,credits\r\nS1,C1,113-1,88,2\r\n\"S2\",\"C,1\",113-2,\"7\"\"0\",3\nS3,C1,113-1,,\n".utf8)
        var random = SeededGenerator(seed: 12)
        for _ in 0..<Self.rounds {
            let input = Self.mutate(seed, &random)
            if let document = try? CSVReader.parse(input, requiredColumns: ["student"]) {
                _ = try? CSVImport.events(.grades, csv: input, actor: "A1")
                _ = document.records.count
            }
        }
    }

    @Test func argumentsNeverTrap() {
        let words = ["upload", "course-outcome", "--student", "S1", "--term", "113-1", "--file", "--json", "--as", "-h",
                     "help", "staff", "add", "--role", "--", "-", "--name=", "=", "--store", "verify", "x", "", "學", "--as-of", "seq:"]
        let run: Command.Handler = { _ in .success }
        let tool = CommandLineTool(
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
        var random = SeededGenerator(seed: 13)
        for _ in 0..<Self.rounds {
            let args = (0..<Int.random(in: 0...8, using: &random)).map { _ in words.randomElement(using: &random)! }
            let (console, _) = Console.capturing()
            _ = tool.run(arguments: args, environment: [:], console: console)
        }
    }

    /// Every input kept under `Fixtures/fuzz/TARGET/` (seeds, and crashers found by
    /// `Tools/fuzz.sh` with libFuzzer) runs through the fuzz targets without a trap.
    @Test(arguments: ["event", "stored", "csv", "args", "segment"])
    func savedFuzzInputsNeverTrap(_ target: String) throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/fuzz/\(target)").path
        let fuzz = URL(fileURLWithPath: CLI.binary).deletingLastPathComponent().appendingPathComponent("fuzz").path
        let r = try run(fuzz, ["replay", target, fixtures + "/seeds", fixtures + "/crashers"])
        #expect(r.status == 0, "fuzz replay \(target): \(r.stderr)")
        #expect(r.stdout.contains("none trapped"))
    }
}
