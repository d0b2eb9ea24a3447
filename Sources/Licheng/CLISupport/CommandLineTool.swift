#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A command tree plus options accepted anywhere on the line; parses and dispatches.
public struct CommandLineTool: Sendable {
    public var root: Command
    /// Options valid before or after any subcommand (`--store`, `--as`, `--json`).
    public var globalOptions: [Option]

    public static let helpOption = Option.flag("help", short: "h", help: "Show help information.")

    public init(root: Command, globalOptions: [Option] = []) {
        self.root = root
        self.globalOptions = globalOptions
    }

    public enum ParseResult: Sendable {
        case invocation(Invocation, Command)
        /// `-h`, `--help` or `help <sub> …`: show help for this command path.
        case help(commandPath: [String])
    }

    // MARK: Dispatch

    /// Parses `arguments` (without the program name), runs the chosen command and returns the
    /// exit code. Help goes to standard output; errors to standard error.
    public func run(
        arguments: [String], environment: [String: String] = processEnvironment(),
        console: Console = .standard
    ) -> ExitCode {
        let invocation: Invocation
        let command: Command
        do {
            switch try parse(arguments, environment: environment, console: console) {
            case .help(let path):
                console.writeOutput(helpText(for: path))
                return .success
            case .invocation(let parsedInvocation, let parsedCommand):
                invocation = parsedInvocation
                command = parsedCommand
            }
        } catch {
            console.writeError(usageErrorText(error))
            return .usageError
        }
        guard let handler = command.handler else { return .usageError }  // parse() prevents this
        do {
            return try handler(invocation)
        } catch var error as UsageError {
            if error.commandPath.isEmpty { error.commandPath = invocation.commandPath }
            console.writeError(usageErrorText(error))
            return .usageError
        } catch let error as any ExitCodeProviding {
            console.printError("Error: \(error)")
            return error.exitCode
        } catch {
            console.printError("Error: \(error)")
            return .storageFailure
        }
    }

    /// `run` with the process's arguments, then `exit`.
    public func main() -> Never {
        let code = run(arguments: Array(CommandLine.arguments.dropFirst()))
        exit(code.rawValue)
    }

    /// `Error: …`, `Usage: …`, `See '… --help' for more information.`, each on its own line.
    public func usageErrorText(_ error: UsageError) -> String {
        let path = resolvedPath(error.commandPath)
        let names = path.map(\.name).joined(separator: " ")
        return "Error: \(error)\n"
            + wrapUsage(prefix: "Usage: ", path) + "\n"
            + "See '\(names) --help' for more information.\n"
    }

    // MARK: Parsing

    public func parse(
        _ arguments: [String], environment: [String: String] = [:], console: Console = .standard
    ) throws(UsageError) -> ParseResult {
        var path: [Command] = [root]
        var optionValues: [String: [String]] = [:]
        var flags: Set<String> = []
        var positionals: [String] = []
        var optionsEnded = false
        var helpRequested = false
        var helpWordSeen = false
        let helpAnywhere = arguments.prefix { $0 != "--" }.contains { $0 == "-h" || $0 == "--help" }
        var names: [String] { path.map(\.name) }

        // Errors other than an unknown subcommand give way to a help request anywhere on the line.
        func fail(_ kind: UsageError.Kind) throws(UsageError) -> Never {
            throw UsageError(kind, commandPath: names)
        }

        var index = 0
        parsing: while index < arguments.count {
            let token = arguments[index]
            index += 1

            if !optionsEnded && token == "--" {
                optionsEnded = true
                continue
            }
            if !optionsEnded && Self.looksLikeOption(token) {
                if token == "-h" || token == "--help" {
                    helpRequested = true
                    continue
                }
                let candidates = path.last!.options + globalOptions
                let (spelled, attached) = Self.splitAttachedValue(token)
                guard let option = Self.find(spelled, in: candidates) else {
                    if helpAnywhere { break parsing }
                    let suggestion = closestMatch(
                        to: String(spelled.drop { $0 == "-" }), among: candidates.map(\.name)
                    ).map { "--" + $0 }
                    try fail(.unknownOption(spelled, suggestion: suggestion))
                }
                switch option.kind {
                case .flag:
                    if attached != nil {
                        if helpAnywhere { break parsing }
                        try fail(.unexpectedValue(option: option.longFlag))
                    }
                    flags.insert(option.name)
                case .value, .repeating:
                    var value = attached
                    if value == nil, index < arguments.count, !Self.startsNextOption(arguments[index]) {
                        value = arguments[index]
                        index += 1
                    }
                    guard let value else {
                        if helpAnywhere { break parsing }
                        try fail(.missingValue(option.synopsis))
                    }
                    if option.kind == .value, optionValues[option.name] != nil {
                        if helpAnywhere { break parsing }
                        try fail(.duplicateOption(option.longFlag))
                    }
                    optionValues[option.name, default: []].append(value)
                }
                continue
            }

            // A positional token: a subcommand name while the current command has subcommands.
            let current = path.last!
            if !current.subcommands.isEmpty && positionals.isEmpty {
                if let next = current.subcommand(named: token) {
                    path.append(next)
                    continue
                }
                if token == "help" && !helpWordSeen && !optionsEnded {
                    helpWordSeen = true
                    helpRequested = true
                    continue
                }
                if current.handler == nil {
                    let suggestion = closestMatch(to: token, among: current.subcommands.map(\.name))
                    try fail(.unknownSubcommand(token, suggestion: suggestion))
                }
            }
            if helpWordSeen {
                // `help staff add extra`: nothing more to resolve.
                break parsing
            }
            positionals.append(token)
        }

        if helpRequested || helpAnywhere {
            return .help(commandPath: names)
        }

        let command = path.last!
        if command.handler == nil {
            try fail(.missingSubcommand(choices: command.subcommands.map(\.name)))
        }

        var argumentValues: [String: [String]] = [:]
        var remaining = positionals[...]
        for argument in command.arguments {
            switch argument.arity {
            case .required:
                guard let value = remaining.popFirst() else { try fail(.missingArgument(argument.usageLabel)) }
                argumentValues[argument.name] = [value]
            case .optional:
                if let value = remaining.popFirst() { argumentValues[argument.name] = [value] }
            case .variadic:
                if argument.isRequired && remaining.isEmpty {
                    try fail(.missingArgument("<\(argument.name)>"))
                }
                argumentValues[argument.name] = Array(remaining)
                remaining = []
            }
        }
        if let extra = remaining.first {
            try fail(.unexpectedArgument(extra))
        }
        for option in command.options + globalOptions where option.isRequired {
            if optionValues[option.name] == nil { try fail(.missingOption(option.synopsis)) }
        }

        let invocation = Invocation(
            commandPath: names, optionValues: optionValues, flags: flags,
            argumentValues: argumentValues, environment: environment, console: console)
        return .invocation(invocation, command)
    }

    /// `-x`, `--xyz`, but not `-` (standard input) or a negative number.
    static func looksLikeOption(_ token: String) -> Bool {
        guard token.hasPrefix("-"), token.count > 1 else { return false }
        return !isNegativeNumber(token)
    }

    /// Whether `token`, following a value option, is another option rather than its value.
    static func startsNextOption(_ token: String) -> Bool {
        token == "--" || looksLikeOption(token)
    }

    static func isNegativeNumber(_ token: String) -> Bool {
        let digits = token.dropFirst()
        return !digits.isEmpty && digits.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") }
            && digits.first!.isNumber
    }

    /// `--name=N` → (`--name`, `N`); `--name` → (`--name`, nil).
    static func splitAttachedValue(_ token: String) -> (String, String?) {
        guard token.hasPrefix("--"), let equals = token.firstIndex(of: "=") else { return (token, nil) }
        return (String(token[..<equals]), String(token[token.index(after: equals)...]))
    }

    static func find(_ spelled: String, in options: [Option]) -> Option? {
        if spelled.hasPrefix("--") {
            let name = spelled.dropFirst(2)
            return options.first { $0.name == name }
        }
        guard spelled.count == 2, let short = spelled.last else { return nil }
        return options.first { $0.shortName == short }
    }

    /// The commands named by `names`, from the root, stopping at the first unknown name.
    func resolvedPath(_ names: [String]) -> [Command] {
        var path = [root]
        for name in names.dropFirst() {
            guard let next = path.last!.subcommand(named: name) else { break }
            path.append(next)
        }
        return path
    }
}

/// The process environment as a dictionary.
public func processEnvironment() -> [String: String] {
    var result: [String: String] = [:]
    var pointer = environ
    while let entry = pointer.pointee {
        let pair = String(cString: entry)
        if let equals = pair.firstIndex(of: "=") {
            result[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        pointer += 1
    }
    return result
}

extension Invocation {
    /// An option's value, else a non-empty environment variable: `--store` or `$LICHENG_STORE`.
    public func value(_ option: String, orEnvironment variable: String) -> String? {
        if let value = value(option) { return value }
        if let value = environment[variable], !value.isEmpty { return value }
        return nil
    }
}

extension Invocation {
    /// An option's value as a whole number, or nil when absent; a usage error names the option
    /// when the value is not a number or outside `range`.
    public func integer(_ option: String, in range: ClosedRange<Int>? = nil) throws(UsageError) -> Int? {
        guard let text = value(option) else { return nil }
        let flag = "--" + option.drop { $0 == "-" }
        guard let number = Int(text) else {
            throw UsageError(.invalidValue(text, for: flag, reason: "expected a whole number"), commandPath: commandPath)
        }
        if let range, !range.contains(number) {
            throw UsageError(.invalidValue(text, for: flag, reason: "expected \(range.lowerBound)…\(range.upperBound)"),
                             commandPath: commandPath)
        }
        return number
    }

    /// Comma-separated values across all occurrences of an option, trimmed, blanks dropped:
    /// `--proxies A,B --proxies C` → `["A", "B", "C"]`.
    public func list(_ option: String) -> [String] {
        values(option).flatMap { $0.split(separator: ",") }
            .map { $0.trimmingSpaces() }
            .filter { !$0.isEmpty }
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
