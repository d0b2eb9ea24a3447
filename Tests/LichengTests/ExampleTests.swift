import Testing
import LichengDomain
import Licheng

/// The example from the hand-over report, kept compiling.
@Suite struct ExampleTests {
    @Test func defineAndDispatch() {
        let tool = CommandLineTool(
            root: Command("licheng", abstract: "Record, replay and verify student learning portfolios.", subcommands: [
                Command("staff", abstract: "Manage staff members.", subcommands: [
                    Command("add", abstract: "Add a staff member.",
                            arguments: [.required("id", help: "The staff ID.")],
                            options: [.value("name", help: "Full name.", required: true),
                                      .repeating("role", help: "A role; repeat for several.", required: true)],
                            run: { inv in
                                if inv.flag("json") { inv.console.printJSON(.object(JSONObject(["staffId": .string(inv.argument("id")!), "seq": .int(7)]))) }
                                else { inv.console.print("Added \(inv.argument("id")!) (\(inv.values("role").joined(separator: ", ")))") }
                                return .success
                            }),
                ]),
            ]),
            globalOptions: [.value("store", valueName: "dir", help: "The store directory."),
                            .flag("json", help: "Print JSON.")])
        // In main.swift: tool.main()
        let (console, captured) = Console.capturing()
        #expect(tool.run(arguments: ["staff", "add", "T01", "--name", "林老師", "--role", "teacher", "--role=mentor"],
                         console: console) == .success)
        #expect(tool.run(arguments: ["--json", "staff", "add", "T02", "--name=N", "--role", "r"], console: console) == .success)
        #expect(captured.output == "Added T01 (teacher, mentor)\n{\"staffId\":\"T02\",\"seq\":7}\n")
    }
}
