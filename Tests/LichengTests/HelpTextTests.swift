import Testing
@testable import Licheng

@Suite struct HelpTextTests {
    @Test func rootHelp() {
        let (code, output, error) = runTool(["--help"])
        #expect(code == .success)
        #expect(error == "")
        #expect(output == """
            OVERVIEW: Record, replay and verify student learning portfolios.

            USAGE: licheng <subcommand>

            OPTIONS:
              --store <dir>           The store directory (default: $LICHENG_STORE or
                                      ./licheng-store).
              --as <actor>            Who is acting (default: $LICHENG_ACTOR).
              --json                  Print JSON instead of text.
              -h, --help              Show help information.

            SUBCOMMANDS:
              staff                   Manage staff members.
              upload                  Upload a learning item.
              certify                 Certify an uploaded item.
              append                  Append event documents from files.
              portfolio               Show a student's portfolio.

              See 'licheng help <subcommand>' for detailed help.

            """)
    }

    @Test func leafHelp() {
        let (code, output, _) = runTool(["staff", "add", "-h"])
        #expect(code == .success)
        #expect(output == """
            OVERVIEW: Add a staff member.

            USAGE: licheng staff add <id> --name <name> --role <role> ...

            ARGUMENTS:
              <id>                    The staff ID.

            OPTIONS:
              --name <name>           The staff member's full name.
              --role <role>           A role the staff member holds; repeat for several.
              --store <dir>           The store directory (default: $LICHENG_STORE or
                                      ./licheng-store).
              --as <actor>            Who is acting (default: $LICHENG_ACTOR).
              --json                  Print JSON instead of text.
              -h, --help              Show help information.

            """)
    }

    @Test(arguments: [
        ["staff", "add", "--help"],
        ["staff", "add", "-h"],
        ["help", "staff", "add"],
        ["staff", "help", "add"],
        ["--help", "staff", "add"],
        ["staff", "add", "--bogus", "--help"],
        ["--store", "x", "help", "staff", "add"],
    ])
    func everyHelpSpellingPrintsTheSameText(arguments: [String]) {
        let (code, output, error) = runTool(arguments)
        #expect(code == .success)
        #expect(error == "")
        #expect(output == sampleTool().helpText(for: ["licheng", "staff", "add"]))
    }

    @Test func groupHelpPointsToHelpSubcommand() {
        let (_, output, _) = runTool(["help", "staff"])
        #expect(output.hasPrefix("OVERVIEW: Manage staff members.\n\nUSAGE: licheng staff <subcommand>\n"))
        #expect(output.hasSuffix("""
            SUBCOMMANDS:
              add                     Add a staff member.
              depart                  Record that a staff member leaves.

              See 'licheng help staff <subcommand>' for detailed help.

            """))
    }

    @Test func helpForUnknownSubcommandIsAUsageError() {
        let (code, _, error) = runTool(["help", "stuff"])
        #expect(code == .usageError)
        #expect(error.hasPrefix("Error: Unknown subcommand 'stuff'. Did you mean 'staff'?\nUsage: licheng <subcommand>\n"))
    }

    @Test func longLabelsMoveHelpToTheNextLineAndVariadicsShowEllipsis() {
        let tool = CommandLineTool(root: Command(
            "licheng", abstract: "Test.",
            subcommands: [Command(
                "policy", abstract: "Set policy.",
                arguments: [.variadic("files", help: "Files.")],
                options: [.value("course-outcome-selections", valueName: "n", help: "How many course outcomes a student may select for submission each year.")],
                run: { _ in .success })]))
        #expect(tool.helpText(for: ["licheng", "policy"]) == """
            OVERVIEW: Set policy.

            USAGE: licheng policy [<files> ...] [--course-outcome-selections <n>]

            ARGUMENTS:
              <files> ...             Files.

            OPTIONS:
              --course-outcome-selections <n>
                                      How many course outcomes a student may select for
                                      submission each year.
              -h, --help              Show help information.

            """)
    }

    @Test func chineseHelpWrapsByDisplayWidth() {
        let lines = DisplayWidth.wrap("學生學習歷程檔案作業補充規定與高級中等學校學生學習歷程檔案作業要點", width: 20)
        #expect(lines.allSatisfy { DisplayWidth.of($0) <= 20 })
        #expect(lines.joined() == "學生學習歷程檔案作業補充規定與高級中等學校學生學習歷程檔案作業要點")
        #expect(DisplayWidth.of(lines[0]) == 20)
    }
}
