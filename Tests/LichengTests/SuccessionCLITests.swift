import Foundation
import Testing
import Licheng
import LichengDomain
import TestSupport

/// Succession through the CLI (SPEC §6, rules 7(3)): a proxy chain, the successor's `todo`,
/// the audit trail, the compliance report and its HTML page.
@Suite struct SuccessionCLITests {
    static var today: String { String(Taipei.format(CLI.nowMicros).prefix(10)) }

    /// CLI.school() plus T3, the proxy list T1 → T2, T3 and one outcome of S1 in T1's course C1.
    func schoolWithProxies() throws -> (CLI, String) {
        let cli = try CLI.school()
        try cli.ok(["staff", "add", "T3", "--name", "黃老師", "--role", "subject-teacher"], as: "A1")
        try cli.ok(["proxy", "set", "T1", "--proxies", "T2,T3"], as: "D1")
        return (cli, try cli.uploadOutcome())
    }

    @Test func proxyChainDepartedTeacherUnavailableFirstProxySecondProxyCertifies() throws {
        let (cli, item) = try schoolWithProxies()
        defer { cli.dir.remove() }
        // T1 leaves today (the account expires at today's 00:00); T2 is away.
        try cli.ok(["staff", "depart", "T1", "--effective", Self.today], as: "A1")
        try cli.ok(["staff", "unavailable", "T2", "--reason", "病假"], as: "A1")

        let expired = try cli(["certify", item], as: "T1")
        #expect(expired.status == 1 && expired.stderr.contains("expired"))
        let away = try cli(["--on-behalf-of", "T1", "certify", item], as: "T2")
        #expect(away.status == 1 && away.stderr.contains("unavailable"))

        // The successor's todo shows whom they replace and the inherited outcome.
        let todo = try cli.ok(["todo", "--json"], as: "T3").json()
        #expect(todo["replacing"]?.arrayValue?.first?["staffId"]?.stringValue == "T1")
        #expect(todo["replacing"]?.arrayValue?.first?["reason"]?.stringValue == "departed \(Self.today)")
        let inherited = try #require(todo["certifications"]?.arrayValue)
        #expect(inherited.map { $0["itemId"]?.stringValue } == [item])
        #expect(inherited.first?["onBehalfOf"]?.stringValue == "T1")
        let text = try cli.ok(["todo"], as: "T3").stdout
        #expect(text.contains("代理 Acting as proxy") && text.contains("T1 林老師 — departed"))

        // The successor may read the student's portfolio to do the work (T2, away, may not).
        try cli.ok(["portfolio", item.components(separatedBy: "-")[0]], as: "T3")
        #expect(try cli(["portfolio", "S1"], as: "T2").status != 0)
        // T3 certifies without naming T1: the CLI finds whose duty it is.
        let done = try cli.ok(["certify", item], as: "T3")
        #expect(done.stdout.contains("on behalf of T1"))

        // The audit trail shows both the actor and the account acted for.
        let lines = try cli.ok(["audit", "--actor", "T1", "--type", "course-outcome.certified", "--json"], as: "A1").stdout
            .split(separator: "\n").map { try JSONValue.parse(String($0)) }
        #expect(lines.count == 1)
        #expect(lines.first?["actor"]?.stringValue == "T3" && lines.first?["onBehalfOf"]?.stringValue == "T1")
        let table = try cli.ok(["audit", "--actor", "T3"], as: "A1").stdout
        #expect(table.contains("代理 On behalf of") && table.contains("T1"))
        // Nothing is left for anyone.
        #expect(try cli.ok(["todo", "--json"], as: "T3").json()["certifications"]?.arrayValue?.isEmpty == true)
    }

    @Test func aProxyIsRefusedWhileTheTeacherIsInPost() throws {
        let (cli, item) = try schoolWithProxies()
        defer { cli.dir.remove() }
        let r = try cli(["certify", item], as: "T2")
        #expect(r.status == 1 && r.stderr.contains("does not teach course C1"))
        let named = try cli(["--on-behalf-of", "T1", "certify", item], as: "T2")
        #expect(named.status == 1 && named.stderr.contains("acts in person"))
        try cli.ok(["certify", item], as: "T1")
    }

    @Test func classOverviewShowsOutcomesAwaitingCertification() throws {
        let (cli, item) = try schoolWithProxies()
        defer { cli.dir.remove() }
        let j = try cli.ok(["class", "101", "--json"], as: "T1").json()
        #expect(j["students"]?.arrayValue?.first?["awaitingCertification"]?.arrayValue?.map(\.stringValue) == [item])
        #expect(try cli.ok(["class", "101"], as: "T1").stdout.contains("待認證 Awaiting cert."))
    }

    @Test func complianceReportWritesAnHTMLPageAndJSON() throws {
        let (cli, item) = try schoolWithProxies()
        defer { cli.dir.remove() }
        try cli.ok(["certify", item], as: "T1")
        let html = cli.dir.sub("report.html")
        let year = String(CLI.term.year.value)
        let r = try cli.ok(["report", "compliance", "--year", year, "--html", html], as: "A1")
        #expect(r.stdout.contains("HTML report written to"))
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.hasPrefix("<!DOCTYPE html>") && page.contains("基隆市立中山高級中學"))
        for id in ["chart-seats", "chart-meetings", "chart-trainings", "chart-certification", "chart-submissions"] { #expect(page.contains("id=\"\(id)\"")) }
        let j = try cli.ok(["report", "compliance", "--year", year, "--json"], as: "A1").json()
        #expect(j["certification"]?.arrayValue?.first { $0["teacher"]?.stringValue == "T1" }?["onTime"]?.intValue == 1)
        #expect(j["workingGroup"]?["seats"]?.intValue == 15)
        // A path that cannot be written is a clear storage error (exit 3).
        let bad = try cli(["report", "compliance", "--year", year, "--html", cli.dir.sub("no/such/dir/r.html")], as: "A1")
        #expect(bad.status == 3 && bad.stderr.contains("Cannot write the HTML report"))
        // A teacher may not read it; nothing is written for them.
        let denied = try cli(["report", "compliance", "--year", year, "--html", cli.dir.sub("t1.html")], as: "T1")
        #expect(denied.status != 0 && !FileManager.default.fileExists(atPath: cli.dir.sub("t1.html")))
    }
}

/// The HTML page: self-contained, escaped, with its charts.
@Suite struct ComplianceHTMLTests {
    static func shared(schoolName: String, teacherName: String) -> SharedState {
        var s = SharedState()
        var seq: UInt64 = 0
        let t0 = Taipei.parse("2024-09-02T09:00:00+08:00")!
        func apply(_ actor: String, _ body: EventBody) {
            seq += 1
            s.apply(Event(seq: seq, recordedAt: t0 + Int64(seq) * 1_000_000, actor: actor, body: body))
        }
        apply("A1", .storeInitialized(StoreInitialized(schoolCode: "1", schoolName: schoolName, adminId: "A1", adminName: "試務")))
        apply("A1", .staffRegistered(StaffRegistered(staffId: "T1", name: teacherName, roles: [.subjectTeacher])))
        apply("A1", .courseOffered(CourseOffered(courseId: "C1", term: Term(113, 1), name: "數學", teachers: ["T1"])))
        apply("A1", .workingGroupMemberSet(WorkingGroupMemberSet(members: [WorkingGroupMember(name: "<img src=x onerror=alert(1)>", position: "家長會代表")])))
        apply("A1", .trainingHeld(TrainingHeld(kind: .systemTraining, date: LocalDate("2024-10-02")!, audience: [.students], hosts: ["A1"], title: "</svg><script>x()</script>")))
        return s
    }

    @Test func everyStoredStringIsEscaped() {
        let s = Self.shared(schoolName: "<script>alert('x')</script> & 中山", teacherName: "王\"<u>老師")
        let page = ComplianceHTML.render(ComplianceReport(year: AcademicYear(113), shared: s), schoolName: s.store!.schoolName, asOfSeq: s.lastSeq, generatedAt: s.lastRecordedAt)
        #expect(!page.contains("<script") && !page.contains("<img") && !page.contains("<u>"))
        #expect(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; 中山"))
        #expect(page.contains("王&quot;&lt;u&gt;老師"))
        #expect(page.contains("&lt;/svg&gt;&lt;script&gt;x()&lt;/script&gt;"))
        #expect(ComplianceHTML.esc("a\u{01}b") == "a\u{FFFD}b")
    }

    @Test func thePageIsSelfContainedWithOneChartPerSection() {
        let s = Self.shared(schoolName: "中山高中", teacherName: "王老師")
        let page = ComplianceHTML.render(ComplianceReport(year: AcademicYear(113), shared: s), schoolName: "中山高中", asOfSeq: s.lastSeq, generatedAt: s.lastRecordedAt)
        // No scripts, no external resources: the only URL is the SVG namespace.
        let urls = page.components(separatedBy: "http").count - 1
        #expect(urls == page.components(separatedBy: "http://www.w3.org/2000/svg").count - 1)
        #expect(!page.contains("<script") && !page.contains("<link") && !page.contains("@import") && !page.contains("url("))
        #expect(page.components(separatedBy: "<svg").count - 1 == 7)  // seats, meetings, trainings, 2 timelines, certification, submissions
        #expect(page.contains("@media print"))
        // The gaps show as findings on the page.
        #expect(page.contains("no workshop training in academic year 113"))
        #expect(page.contains("no system-training training in academic year 113 was hosted by exam-section and career-counselor together"))
    }
}

extension ComplianceHTMLTests {
    @Test func aLargeSchoolsChartShowsFortyTeachersAndTheTableAll() {
        var s = Self.shared(schoolName: "中山高中", teacherName: "王老師")
        for i in 2...45 {
            let n = s.lastSeq + 1
            s.apply(Event(seq: n, recordedAt: s.lastRecordedAt + 1, actor: "A1", body: .staffRegistered(StaffRegistered(staffId: "T\(i)", name: "師\(i)", roles: [.subjectTeacher]))))
            s.apply(Event(seq: n + 1, recordedAt: s.lastRecordedAt + 1, actor: "A1", body: .courseOffered(CourseOffered(courseId: "C\(i)", term: Term(113, 1), name: "課", teachers: ["T\(i)"]))))
        }
        let page = ComplianceHTML.render(ComplianceReport(year: AcademicYear(113), shared: s), schoolName: "中山高中", asOfSeq: s.lastSeq, generatedAt: s.lastRecordedAt)
        #expect(page.contains("The chart shows 40 of 45 teachers"))
        let chart = page.components(separatedBy: "id=\"chart-certification\"")[1].components(separatedBy: "</svg>")[0]
        #expect(chart.components(separatedBy: "class=\"lbl\"").count - 1 == 40)
        #expect(page.contains("<td>T45 師45</td>"))
    }
}

/// The HTML page in a real browser: runs `Tools/render-check.sh` (headless Chromium's DOM and a
/// screenshot) when Chromium is installed. It never installs it, so `make test` stays fast and
/// offline; `make report-check` installs it and checks a generated year.
@Suite struct ComplianceHTMLRenderTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var chromium: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @Test(.enabled(if: chromium != nil, "skipped: Chromium is not installed (apt-get install chromium, or make report-check)"))
    func htmlReportRendersInHeadlessChromiumWhenInstalled() throws {
        let cli = try CLI.school()
        defer { cli.dir.remove() }
        let item = try cli.uploadOutcome()
        try cli.ok(["certify", item], as: "T1")
        let html = cli.dir.sub("report.html")
        try cli.ok(["report", "compliance", "--year", String(CLI.term.year.value), "--html", html], as: "A1")
        let script = Self.root.appendingPathComponent("Tools/render-check.sh").path
        let r = try run("/bin/bash", [script, html, cli.dir.sub("render")],
                        environment: ["PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": cli.dir.path, "LICHENG_NO_INSTALL": "1"])
        #expect(r.status == 0, "render check failed:\n\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("ok    DOM has chart #chart-trainings"))
        #expect(r.stdout.contains("ok    screenshot"))
        #expect(!r.stdout.contains("FAIL"))
    }
}
