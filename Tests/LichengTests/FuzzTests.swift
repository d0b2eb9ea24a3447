import Foundation
import Testing
import LichengDomain
import TestSupport
@testable import Licheng

/// Hostile input for a fixed, seeded budget: every input either parses or
/// gives an error; none may trap. (`LICHENG_FUZZ_ROUNDS` raises the budget.)
@Suite struct FuzzTests {
    static var rounds: Int { Int(ProcessInfo.processInfo.environment["LICHENG_FUZZ_ROUNDS"] ?? "") ?? 3000 }

    static let fuzz = URL(fileURLWithPath: CLI.binary).deletingLastPathComponent().appendingPathComponent("fuzz").path

    static func fixtures(_ target: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/fuzz/\(target)").path
    }

    /// Seeded mutations of every target's seeds (the same targets libFuzzer drives in
    /// `Tools/fuzz.sh`): each input is accepted or refused, never a trap. Whatever event
    /// document parses must also survive its stored form and its JSON form (the target checks).
    @Test(arguments: ["event", "stored", "csv", "args", "segment"])
    func seededMutationsNeverTrap(_ target: String) throws {
        let rounds = target == "segment" ? max(1, Self.rounds / 10) : Self.rounds
        let r = try run(Self.fuzz, ["random", target, String(rounds), Self.fixtures(target) + "/seeds"])
        #expect(r.status == 0, "fuzz random \(target): \(r.stderr)")
        let accepted = r.stdout.split(separator: " ").firstIndex(of: "accepted,").flatMap { i in
            Int(r.stdout.split(separator: " ")[i - 1]) } ?? 0
        // The mutations are mild enough that some inputs still get through to the deep paths.
        #expect(accepted > 0, "no mutated \(target) input was accepted: \(r.stdout)")
    }

    /// Every input kept under `Fixtures/fuzz/TARGET/` (seeds, and crashers found by
    /// `Tools/fuzz.sh` with libFuzzer) runs through the fuzz targets without a trap.
    @Test(arguments: ["event", "stored", "csv", "args", "segment"])
    func savedFuzzInputsNeverTrap(_ target: String) throws {
        let r = try run(Self.fuzz, ["replay", target, Self.fixtures(target) + "/seeds", Self.fixtures(target) + "/crashers"])
        #expect(r.status == 0, "fuzz replay \(target): \(r.stderr)")
        #expect(r.stdout.contains("none trapped"))
    }
}
