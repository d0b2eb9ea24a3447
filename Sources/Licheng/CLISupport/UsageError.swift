/// A mistake on the command line. The tool prints `Error: <description>`, the usage line and a
/// pointer to `--help`, and exits with `ExitCode.usageError` (2).
public struct UsageError: Error, Equatable, Sendable, CustomStringConvertible, ExitCodeProviding {
    public enum Kind: Equatable, Sendable {
        /// `--foo`; `suggestion` is a close known option such as `--name`.
        case unknownOption(String, suggestion: String?)
        /// An option that needs a value was last, or followed by another option.
        case missingValue(String)
        /// A flag was given a value: `--json=yes`.
        case unexpectedValue(option: String)
        /// A single-value option was given twice.
        case duplicateOption(String)
        /// A required option is absent; carries its synopsis, `--name <name>`.
        case missingOption(String)
        /// A required positional argument is absent; carries `<id>`.
        case missingArgument(String)
        /// More positional arguments than the command takes.
        case unexpectedArgument(String)
        case unknownSubcommand(String, suggestion: String?)
        /// A command group was called without one of its subcommands.
        case missingSubcommand(choices: [String])
        /// A handler found a value it cannot use: `--year abc`.
        case invalidValue(String, for: String, reason: String)
        /// Any other usage message, written as a sentence.
        case other(String)
    }

    public var kind: Kind
    /// Command names from the root, to print the right usage line.
    public var commandPath: [String]

    public init(_ kind: Kind, commandPath: [String] = []) {
        self.kind = kind
        self.commandPath = commandPath
    }

    public var exitCode: ExitCode { .usageError }

    public var description: String {
        switch kind {
        case .unknownOption(let option, let suggestion):
            return "Unknown option '\(option)'" + didYouMean(suggestion)
        case .missingValue(let option):
            return "Missing value for '\(option)'"
        case .unexpectedValue(let option):
            return "Option '\(option)' does not take a value"
        case .duplicateOption(let option):
            return "Option '\(option)' was given more than once"
        case .missingOption(let synopsis):
            return "Missing expected argument '\(synopsis)'"
        case .missingArgument(let label):
            return "Missing expected argument '\(label)'"
        case .unexpectedArgument(let argument):
            return "Unexpected argument '\(argument)'"
        case .unknownSubcommand(let name, let suggestion):
            return "Unknown subcommand '\(name)'" + didYouMean(suggestion)
        case .missingSubcommand(let choices):
            return "Missing subcommand; choose one of: " + choices.joined(separator: ", ")
        case .invalidValue(let value, let option, let reason):
            return "Invalid value '\(value)' for '\(option)': \(reason)"
        case .other(let message):
            return message
        }
    }

    private func didYouMean(_ suggestion: String?) -> String {
        suggestion.map { ". Did you mean '\($0)'?" } ?? ""
    }
}

/// The Levenshtein distance between two strings, by Character.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
            current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
func closestMatch(to word: String, among candidates: [String]) -> String? {
    var best: (candidate: String, distance: Int)?
    for candidate in candidates {
        let distance = editDistance(word.lowercased(), candidate.lowercased())
        if distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
    }
    guard let best else { return nil }
    let limit = max(1, min(3, max(word.count, best.candidate.count) / 3))
    return best.distance <= limit ? best.candidate : nil
}
