import Testing
@testable import Licheng

/// A small tree shaped like the real `licheng` commands.
func sampleTool() -> CommandLineTool {
    let ok: Command.Handler = { _ in .success }
    let staff = Command(
        "staff", abstract: "Manage staff members.",
        subcommands: [
            Command("add", abstract: "Add a staff member.",
                    arguments: [.required("id", help: "The staff ID.")],
                    options: [
                        .value("name", valueName: "name", help: "The staff member's full name.", required: true),
                        .repeating("role", help: "A role the staff member holds; repeat for several.", required: true),
                    ],
                    run: ok),
            Command("depart", abstract: "Record that a staff member leaves.",
                    arguments: [.required("id", help: "The staff ID.")],
                    options: [.value("effective", valueName: "date", help: "The last working day.", required: true)],
                    run: ok),
        ])
    let upload = Command(
        "upload", abstract: "Upload a learning item.",
        subcommands: [
            Command("course-outcome", abstract: "Upload a course outcome (課程學習成果).",
                    options: [
                        .value("student", help: "The student ID.", required: true),
                        .value("term", help: "The term, e.g. 115-1.", required: true),
                        .repeating("file", valueName: "path", help: "A file to attach."),
                    ],
                    run: ok),
        ])
    let certify = Command(
        "certify", abstract: "Certify an uploaded item.",
        arguments: [.required("item", help: "The item ID.")],
        options: [.flag("return", help: "Return the item to the student instead."),
                  .value("reason", help: "Why the item is returned.")],
        run: ok)
    let append = Command(
        "append", abstract: "Append event documents from files.",
        arguments: [.variadic("files", help: "JSON Lines files, or - for standard input.", atLeastOne: true)],
        run: ok)
    let portfolio = Command(
        "portfolio", abstract: "Show a student's portfolio.",
        arguments: [.required("student", help: "The student ID."), .optional("kind", help: "Only this kind.")],
        run: ok)
    return CommandLineTool(
        root: Command("licheng", abstract: "Record, replay and verify student learning portfolios.",
                      subcommands: [staff, upload, certify, append, portfolio]),
        globalOptions: [
            .value("store", valueName: "dir", help: "The store directory (default: $LICHENG_STORE or ./licheng-store)."),
            .value("as", valueName: "actor", help: "Who is acting (default: $LICHENG_ACTOR)."),
            .flag("json", help: "Print JSON instead of text."),
        ])
}

func parseInvocation(_ arguments: [String]) throws -> Invocation {
    let (console, _) = Console.capturing()
    guard case .invocation(let invocation, _) = try sampleTool().parse(arguments, console: console) else {
        Issue.record("expected an invocation for \(arguments)")
        throw UsageError(.other("no invocation"))
    }
    return invocation
}

func usageError(_ arguments: [String]) -> UsageError? {
    do {
        _ = try sampleTool().parse(arguments)
        return nil
    } catch {
        return error
    }
}

/// Runs the sample tool and returns (exit code, stdout, stderr).
func runTool(_ arguments: [String]) -> (ExitCode, String, String) {
    let (console, captured) = Console.capturing()
    let code = sampleTool().run(arguments: arguments, environment: [:], console: console)
    return (code, captured.output, captured.error)
}

@Suite struct ArgumentParsingTests {
    @Test func staffAddWithRepeatedRoles() throws {
        let invocation = try parseInvocation(["staff", "add", "T001", "--name", "王大明", "--role", "teacher", "--role=mentor"])
        #expect(invocation.commandPath == ["licheng", "staff", "add"])
        #expect(invocation.argument("id") == "T001")
        #expect(invocation.value("name") == "王大明")
        #expect(invocation.values("--role") == ["teacher", "mentor"])
    }

    @Test func globalOptionsMayAppearAnywhere() throws {
        let invocation = try parseInvocation(["--store", "/s", "staff", "--json", "add", "--as=A01", "T001", "--name", "N", "--role", "r"])
        #expect(invocation.value("store") == "/s")
        #expect(invocation.value("as") == "A01")
        #expect(invocation.flag("json"))
        #expect(!invocation.flag("return"))
    }

    @Test func doubleDashEndsOptions() throws {
        let invocation = try parseInvocation(["certify", "--", "--odd-item-id"])
        #expect(invocation.argument("item") == "--odd-item-id")
    }

    @Test func flagAndOptionalValue() throws {
        let invocation = try parseInvocation(["certify", "I9", "--return", "--reason", "blurry scan"])
        #expect(invocation.flag("return"))
        #expect(invocation.value("reason") == "blurry scan")
    }

    @Test func variadicArgumentsAndStandardInput() throws {
        let invocation = try parseInvocation(["append", "a.jsonl", "-", "b.jsonl"])
        #expect(invocation.arguments("files") == ["a.jsonl", "-", "b.jsonl"])
    }

    @Test func optionalArgumentMayBeOmitted() throws {
        let invocation = try parseInvocation(["portfolio", "S1"])
        #expect(invocation.argument("student") == "S1")
        #expect(invocation.argument("kind") == nil)
    }

    @Test func negativeNumberIsAValueNotAnOption() throws {
        let invocation = try parseInvocation(["certify", "I1", "--reason", "-3"])
        #expect(invocation.value("reason") == "-3")
    }

    @Test func environmentFallback() throws {
        var invocation = try parseInvocation(["certify", "I1"])
        invocation.environment = ["LICHENG_STORE": "/env/store"]
        #expect(invocation.value("store", orEnvironment: "LICHENG_STORE") == "/env/store")
    }

    @Test(arguments: [
        (["certify", "I1", "--foo"], "Unknown option '--foo'"),
        (["certify", "I1", "--reasn", "x"], "Unknown option '--reasn'. Did you mean '--reason'?"),
        (["certify", "I1", "--reason"], "Missing value for '--reason <reason>'"),
        (["certify", "I1", "--reason", "--json"], "Missing value for '--reason <reason>'"),
        (["certify", "I1", "--json=yes"], "Option '--json' does not take a value"),
        (["certify", "I1", "--reason", "a", "--reason", "b"], "Option '--reason' was given more than once"),
        (["certify"], "Missing expected argument '<item>'"),
        (["certify", "I1", "I2"], "Unexpected argument 'I2'"),
        (["staff", "add", "T1", "--role", "r"], "Missing expected argument '--name <name>'"),
        (["stuff", "add"], "Unknown subcommand 'stuff'. Did you mean 'staff'?"),
        (["frobnicate"], "Unknown subcommand 'frobnicate'"),
        (["staff"], "Missing subcommand; choose one of: add, depart"),
        (["append"], "Missing expected argument '<files>'"),
    ])
    func usageErrorMessages(arguments: [String], message: String) {
        #expect(usageError(arguments)?.description == message)
    }

    @Test func usageErrorIsPrintedWithUsageAndExitCode2() {
        let (code, output, error) = runTool(["upload", "course-outcome", "--foo"])
        #expect(code == .usageError)
        #expect(output == "")
        #expect(error == """
            Error: Unknown option '--foo'
            Usage: licheng upload course-outcome --student <student> --term <term>
                   [--file <path> ...]
            See 'licheng upload course-outcome --help' for more information.

            """)
    }

    @Test func handlerUsageErrorUsesTheCommandsUsage() {
        let tool = CommandLineTool(root: Command(
            "licheng", abstract: "Test.",
            subcommands: [Command("submit", abstract: "Submit.",
                                  options: [.value("year", help: "School year.")],
                                  run: { invocation in
                                      let year = try invocation.requiredValue("year")
                                      throw UsageError(.invalidValue(year, for: "--year <year>", reason: "not a number"))
                                  })]))
        let (console, captured) = Console.capturing()
        #expect(tool.run(arguments: ["submit", "--year", "x"], console: console) == .usageError)
        #expect(captured.error == """
            Error: Invalid value 'x' for '--year <year>': not a number
            Usage: licheng submit [--year <year>]
            See 'licheng submit --help' for more information.

            """)
    }

    struct RuleBroken: Error, ExitCodeProviding, CustomStringConvertible {
        var exitCode: ExitCode { .rejected }
        var description: String { "The upload window for 115-1 closed on 2026-07-31." }
    }

    @Test func handlerErrorsMapToExitCodes() {
        let tool = CommandLineTool(root: Command(
            "licheng", abstract: "Test.",
            subcommands: [Command("upload", abstract: "Upload.", run: { _ in throw RuleBroken() })]))
        let (console, captured) = Console.capturing()
        #expect(tool.run(arguments: ["upload"], console: console) == .rejected)
        #expect(captured.error == "Error: The upload window for 115-1 closed on 2026-07-31.\n")
    }

    @Test func handlerReceivesInvocationAndItsCodeIsReturned() {
        let tool = CommandLineTool(root: Command(
            "licheng", abstract: "Test.",
            subcommands: [Command("hello", abstract: "Greet.",
                                  arguments: [.required("who", help: "Who.")],
                                  run: { invocation in
                                      invocation.console.print("你好 \(invocation.argument("who")!)")
                                      return .success
                                  })]))
        let (console, captured) = Console.capturing()
        #expect(tool.run(arguments: ["hello", "世界"], console: console) == .success)
        #expect(captured.output == "你好 世界\n")
    }

    @Test func exitCodeValues() {
        #expect(ExitCode.success.rawValue == 0)
        #expect(ExitCode.rejected.rawValue == 1)
        #expect(ExitCode.usageError.rawValue == 2)
        #expect(ExitCode.storageFailure.rawValue == 3)
    }
}

@Suite struct InvocationValueTests {
    func invocation(_ values: [String: [String]]) -> Invocation {
        let (console, _) = Console.capturing()
        return Invocation(commandPath: ["licheng", "policy", "set"], optionValues: values, console: console)
    }

    @Test func integersAreCheckedAndNamed() throws {
        #expect(try invocation(["retention-years": ["5"]]).integer("retention-years", in: 1...30) == 5)
        #expect(try invocation([:]).integer("retention-years") == nil)
        #expect(throws: UsageError(.invalidValue("five", for: "--retention-years", reason: "expected a whole number"),
                                   commandPath: ["licheng", "policy", "set"])) {
            try invocation(["retention-years": ["five"]]).integer("retention-years")
        }
        #expect(throws: UsageError(.invalidValue("99", for: "--retention-years", reason: "expected 1…30"),
                                   commandPath: ["licheng", "policy", "set"])) {
            try invocation(["retention-years": ["99"]]).integer("--retention-years", in: 1...30)
        }
    }

    @Test func commaListsAcrossOccurrences() {
        #expect(invocation(["proxies": ["A, B,,", " C"]]).list("proxies") == ["A", "B", "C"])
    }
}
