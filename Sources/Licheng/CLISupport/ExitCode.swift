/// The process exit status of a `licheng` command (SPEC §10).
public enum ExitCode: Int32, Sendable, CustomStringConvertible {
    /// The command did what was asked.
    case success = 0
    /// A rule rejected the request (quota, window, role, …); nothing was written.
    case rejected = 1
    /// The command line was wrong; nothing was done.
    case usageError = 2
    /// The store could not be read or written, or failed an integrity check.
    case storageFailure = 3

    public var description: String {
        switch self {
        case .success: return "success"
        case .rejected: return "rejected by a rule"
        case .usageError: return "usage error"
        case .storageFailure: return "storage or integrity failure"
        }
    }
}

/// An error that knows which exit code it should end the process with.
/// Errors that don't conform end it with `.storageFailure`.
public protocol ExitCodeProviding: Error {
    var exitCode: ExitCode { get }
}
