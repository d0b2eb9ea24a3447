import Foundation
import Testing
import LichengDomain
import TestSupport

@Suite struct CLISchoolKeyTests {
    @Test func initCreatesAPrivateKeyAndCheckpointsVerify() throws {
        let cli = CLI(); defer { cli.dir.remove() }
        try cli.ok(["init", "--school-code", "173301", "--school-name", "中山高中", "--admin", "A1", "--admin-name", "試務組"])
        var st = stat()
        #expect(stat(cli.store + "/keys/signing.key", &st) == 0)
        #expect(st.st_mode & 0o777 == 0o600)
        let key = try cli.ok(["school", "key"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(key.hasPrefix("ed25519:") && key.count == 52)
        let c = try cli.ok(["checkpoint", "--json"]).json()
        #expect(c["seq"]?.intValue == 1)
        let v = try cli.ok(["verify", "--json"]).json()
        #expect(v["checkpoints"]?.intValue == 1)
        #expect(v["signedThrough"]?.intValue == 1)
        // Trusting another school: a bad key is a usage error, a good one is listed.
        let bad = try cli(["school", "trust", "170301", "--key", "ed25519:xyz"], as: "A1")
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--key"))
        try cli.ok(["school", "trust", "170301", "--key", key], as: "A1")
        let list = try cli.ok(["school", "trusted", "--json"]).json()
        #expect(list.arrayValue?.first?["schoolCode"]?.stringValue == "170301")
    }
}
