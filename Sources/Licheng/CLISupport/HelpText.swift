/// Help and usage text in the style of swift-argument-parser.
extension CommandLineTool {
    static let helpIndent = 2
    static let helpColumn = 26
    static let lineWidth = 80

    /// The help for the command at `names` (from the root, e.g. `["licheng", "staff", "add"]`).
    /// `-h`, `--help` and `help <sub> …` all print this text.
    public func helpText(for names: [String]) -> String {
        let path = resolvedPath(names)
        let command = path.last!
        var sections: [String] = []

        var overview = "OVERVIEW: \(command.abstract)"
        if let discussion = command.discussion {
            overview += "\n\n" + DisplayWidth.wrap(discussion, width: Self.lineWidth).joined(separator: "\n")
        }
        sections.append(overview)
        sections.append(wrapUsage(prefix: "USAGE: ", path))

        if !command.arguments.isEmpty {
            sections.append("ARGUMENTS:\n" + command.arguments.map {
                Self.helpEntry(label: $0.arity == .variadic ? "<\($0.name)> ..." : "<\($0.name)>",
                               help: $0.help)
            }.joined())
        }

        let options = command.options + globalOptions + [Self.helpOption]
        sections.append("OPTIONS:\n" + options.map { Self.helpEntry(label: $0.helpLabel, help: $0.help) }.joined())

        if !command.subcommands.isEmpty {
            let commandNames = path.map(\.name)
            var subcommandsSection = "SUBCOMMANDS:\n" + command.subcommands.map {
                Self.helpEntry(label: $0.name, help: $0.abstract)
            }.joined()
            let helpPath = ([commandNames[0], "help"] + commandNames.dropFirst()).joined(separator: " ")
            subcommandsSection += "\n  See '\(helpPath) <subcommand>' for detailed help."
            sections.append(subcommandsSection)
        }
        return sections.map { $0.hasSuffix("\n") ? $0 : $0 + "\n" }.joined(separator: "\n")
    }

    /// `licheng staff add <id> --name <name> --role <role> ... [--json]`, without the prefix.
    /// Global options are listed under OPTIONS but left out of the usage line.
    public func usageLine(for names: [String]) -> String {
        usageLine(for: resolvedPath(names))
    }

    func usageLine(for path: [Command]) -> String {
        usageUnits(for: path).joined(separator: " ")
    }

    func usageUnits(for path: [Command]) -> [String] {
        let command = path.last!
        var units = [path.map(\.name).joined(separator: " ")]
        if !command.subcommands.isEmpty {
            units.append(command.handler == nil ? "<subcommand>" : "[<subcommand>]")
        }
        units += command.arguments.map(\.usageLabel)
        units += command.options.map(\.usageLabel)
        return units
    }

    /// `prefix` + usage units, wrapped at 80 columns between units, continuation lines indented.
    func wrapUsage(prefix: String, _ path: [Command]) -> String {
        let indent = String(repeating: " ", count: prefix.count)
        var lines: [String] = []
        var line = prefix
        var lineHasUnit = false
        for unit in usageUnits(for: path) {
            if lineHasUnit && DisplayWidth.of(line) + 1 + DisplayWidth.of(unit) > Self.lineWidth {
                lines.append(line)
                line = indent + unit
            } else {
                line += (lineHasUnit ? " " : "") + unit
            }
            lineHasUnit = true
        }
        lines.append(line)
        return lines.joined(separator: "\n")
    }

    /// `  label                   help text, wrapped at column 80`
    static func helpEntry(label: String, help: String) -> String {
        let indent = String(repeating: " ", count: helpIndent)
        let hanging = String(repeating: " ", count: helpColumn)
        let helpLines = DisplayWidth.wrap(help, width: lineWidth - helpColumn)
        var text = indent + label
        let labelEnd = helpIndent + DisplayWidth.of(label)
        if labelEnd + 2 > helpColumn {
            text += "\n" + hanging
        } else {
            text += String(repeating: " ", count: helpColumn - labelEnd)
        }
        text += helpLines.joined(separator: "\n" + hanging)
        // Lines that end in padding when help is empty are trimmed.
        while text.hasSuffix(" ") { text.removeLast() }
        return text + "\n"
    }
}
