import LichengDomain
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a command writes: standard output for data, standard error for messages and progress.
/// Tests build one with `Console.capturing()` to see both streams.
public struct Console: Sendable {
    public var writeOutput: @Sendable (String) -> Void
    public var writeError: @Sendable (String) -> Void
    /// True when standard error is a terminal (progress bars are drawn only then).
    public var errorIsTerminal: Bool
    /// Columns of the terminal on standard error, or 80 when unknown.
    public var terminalWidth: Int

    public init(
        writeOutput: @escaping @Sendable (String) -> Void,
        writeError: @escaping @Sendable (String) -> Void,
        errorIsTerminal: Bool = false,
        terminalWidth: Int = 80
    ) {
        self.writeOutput = writeOutput
        self.writeError = writeError
        self.errorIsTerminal = errorIsTerminal
        self.terminalWidth = terminalWidth
    }

    /// The process's real standard output and standard error.
    public static var standard: Console {
        Console(
            writeOutput: { writeAll(fileDescriptor: 1, $0) },
            writeError: { writeAll(fileDescriptor: 2, $0) },
            errorIsTerminal: isatty(2) == 1,
            terminalWidth: terminalColumns(fileDescriptor: 2) ?? 80
        )
    }

    /// A console that records what is written, for tests.
    public static func capturing() -> (Console, CapturedOutput) {
        let captured = CapturedOutput()
        let console = Console(
            writeOutput: { captured.appendOutput($0) },
            writeError: { captured.appendError($0) }
        )
        return (console, captured)
    }

    public func print(_ line: String) { writeOutput(line + "\n") }
    public func printError(_ line: String) { writeError(line + "\n") }
}

/// Text written to a capturing console.
public final class CapturedOutput: @unchecked Sendable {
    private let lock = CapturedOutputLock()
    private var outputText = ""
    private var errorText = ""

    public var output: String { lock.withLock { outputText } }
    public var error: String { lock.withLock { errorText } }

    func appendOutput(_ s: String) { lock.withLock { outputText += s } }
    func appendError(_ s: String) { lock.withLock { errorText += s } }
}

/// A pthread mutex for CapturedOutput (named so it cannot clash with Synchronization.Mutex).
final class CapturedOutputLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    init() { pthread_mutex_init(mutex, nil) }
    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

/// Writes all of `text`, looping on short writes and retrying on EINTR.
/// Output errors (a closed pipe) are dropped: there is nowhere left to report them.
func writeAll(fileDescriptor: Int32, _ text: String) {
    var text = text
    text.withUTF8 { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = write(fileDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
    }
}

/// The width of the terminal on `fileDescriptor`, or nil when it is not a terminal.
func terminalColumns(fileDescriptor: Int32) -> Int? {
    var size = winsize()
    guard ioctl(fileDescriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
    return Int(size.ws_col)
}

extension Console {
    /// Writes one compact JSON document and a newline to standard output.
    public func printJSON(_ value: JSONValue) {
        writeOutput(value.serialized() + "\n")
    }
}
