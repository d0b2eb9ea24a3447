import Foundation
import Testing
import LichengDomain
import TestSupport
import Licheng
import LichengLog

@Suite struct CLISchoolKeyTests {
    @Test func initCreatesAPrivateKeyAndCheckpointsVerify() throws {
        let cli = CLI(); defer { cli.dir.remove() }
        try cli.ok(["init", "--school-code", "173301", "--school-name", "中山高中", "--admin", "A1", "--admin-name", "試務組"])
        var st = stat()
        #expect(stat(cli.store + "/keys/signing.key", &st) == 0)
        #expect(st.st_mode & 0o777 == 0o600)
        let key = try cli.ok(["school", "key"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(key.hasPrefix("ed25519:") && key.count == 52)
        let again = try cli(["school", "create-key"], as: "A1")
        #expect(again.status == 1 && again.stderr.contains("never replaced"))
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
        // Backup and restore carry the public keys and checkpoints, never the private key.
        try cli.ok(["backup", cli.dir.sub("bk")], as: "A1")
        #expect(!FileManager.default.fileExists(atPath: cli.dir.sub("bk/keys/signing.key")))
        let restored = try cli(["restore", cli.dir.sub("bk"), "--json"], store: cli.dir.sub("restored"))
        #expect(restored.status == 0)
        let rv = try cli(["verify", "--json"], store: cli.dir.sub("restored")).json()
        #expect(rv["checkpoints"]?.intValue == 1 && rv["signaturesUnchecked"] == .bool(false))
        let trusted = try cli(["school", "trusted", "--json"], store: cli.dir.sub("restored")).json()
        #expect(trusted.arrayValue?.first?["schoolCode"]?.stringValue == "170301")
        // Trust is an event: only exam-section or the principal may register a key.
        let teacher = try cli(["school", "trust", "170302", "--key", key], as: "A9")
        #expect(teacher.status == 1)
        // The restored copy lacks the private key: no new key is made in its place.
        let noKey = try cli(["school", "create-key"], as: "A1", store: cli.dir.sub("restored"))
        #expect(noKey.status == 1 && noKey.stderr.contains("restore keys/signing.key"))
        // A store without any key (made before keys existed) gets one.
        try FileManager.default.removeItem(atPath: cli.dir.sub("restored/keys"))
        #expect(try cli(["school", "create-key"], as: "A1", store: cli.dir.sub("restored")).status == 0)
        #expect(try cli(["checkpoint"], store: cli.dir.sub("restored")).status == 0)
    }
}

@Suite struct CLIRetentionTests {
    /// A store whose student S1 (王小明) uploaded an essay and departed on 2020-06-30, recorded
    /// on that day (the store is written with a clock in 2020, so the retention period has run).
    static func storeWithAStudentWhoLeftIn2020(_ cli: CLI) throws {
        let clock = TestClock("2020-03-02T09:00:00+08:00")
        var options = Engine.Options()
        options.clock = { clock.now }
        let engine = try Engine.create(at: cli.store, schoolCode: "173301", schoolName: "中山高中", adminId: "A1", adminName: "試務組", options: options)
        defer { engine.close() }
        try engine.submit([
            #"{"type":"staff.registered","actor":"A1","data":{"staffId":"D1","name":"教務主任","roles":["academic-director"]}}"#,
            #"{"type":"staff.registered","actor":"A1","data":{"staffId":"T1","name":"林老師","roles":["subject-teacher"]}}"#,
            #"{"type":"course.offered","actor":"A1","data":{"courseId":"C1","term":"108-2","name":"國語文","teachers":["T1"],"class":"101"}}"#,
            #"{"type":"schedule.window-set","actor":"D1","data":{"term":"108-2","kind":"course-outcome-upload","opensAt":"2020-03-01","closesAt":"2020-06-30"}}"#,
            #"{"type":"student.enrolled","actor":"A1","student":"S1","data":{"name":"王小明","class":"101","nationalId":"A123456789"}}"#,
        ].map(event))
        let essay = Array("%PDF-1.4 UNIQUE-CLI-ESSAY-91c2".utf8)
        clock.advance(seconds: 86_400)
        try engine.submit([event(#"{"type":"course-outcome.uploaded","actor":"S1","data":{"term":"108-2","courseId":"C1","title":"王小明的報告","description":"期末","files":[\#(fileEntry(essay, "essay.pdf"))]}}"#)],
                          blobs: [essay])
        clock.set("2020-06-30T10:00:00+08:00")
        try engine.submit([event(#"{"type":"student.departed","actor":"A1","student":"S1","data":{"reason":"graduated","effectiveOn":"2020-06-30"}}"#)])
    }

    /// Someone with write access to the segments redacts a student's record without a
    /// purge: every checksum and the chain still hold, but verify names it as tampering.
    @Test func aRedactionWithoutAPurgeFailsVerify() throws {
        let cli = try CLI.school(); defer { cli.dir.remove() }
        _ = try cli.uploadOutcome(title: "會被抹除的報告")
        try cli.ok(["verify"])
        let log = try Log.open(at: cli.store)
        let seqs = try log.seqs(forKey: "S1")
        try log.redact(seqs: [seqs.last!])
        log.close()
        let r = try cli(["verify"])
        #expect(r.status == 3 && r.stderr.contains("S1") && r.stderr.contains("without a purge"), "\(r.stderr)")
    }

    /// Records appended behind the engine's back that do not read as events: every checksum and
    /// the chain hold, so `verify` passes; `verify --replay` names the first that does not read.
    /// A grade of a schema version this build does not know (as a newer build would write) is
    /// skipped by type by the engine's shared-state replays, so only a load of that student or a
    /// replay of every student meets it.
    @Test func verifyReplayNamesAnEventThisBuildCannotRead() throws {
        let cli = try CLI.school(); defer { cli.dir.remove() }
        _ = try cli.uploadOutcome()
        try cli.ok(["verify", "--replay"])
        let before = try? FileManager.default.contentsOfDirectory(atPath: cli.store + "/snapshots").sorted()
        let grade = EventType.gradeRecorded.code
        let log = try Log.open(at: cli.store)
        let newer = try log.append([RecordInput(timestamp: CLI.nowMicros, key: "S1", payload: [UInt8(grade & 0xFF), UInt8(grade >> 8), 99, 2])]).lowerBound
        log.close()
        try cli.ok(["verify"])
        var r = try cli(["verify", "--replay"])
        #expect(r.status == 3, "\(r.stdout)")
        #expect(r.stderr.contains("does not replay") && r.stderr.contains("seq \(newer)") && r.stderr.contains("unsupported schema version 99")
                && r.stderr.contains("written by a newer licheng"), "\(r.stderr)")
        // From the log alone: no engine opened, no snapshot written.
        let snapshots = cli.store + "/snapshots"
        #expect((try? FileManager.default.contentsOfDirectory(atPath: snapshots).sorted()) == before, "verify --replay wrote into \(snapshots)")

        let log2 = try Log.open(at: cli.store)
        let unknown = try log2.append([RecordInput(timestamp: CLI.nowMicros, key: "S1", payload: [0xFF, 0xFF, 1, 0])]).lowerBound
        log2.close()
        try cli.ok(["verify"])
        r = try cli(["verify", "--replay"])
        #expect(r.status == 3 && r.stderr.contains("seq \(newer)"), "the first that does not read: \(r.stderr)")
        #expect(!r.stderr.contains("seq \(unknown)"))
    }

    @Test func purgeThroughTheCLIRemovesThePersonalDataAndBackupsAreBroughtInLine() throws {
        let cli = CLI(); defer { cli.dir.remove() }
        try Self.storeWithAStudentWhoLeftIn2020(cli)
        let today = Taipei.format(CLI.nowMicros).prefix(10).description
        try cli.ok(["student", "enroll", "S2", "--name", "李佳蓉", "--class", "101", "--national-id", "B234567890"], as: "A1")
        try cli.ok(["student", "depart", "S2", "--reason", "withdrawn", "--effective", today], as: "A1")
        // A departure recorded today but dated in 2020 starts the clock today, not in 2020.
        try cli.ok(["student", "enroll", "S3", "--name", "陳大文", "--class", "101"], as: "A1")
        try cli.ok(["student", "depart", "S3", "--reason", "withdrawn", "--effective", "2020-06-30"], as: "A1")
        let backdated = try cli(["retention", "purge", "S3"], as: "A1")
        #expect(backdated.status == 1 && backdated.stderr.contains("recorded on \(today)"), "\(backdated.stderr)")
        let status = try cli.ok(["retention", "status", "--json"]).json()
        let students = try #require(status["students"]?.arrayValue)
        #expect(students.count == 3)
        #expect(students.first { $0["studentId"]?.stringValue == "S1" }?["purgeAllowedNow"] == .bool(true))
        #expect(students.first { $0["studentId"]?.stringValue == "S1" }?["purgeAllowedOn"]?.stringValue == "2023-06-30")
        // Too early: exit 1, the day it becomes allowed, nothing written.
        let before = try cli.lastSeq()
        let early = try cli(["retention", "purge", "S2"], as: "A1")
        #expect(early.status == 1)
        #expect(early.stderr.contains("may be purged from that day"))
        #expect(try cli.lastSeq() == before)
        try cli.ok(["backup", cli.dir.sub("old-backup")], as: "A1")
        let purged = try cli.ok(["retention", "purge", "S1", "--json"], as: "A1").json()
        #expect(purged["seq"]?.intValue == before + 1)
        #expect(purged["removedFiles"]?.intValue == 1)
        try cli.ok(["verify"])
        // The replay skips the redacted records and counts what it replayed.
        let replayed = try cli.ok(["verify", "--replay", "--json"]).json()
        let redacted = try #require(replayed["redactedRecords"]?.intValue)
        #expect(redacted > 0)
        #expect(replayed["replay"]?["events"]?.intValue == (replayed["records"]?.intValue).map { $0 - redacted })
        #expect(replayed["replay"]?["students"]?.intValue == 3)
        for needle in ["王小明", "UNIQUE-CLI-ESSAY-91c2"] {
            #expect(filesContaining(cli.store, needle).isEmpty, "\(needle) is still in \(filesContaining(cli.store, needle))")
        }
        let audit = try cli.ok(["audit", "--type", "retention.purged", "--json"], as: "A1").stdout
        #expect(audit.contains("\"S1\"") && audit.contains("\"A1\""))
        // The backup taken before the purge still holds the data until apply-to.
        #expect(!filesContaining(cli.dir.sub("old-backup"), "UNIQUE-CLI-ESSAY-91c2").isEmpty)
        let applied = try cli.ok(["retention", "apply-to", cli.dir.sub("old-backup"), "--json"]).json()
        #expect(applied["removedFiles"]?.intValue == 1)
        #expect(filesContaining(cli.dir.sub("old-backup"), "UNIQUE-CLI-ESSAY-91c2").isEmpty)
        let v = try cli(["verify", "--json"], store: cli.dir.sub("old-backup"))
        #expect(v.status == 0, "\(v.stderr)")
        // Restored, the brought-in-line backup still explains its redactions (PURGES-APPLIED travels).
        let restored = try cli(["restore", cli.dir.sub("old-backup")], store: cli.dir.sub("restored"))
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(try cli(["verify"], store: cli.dir.sub("restored")).status == 0)
        try? FileManager.default.removeItem(atPath: cli.dir.sub("restored") + "/PURGES-APPLIED")
        #expect(try cli(["verify"], store: cli.dir.sub("restored")).status == 3)
    }
}

@Suite struct CLITransferTests {
    @Test func exportAndImportBetweenTwoSchoolsThroughTheCLI() throws {
        let from = try CLI.school(); defer { from.dir.remove() }
        _ = try from.uploadOutcome(title: "實驗報告")
        let to = CLI(); defer { to.dir.remove() }
        try to.ok(["init", "--school-code", "170301", "--school-name", "基隆女中", "--admin", "B1", "--admin-name", "試務組"])
        let bundle = from.dir.sub("S1.bundle")
        let exported = try from.ok(["transfer", "export", "S1", "--out", bundle, "--to", "170301", "--json"], as: "A1").json()
        #expect(exported["events"]?.intValue == 2 && exported["files"]?.intValue == 1)
        #expect(exported["seq"]?.intValue != nil)
        var st = stat()
        #expect(stat(bundle, &st) == 0 && st.st_mode & 0o077 == 0)
        // Not trusted yet: refused with the reason, exit 1, nothing written.
        var before = try to.lastSeq()
        let untrusted = try to(["transfer", "import", bundle], as: "B1")
        #expect(untrusted.status == 1 && untrusted.stderr.contains("173301") && untrusted.stderr.contains("school trust"))
        #expect(try to.lastSeq() == before)
        let key = try from.ok(["school", "key"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try to.ok(["school", "trust", "173301", "--key", key], as: "B1")
        before = try to.lastSeq()
        // One byte changed: refused as altered (exit 3).
        var bytes = readFileBytes(bundle)
        bytes[bytes.count / 2] ^= 1
        writeFileBytes(to.dir.sub("bad.bundle"), bytes)
        let altered = try to(["transfer", "import", to.dir.sub("bad.bundle")], as: "B1")
        #expect(altered.status == 3 && altered.stderr.contains("Nothing was imported"))
        #expect(try to.lastSeq() == before)
        let imported = try to.ok(["transfer", "import", bundle, "--class", "201", "--json"], as: "B1").json()
        #expect(imported["studentId"]?.stringValue == "S1" && imported["sourceSchool"]?.stringValue == "173301")
        let portfolio = try to.ok(["portfolio", "S1", "--json"], as: "B1").json()
        #expect(portfolio["registry"]?["transferredFrom"]?.stringValue == "173301")
        #expect(portfolio["registry"]?["class"]?.stringValue == "201")
        #expect(portfolio["items"]?.arrayValue?.first?["importedFrom"]?.stringValue == "173301")
        try to.ok(["verify"])
    }
}
