import Foundation
import Testing
import LichengDomain
import TestSupport

/// `licheng backup` while other `licheng` processes write: the copy verifies,
/// is a prefix of the live store, and answers like the live store at its last seq.
@Suite struct CLIBackupTests {
    @Test func backupWhileFourWritersRunIsAVerifiedPrefix() throws {
        let cli = try CLI.school()
        defer { cli.dir.remove() }
        _ = try cli.uploadOutcome(title: "備份前")
        let backup = cli.dir.sub("backup")
        let statuses = LockedStatuses()
        DispatchQueue.concurrentPerform(iterations: 5) { worker in
            if worker < 4 {
                for round in 0..<5 {
                    let lines = (0..<5).map { i in
                        #"{"type":"grade.recorded","actor":"A1","student":"S1","data":{"courseId":"C1","term":"\#(CLI.term)","score":\#(50 + worker * 10 + i),"credits":\#(round + 1)}}"#
                    }
                    let file = cli.write("w\(worker)-\(round).jsonl", lines.joined(separator: "\n") + "\n")
                    let r = try! cli(["append", file], as: "A1")
                    statuses.add(r.status, r.stderr)
                }
            } else {
                usleep(40_000)
                let r = try! cli(["backup", backup], as: "A1")
                statuses.add(r.status, "backup: " + r.stderr)
            }
        }
        #expect(statuses.values.allSatisfy { $0.0 == 0 }, "\(statuses.values.filter { $0.0 != 0 })")
        #expect(try cli(["verify"], store: backup).status == 0)
        let copied = try #require(try JSONValue.parse(try cli(["log", "stats", "--json"], store: backup).stdout)["lastSeq"]?.intValue)
        let live = try cli.lastSeq()
        #expect(copied >= 1 && copied <= live)
        // The copy and the live store agree at the copy's last seq.
        let asOf = ["--as-of", "seq:\(copied)", "--json"]
        let fromBackup = try cli(["portfolio", "S1"] + asOf, as: "A1", store: backup)
        let fromLive = try cli(["portfolio", "S1"] + asOf, as: "A1")
        #expect(fromBackup.status == 0 && fromBackup.stdout == fromLive.stdout)
        // Restoring the copy gives the same answers again, and refuses a non-empty target.
        let restored = cli.dir.sub("restored")
        #expect(try cli(["restore", backup], store: restored).status == 0)
        #expect(try cli(["portfolio", "S1"] + asOf, as: "A1", store: restored).stdout == fromLive.stdout)
        #expect(try cli(["restore", backup], store: restored).status != 0)
    }
}
