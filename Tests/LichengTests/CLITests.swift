import Foundation
import Testing
import LichengDomain
import TestSupport

@Suite struct CLICommandTests {
    @Test func initPrintsTheStoreAndLogStatsStartsAtOne() throws {
        let cli = CLI()
        defer { cli.dir.remove() }
        let r = try cli.ok(["init", "--school-code", "173301", "--school-name", "中山高中", "--admin", "A1", "--admin-name", "試務組", "--json"])
        #expect(try r.json()["seq"]?.intValue == 1)
        #expect(try cli.lastSeq() == 1)
        // A second init into the same directory is refused as a storage problem.
        let again = try cli(["init", "--school-code", "1", "--school-name", "x", "--admin", "A1", "--admin-name", "x"])
        #expect(again.status == 3)
        #expect(again.stderr.hasPrefix("Error: "))
    }

    @Test func courseOutcomeGoesFromUploadToConfirmedReceipt() throws {
        let cli = try CLI.school()
        defer { cli.dir.remove() }
        let term = CLI.term
        let item = try cli.uploadOutcome()
        #expect(item == "S1-C1")

        let certified = try cli.ok(["certify", item, "--json"], as: "T1")
        #expect(try certified.json()["seq"]?.intValue == (try cli.lastSeq()))
        try cli.ok(["select", item], as: "S1")
        let submitted = try cli.ok(["submit", "course-outcomes", "--year", String(term.year.value), "--json"], as: "A1")
        let batch = try #require(try submitted.json()["batchId"]?.stringValue)
        #expect(try submitted.json()["seq"]?.intValue != nil)
        // Without --json the batch ID alone is printed.
        try cli.ok(["receipt", "confirm", batch, "--json"], as: "A1")
        try cli.ok(["receipt", "confirm", batch], as: "S1")

        let portfolio = try cli.ok(["portfolio", "S1", "--json"], as: "A1").json()
        #expect(portfolio["studentId"]?.stringValue == "S1")
        #expect(portfolio["registry"]?["name"]?.stringValue == "王小明")
        let items = try #require(portfolio["items"]?.arrayValue)
        #expect(items.count == 1)
        #expect(items.first?["itemId"]?.stringValue == item)
        #expect(items.first?["state"]?.stringValue == "receipt-confirmed")
        #expect(items.first?["files"]?.arrayValue?.first?["mediaType"]?.stringValue == "application/pdf")

        let text = try cli.ok(["portfolio", "S1"], as: "T1").stdout
        #expect(text.contains("課程學習成果"))
        #expect(text.contains(item))

        let quota = try cli.ok(["quota", "S1", "--json"], as: "S1").json()
        #expect(quota["term"]?.stringValue == term.description)
        #expect(quota["courseOutcomeUploads"]?["used"]?.intValue == 1)
        #expect(quota["courseOutcomeUploads"]?["remaining"]?.intValue == 14)
        #expect(quota["courseOutcomeSelections"]?["used"]?.intValue == 1)
    }

    @Test func queriesAnswerWithDocumentedKeys() throws {
        let cli = try CLI.school()
        defer { cli.dir.remove() }
        let before = try cli.lastSeq()
        let item = try cli.uploadOutcome()

        // audit --json is JSON Lines of event documents.
        let audit = try cli.ok(["audit", "--student", "S1", "--json"], as: "A1").stdout
        let lines = audit.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        let events = try lines.map { try JSONValue.parse($0) }
        #expect(events.map { $0["type"]?.stringValue } == ["student.enrolled", "course-outcome.uploaded"])
        #expect(events.allSatisfy { $0["seq"]?.intValue != nil && $0["actor"]?.stringValue != nil && $0["recordedAt"]?.stringValue != nil })
        let byType = try cli.ok(["audit", "--type", "schedule.window-set", "--json"], as: "A1").stdout
        #expect(byType.split(separator: "\n").count == WindowKind.allCases.count)

        let todo = try cli.ok(["todo", "--json"], as: "T1").json()
        #expect(todo["actor"]?.stringValue == "T1")
        #expect(todo["certifications"]?.arrayValue?.first?["itemId"]?.stringValue == item)
        #expect(todo["closingWindows"]?.arrayValue != nil)
        #expect(todo["receiptsToConfirm"]?.arrayValue != nil)

        let overview = try cli.ok(["class", "101", "--json"], as: "T1").json()
        #expect(overview["class"]?.stringValue == "101")
        #expect(overview["students"]?.arrayValue?.first?["studentId"]?.stringValue == "S1")
        #expect(overview["students"]?.arrayValue?.first?["courseOutcomeUploads"]?["used"]?.intValue == 1)

        let report = try cli.ok(["report", "compliance", "--year", String(CLI.term.year.value), "--json"], as: "D1").json()
        for key in ["year", "meetings", "trainings", "windows", "certification", "submissions", "findings"] {
            #expect(report[key] != nil, "missing key \(key)")
        }
        #expect(report["certification"]?.arrayValue?.first?["pending"]?.intValue == 1)

        // As of the seq before the upload, the portfolio has no items.
        let past = try cli.ok(["portfolio", "S1", "--as-of", "seq:\(before)", "--json"], as: "A1").json()
        #expect(past["items"]?.arrayValue?.isEmpty == true)
        #expect(past["asOfSeq"]?.intValue == before)
    }

    @Test func recordCommandsAppendTheirEvents() throws {
        let cli = try CLI.school()
        defer { cli.dir.remove() }
        try cli.ok(["staff", "add", "E1", "--name", "訓育組", "--role", "activities-section"], as: "A1")
        try cli.ok(["staff", "add", "K1", "--name", "諮詢教師", "--role", "course-counselor"], as: "A1")
        try cli.ok(["staff", "add", "R1", "--name", "資料組", "--role", "data-section"], as: "A1")
        let term = CLI.term.description
        try cli.ok(["record", "grade", "--student", "S1", "--course", "C1", "--term", term, "--score", "88.5", "--credits", "4"], as: "A1")
        try cli.ok(["record", "cadre", "--student", "S1", "--level", "school", "--title", "班聯會會長", "--term", term], as: "E1")
        try cli.ok(["record", "counseling", "--student", "S1", "--at", "2025-03-01T09:30:00+08:00", "--place", "輔導室",
                    "--content", "選課", "--opinion", "建議修物理"], as: "K1")
        try cli.ok(["record", "training", "--kind", "orientation", "--date", "2025-09-01", "--audience", "students,parents", "--host", "R1"], as: "R1")
        try cli.ok(["record", "meeting", "--date", "2025-09-02", "--term", term, "--decisions", "通過期程"], as: "D1")
        let p = try cli.ok(["portfolio", "S1", "--json"], as: "A1").json()
        #expect(p["grades"]?.arrayValue?.first?["score"] == .double(88.5))
        #expect(p["cadres"]?.arrayValue?.first?["title"]?.stringValue == "班聯會會長")
        #expect(p["counseling"]?.arrayValue?.count == 1)
        let bad = try cli(["record", "grade", "--student", "S1", "--course", "C1", "--term", term, "--score", "abc", "--credits", "4"], as: "A1")
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--score"))
    }

    @Test func storageCommandsVerifyBackUpAndRestore() throws {
        let cli = try CLI.school()
        defer { cli.dir.remove() }
        _ = try cli.uploadOutcome()
        let last = try cli.lastSeq()
        let verify = try cli.ok(["verify", "--json"]).json()
        #expect(verify["lastSeq"]?.intValue == last)
        #expect(verify["records"]?.intValue == last)
        #expect(try cli.ok(["verify"]).stdout.contains("Chain head"))
        // --replay also replays every event into every projection.
        let replayed = try cli.ok(["verify", "--replay", "--json"]).json()["replay"]
        #expect(replayed?["events"]?.intValue == last)
        #expect(replayed?["students"]?.intValue == 1 && replayed?["items"]?.intValue == 1)
        #expect(try cli.ok(["verify", "--replay"]).stdout.contains("\(last) events, each read by this build"))
        #expect(try cli.ok(["verify", "--json"]).json()["replay"] == nil)

        let dest = cli.dir.sub("backup")
        let backup = try cli.ok(["backup", dest, "--json"]).json()
        #expect(backup["lastSeq"]?.intValue == last)
        #expect(backup["files"]?.intValue == 1)
        let copy = try cli(["verify", "--json"], store: dest)
        #expect(copy.status == 0)
        #expect(try copy.json()["lastSeq"]?.intValue == last)

        let restored = cli.dir.sub("restored")
        let r = try cli(["restore", dest, "--json"], store: restored)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try cli(["log", "stats", "--json"], store: restored).json()["lastSeq"]?.intValue == last)
        let p = try cli(["portfolio", "S1", "--json"], as: "A1", store: restored).json()
        #expect(p["items"]?.arrayValue?.count == 1)
        // Restoring over a store that holds something is refused.
        #expect(try cli(["restore", dest], store: restored).status == 2)
        let segments = try cli.ok(["log", "segments"]).stdout
        #expect(segments.contains(".lseg"))
    }

    @Test func damagedSegmentFailsVerifyWithExitThree() throws {
        let cli = try CLI.school()
        defer { cli.dir.remove() }
        let segDir = cli.store + "/segments"
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: segDir).first { $0.hasSuffix(".lseg") })
        var bytes = readFileBytes(segDir + "/" + name)
        bytes[bytes.count - 20] ^= 0xFF
        writeFileBytes(segDir + "/" + name, bytes)
        let r = try cli(["verify"])
        #expect(r.status == 3)
        #expect(r.stderr.hasPrefix("Error: "))
        #expect(r.stderr.contains(name) || r.stderr.contains("seq"))
    }
}

@Suite struct CLIUsageTests {
    @Test(arguments: [[], ["staff", "add"], ["upload", "course-outcome"], ["report", "compliance"], ["log", "stats"]])
    func helpFlagsAndHelpCommandPrintTheSameText(path: [String]) throws {
        let cli = CLI()
        defer { cli.dir.remove() }
        let long = try cli(path + ["--help"])
        let short = try cli(path + ["-h"])
        let word = try cli(["help"] + path)
        #expect(long.status == 0)
        #expect(long.stdout.hasPrefix("OVERVIEW: "))
        #expect(long.stdout.contains("USAGE: licheng"))
        #expect(short.stdout == long.stdout)
        #expect(word.stdout == long.stdout)
    }

    @Test func rootHelpListsTheCommands() throws {
        let cli = CLI()
        defer { cli.dir.remove() }
        let help = try cli(["--help"]).stdout
        for name in ["init", "staff", "upload", "certify", "submit", "receipt", "append", "import", "portfolio", "audit", "verify", "backup", "restore", "log", "checkpoint", "school", "retention", "transfer"] {
            #expect(help.contains("\n  \(name) "), "help lacks \(name)")
        }
    }

    @Test func unknownOptionIsAUsageError() throws {
        let cli = try CLI.school()
        defer { cli.dir.remove() }
        let r = try cli(["staff", "add", "T9", "--name", "X", "--role", "auditor", "--bogus"], as: "A1")
        #expect(r.status == 2)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        #expect(lines.first == "Error: Unknown option '--bogus'")
        #expect(lines.contains { $0.hasPrefix("Usage: licheng staff add") })
        #expect(lines.last == "See 'licheng staff add --help' for more information.")
        #expect(r.stdout.isEmpty)
    }

    @Test func missingArgumentIsAUsageError() throws {
        let cli = try CLI.school()
        defer { cli.dir.remove() }
        let before = try cli.lastSeq()
        let r = try cli(["student", "enroll", "--name", "X", "--class", "101"], as: "A1")
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("Error: Missing expected argument '<id>'"))
        #expect(r.stderr.contains("See 'licheng student enroll --help'"))
        let noActor = try cli(["student", "enroll", "S9", "--name", "X", "--class", "101"])
        #expect(noActor.status == 2)
        #expect(noActor.stderr.contains("--as"))
        #expect(try cli.lastSeq() == before)
    }
}

@Suite struct CLIRuleTests {
    @Test func certificationByAnotherTeacherIsRejected() throws {
        let cli = try CLI.school()
        defer { cli.dir.remove() }
        let item = try cli.uploadOutcome()
        let before = try cli.lastSeq()
        let r = try cli(["certify", item], as: "T2")
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("Error: Rule 1 (authority)"))
        #expect(try cli.lastSeq() == before)
        let returned = try cli(["certify", item, "--return", "--reason", "wrong-course", "--json"], as: "T1")
        #expect(returned.status == 0)
    }

    @Test func sixteenthUploadInASemesterIsRejected() throws {
        let cli = try CLI.school()
        defer { cli.dir.remove() }
        let term = CLI.term.description
        let lines = (1...15).map { n in
            #"{"type":"course-outcome.uploaded","actor":"S1","student":"S1","data":{"term":"\#(term)","courseId":"C1","title":"成果 \#(n)"}}"#
        }
        let file = cli.write("uploads.jsonl", lines.joined(separator: "\n") + "\n")
        let appended = try cli.ok(["append", file, "--json"])
        #expect(try appended.json()["events"]?.intValue == 15)
        let before = try cli.lastSeq()
        let r = try cli(["upload", "course-outcome", "--student", "S1", "--term", term, "--course", "C1", "--title", "第十六件"], as: "S1")
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("Error: Rule 3 (quota)"))
        #expect(try cli.lastSeq() == before)
    }

    @Test func uploadOutsideAWindowIsRejected() throws {
        let cli = try CLI.school()
        defer { cli.dir.remove() }
        let next = CLI.term.next.description
        try cli.ok(["course", "add", "C1", "--term", next, "--name", "國語文", "--teacher", "T1"], as: "A1")
        let r = try cli(["upload", "course-outcome", "--student", "S1", "--term", next, "--course", "C1", "--title", "太早"], as: "S1")
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("Error: Rule 2 (window)"))
    }

    @Test func readingAnotherStudentsPortfolioIsRefused() throws {
        let cli = try CLI.school()
        defer { cli.dir.remove() }
        try cli.ok(["student", "enroll", "S2", "--name", "李小華", "--class", "102"], as: "A1")
        let r = try cli(["portfolio", "S1"], as: "S2")
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("Error: "))
        #expect(try cli(["audit"], as: "T2").status == 1)
        #expect(try cli(["portfolio", "S1"], as: "T1").status == 0)
    }
}

@Suite struct CLIBulkInputTests {
    @Test func malformedLine37NamesTheLineAndWritesNothing() throws {
        let cli = try CLI.school()
        defer { cli.dir.remove() }
        var lines = (1...36).map { n in
            #"{"type":"student.enrolled","actor":"A1","student":"S2\#(n)","data":{"name":"學生\#(n)","class":"102"}}"#
        }
        lines.append(#"{"type":"student.enrolled","actor":"A1","student":"S999","data":{"name":"壞","class":102}}"#)
        lines.append(#"{"type":"student.enrolled","actor":"A1","student":"S998","data":{"name":"好","class":"102"}}"#)
        let file = cli.write("bad.jsonl", lines.joined(separator: "\n") + "\n")
        let before = try cli.lastSeq()
        let r = try cli(["append", file])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("Error: "))
        #expect(r.stderr.contains("line 37"))
        #expect(r.stderr.contains("class"))
        #expect(try cli.lastSeq() == before)

        // The same events without the bad line go in as one batch, also from standard input.
        lines.remove(at: 36)
        let good = try cli(["append", "-"], input: Data((lines.joined(separator: "\n") + "\n").utf8))
        #expect(good.status == 0, "\(good.stderr)")
        #expect(try cli.lastSeq() == before + 37)
    }

    @Test func rejectedEventInAppendNamesItsLine() throws {
        let cli = try CLI.school()
        defer { cli.dir.remove() }
        let lines = [
            #"{"type":"student.enrolled","actor":"A1","student":"S50","data":{"name":"甲","class":"102"}}"#,
            #"{"type":"student.enrolled","actor":"A1","student":"S51","data":{"name":"乙","class":"102"}}"#,
            #"{"type":"student.enrolled","actor":"T2","student":"S52","data":{"name":"丙","class":"102"}}"#,
        ]
        let before = try cli.lastSeq()
        let r = try cli(["append", cli.write("r.jsonl", lines.joined(separator: "\n"))])
        #expect(r.status == 1)
        #expect(r.stderr.contains("line 3"))
        #expect(r.stderr.contains("Rule 1 (authority)"))
        #expect(try cli.lastSeq() == before)
    }

    @Test func csvImportsStudentsAndGrades() throws {
        let cli = try CLI.school()
        defer { cli.dir.remove() }
        let term = CLI.term.description
        let before = try cli.lastSeq()
        let students = cli.write("students.csv", "id,name,class,national_id,admitted_on\nS60,\"林,一\",101,A123456789,2025-08-01\nS61,林二,101,,\n")
        try cli.ok(["import", "students", students], as: "A1")
        let grades = cli.write("grades.csv", "student,course_id,term,score,credits\r\nS60,C1,\(term),91,4\r\nS61,C1,\(term),77.5,4\r\n")
        try cli.ok(["import", "grades", grades], as: "A1")
        #expect(try cli.lastSeq() == before + 4)
        let p = try cli.ok(["portfolio", "S60", "--json"], as: "A1").json()
        #expect(p["registry"]?["name"]?.stringValue == "林,一")
        #expect(p["grades"]?.arrayValue?.count == 1)
    }

    @Test func csvWithABadRowNamesLineAndColumnAndWritesNothing() throws {
        let cli = try CLI.school()
        defer { cli.dir.remove() }
        let term = CLI.term.description
        let before = try cli.lastSeq()
        let grades = cli.write("grades.csv", "student,course_id,term,score,credits\nS1,C1,\(term),91,4\nS1,C1,\(term),abc,4\n")
        let r = try cli(["import", "grades", grades], as: "A1")
        #expect(r.status == 2)
        #expect(r.stderr.contains("line 3"))
        #expect(r.stderr.contains("score"))
        let badTerm = cli.write("cadres.csv", "student,level,title,term\nS1,school,班長,\(term)\nS1,school,副班長,115-9\n")
        let r2 = try cli(["import", "cadres", badTerm], as: "A1")
        #expect(r2.status == 2)
        #expect(r2.stderr.contains("line 3"))
        #expect(r2.stderr.contains("term"))
        #expect(try cli.lastSeq() == before)
    }
}

@Suite struct CLIFileInputTests {
    @Test func uploadOfAMissingFileIsBadInputAndWritesNothing() throws {
        let cli = try CLI.school()
        defer { cli.dir.remove() }
        let before = try cli.lastSeq()
        let r = try cli(["upload", "course-outcome", "--student", "S1", "--term", CLI.term.description, "--course", "C1",
                         "--title", "x", "--file", cli.dir.sub("nope.pdf")], as: "S1")
        #expect(r.status == 2)
        #expect(r.stderr.contains("nope.pdf"))
        #expect(try cli.lastSeq() == before)
    }

    @Test func uploadedFileIsKeptInTheFileStore() throws {
        let cli = try CLI.school()
        defer { cli.dir.remove() }
        let item = try cli.uploadOutcome()
        let p = try cli.ok(["portfolio", "S1", "--json"], as: "S1").json()
        let file = try #require(p["items"]?.arrayValue?.first { $0["itemId"]?.stringValue == item }?["files"]?.arrayValue?.first)
        let digest = try #require(file["sha256"]?.stringValue)
        #expect(digest.count == 64)
        let stored = FileManager.default.enumerator(atPath: cli.store + "/files")?.allObjects.compactMap { $0 as? String } ?? []
        #expect(stored.contains { $0.contains(digest) })
    }
}
