import Foundation
import Testing
import LichengDomain
import TestSupport

/// Runs the built `licheng` executable against a store of its own, as a user would.
struct CLI {
    let dir = TemporaryDirectory("cli")
    var store: String { dir.sub("store") }

    /// `.build/<triple>/debug/licheng`, next to the test bundle.
    static let binary: String = {
        let candidates = [
            URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent().appendingPathComponent("licheng").path,
            Bundle.main.bundleURL.appendingPathComponent("licheng").path,
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("licheng").path,
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent(".build/debug/licheng").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// The standard output parsed as one JSON document.
        func json() throws -> JSONValue { try JSONValue.parse(stdout.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// `licheng --store <store> [--as actor] args…` with a clean environment.
    @discardableResult
    func callAsFunction(_ args: [String], as actor: String? = nil, store: String? = nil, input: Data? = nil) throws -> Result {
        let full = ["--store", store ?? self.store] + (actor.map { ["--as", $0] } ?? []) + args
        let r = try run(Self.binary, full, environment: ["PATH": "/usr/bin:/bin", "HOME": dir.path], input: input)
        return Result(status: r.status, stdout: r.stdout, stderr: r.stderr)
    }

    /// Runs and expects success.
    @discardableResult
    func ok(_ args: [String], as actor: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> Result {
        let r = try self(args, as: actor)
        #expect(r.status == 0, "licheng \(args.joined(separator: " ")) failed: \(r.stderr)", sourceLocation: sourceLocation)
        return r
    }

    func lastSeq() throws -> Int64 {
        try #require(try ok(["log", "stats", "--json"]).json()["lastSeq"]?.intValue)
    }

    func write(_ name: String, _ text: String) -> String {
        let path = dir.sub(name)
        #expect(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)), "could not write \(path)")
        return path
    }

    static var nowMicros: Timestamp { Timestamp(Date().timeIntervalSince1970 * 1_000_000) }
    static var term: Term { Term.containing(nowMicros) }

    /// A school with an admin A1 (exam-section), a director D1, teachers T1 (teaches C1, homeroom of
    /// 101) and T2, a student S1 in class 101 and every window of the current term open
    /// from yesterday for 30 days.
    static func school() throws -> CLI {
        let cli = CLI()
        let term = Self.term.description
        try cli.ok(["init", "--school-code", "173301", "--school-name", "基隆市立中山高級中學", "--admin", "A1", "--admin-name", "教務處試務組"])
        try cli.ok(["staff", "add", "D1", "--name", "教務主任", "--role", "academic-director"], as: "A1")
        try cli.ok(["staff", "add", "T1", "--name", "林老師", "--role", "subject-teacher", "--role", "homeroom-teacher", "--homeroom-class", "101"], as: "A1")
        try cli.ok(["staff", "add", "T2", "--name", "陳老師", "--role", "subject-teacher"], as: "A1")
        try cli.ok(["student", "enroll", "S1", "--name", "王小明", "--class", "101", "--admitted", "2025-08-01"], as: "A1")
        try cli.ok(["course", "add", "C1", "--term", term, "--name", "國語文", "--teacher", "T1", "--class", "101"], as: "A1")
        let opens = Taipei.format(nowMicros - Taipei.microsPerDay)
        let closes = Taipei.format(nowMicros + 30 * Taipei.microsPerDay)
        for kind in WindowKind.allCases {
            try cli.ok(["window", "set", term, kind.rawValue, "--opens", opens, "--closes", closes, "--self-check", closes], as: "D1")
        }
        return cli
    }

    /// Uploads a course outcome of S1 in C1 with a small PDF; returns its item ID.
    func uploadOutcome(title: String = "閱讀心得") throws -> String {
        let file = write("report-\(UUID().uuidString).pdf", "%PDF-1.4 test")
        let r = try ok(["upload", "course-outcome", "--student", "S1", "--term", Self.term.description, "--course", "C1",
                        "--title", title, "--description", "期末報告", "--file", file, "--json"], as: "S1")
        return try #require(try r.json()["itemId"]?.stringValue)
    }
}
