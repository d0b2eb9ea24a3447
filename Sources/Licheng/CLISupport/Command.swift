/// A declarative description of one command in the command tree.
///
///     Command("add", abstract: "Add a staff member.",
///             arguments: [.required("id", help: "The staff ID.")],
///             options: [.value("name", help: "Full name.", required: true),
///                       .repeating("role", help: "A role.", required: true)],
///             run: { invocation in … })
public struct Command: Sendable {
    public typealias Handler = @Sendable (Invocation) throws -> ExitCode

    public var name: String
    public var abstract: String
    /// Extra paragraphs shown after OVERVIEW.
    public var discussion: String?
    public var arguments: [Argument]
    public var options: [Option]
    public var subcommands: [Command]
    public var handler: Handler?

    public init(
        _ name: String,
        abstract: String,
        discussion: String? = nil,
        arguments: [Argument] = [],
        options: [Option] = [],
        subcommands: [Command] = [],
        run handler: Handler? = nil
    ) {
        precondition(handler != nil || !subcommands.isEmpty,
                     "command '\(name)' needs a handler or subcommands")
        if let variadic = arguments.firstIndex(where: { $0.arity == .variadic }) {
            precondition(variadic == arguments.count - 1, "only the last argument may be variadic")
        }
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.arguments = arguments
        self.options = options
        self.subcommands = subcommands
        self.handler = handler
    }

    public func subcommand(named name: String) -> Command? {
        subcommands.first { $0.name == name }
    }
}

/// A positional argument.
public struct Argument: Sendable, Equatable {
    public enum Arity: Sendable, Equatable {
        case required
        case optional
        /// Zero or more (or one or more when `Argument.isRequired`), only as the last argument.
        case variadic
    }

    public var name: String
    public var help: String
    public var arity: Arity
    /// For `.variadic`: at least one value is needed.
    public var isRequired: Bool

    public init(_ name: String, help: String, arity: Arity = .required, isRequired: Bool? = nil) {
        self.name = name
        self.help = help
        self.arity = arity
        self.isRequired = isRequired ?? (arity == .required)
    }

    public static func required(_ name: String, help: String) -> Argument {
        Argument(name, help: help, arity: .required)
    }
    public static func optional(_ name: String, help: String) -> Argument {
        Argument(name, help: help, arity: .optional)
    }
    public static func variadic(_ name: String, help: String, atLeastOne: Bool = false) -> Argument {
        Argument(name, help: help, arity: .variadic, isRequired: atLeastOne)
    }

    /// `<id>`, `[<id>]`, `<file> ...`
    var usageLabel: String {
        switch arity {
        case .required: return "<\(name)>"
        case .optional: return "[<\(name)>]"
        case .variadic: return isRequired ? "<\(name)> ..." : "[<\(name)> ...]"
        }
    }
}

/// A named option: `--name <name>`, `--role <role>` (repeatable), or a flag `--json`.
public struct Option: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case flag
        case value
        case repeating
    }

    /// The long name without dashes: `name` for `--name`.
    public var name: String
    public var shortName: Character?
    public var help: String
    public var kind: Kind
    /// Shown in help and usage as `<valueName>`.
    public var valueName: String
    public var isRequired: Bool

    public init(
        _ name: String, short: Character? = nil, kind: Kind, valueName: String? = nil,
        help: String, required: Bool = false
    ) {
        precondition(!name.hasPrefix("-"), "give option names without dashes: '\(name)'")
        precondition(!(kind == .flag && required), "a flag cannot be required")
        self.name = name
        self.shortName = short
        self.kind = kind
        self.valueName = valueName ?? name
        self.help = help
        self.isRequired = required
    }

    public static func flag(_ name: String, short: Character? = nil, help: String) -> Option {
        Option(name, short: short, kind: .flag, help: help)
    }
    public static func value(
        _ name: String, short: Character? = nil, valueName: String? = nil, help: String,
        required: Bool = false
    ) -> Option {
        Option(name, short: short, kind: .value, valueName: valueName, help: help, required: required)
    }
    public static func repeating(
        _ name: String, short: Character? = nil, valueName: String? = nil, help: String,
        required: Bool = false
    ) -> Option {
        Option(name, short: short, kind: .repeating, valueName: valueName, help: help, required: required)
    }

    /// `--name`
    public var longFlag: String { "--" + name }

    /// `--name <name>` or `--json`
    var synopsis: String {
        kind == .flag ? longFlag : "\(longFlag) <\(valueName)>"
    }

    /// `-n, --name <name>`
    var helpLabel: String {
        if let shortName { return "-\(shortName), \(synopsis)" }
        return synopsis
    }

    /// As the option appears in the USAGE line.
    var usageLabel: String {
        switch (kind, isRequired) {
        case (.flag, _): return "[\(longFlag)]"
        case (.value, true): return synopsis
        case (.value, false): return "[\(synopsis)]"
        case (.repeating, true): return "\(synopsis) ..."
        case (.repeating, false): return "[\(synopsis) ...]"
        }
    }
}

/// What the parser found on the command line for one command.
public struct Invocation: Sendable {
    /// Command names from the root: `["licheng", "staff", "add"]`.
    public var commandPath: [String]
    /// Option values by long name (without dashes), in command-line order.
    public var optionValues: [String: [String]]
    /// Flags that were given, by long name.
    public var flags: Set<String>
    /// Positional argument values by argument name.
    public var argumentValues: [String: [String]]
    public var environment: [String: String]
    public var console: Console

    public init(
        commandPath: [String], optionValues: [String: [String]] = [:], flags: Set<String> = [],
        argumentValues: [String: [String]] = [:], environment: [String: String] = [:],
        console: Console
    ) {
        self.commandPath = commandPath
        self.optionValues = optionValues
        self.flags = flags
        self.argumentValues = argumentValues
        self.environment = environment
        self.console = console
    }

    /// The value of a single-value option (the last one if repeated), e.g. `value("name")`.
    public func value(_ option: String) -> String? { optionValues[Self.key(option)]?.last }
    /// All values of a repeatable option, in order.
    public func values(_ option: String) -> [String] { optionValues[Self.key(option)] ?? [] }
    public func flag(_ name: String) -> Bool { flags.contains(Self.key(name)) }
    /// A required or optional positional argument.
    public func argument(_ name: String) -> String? { argumentValues[name]?.first }
    /// All values of a variadic positional argument.
    public func arguments(_ name: String) -> [String] { argumentValues[name] ?? [] }

    /// The value of an option the handler needs even though the parser didn't require it
    /// (for example one of two alternatives).
    public func requiredValue(_ option: String) throws(UsageError) -> String {
        guard let value = value(option) else {
            throw UsageError(.missingOption("--" + Self.key(option)), commandPath: commandPath)
        }
        return value
    }

    private static func key(_ name: String) -> String {
        var name = Substring(name)
        while name.first == "-" { name = name.dropFirst() }
        return String(name)
    }
}
