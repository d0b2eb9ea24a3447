import Foundation
import Licheng
import LichengDomain
import LichengLog

/// A failure of the tool itself that is not an engine error: a missing input file, a store
/// directory that is in the way.
struct ToolError: Error, CustomStringConvertible, ExitCodeProviding {
    var description: String
    var exitCode: ExitCode
    init(_ description: String, exitCode: ExitCode = .usageError) {
        self.description = description
        self.exitCode = exitCode
    }
}

/// What every command reads from the global options.
struct Context {
    let inv: Invocation
    /// The engines opened in this process (see `handler`).
    var engines: OpenedEngines { OpenedEngines.ofThisProcess }

    init(_ inv: Invocation) { self.inv = inv }

    var store: String { inv.value("store", orEnvironment: "LICHENG_STORE") ?? "./licheng-store" }
    var json: Bool { inv.flag("json") }
    var console: Console { inv.console }

    /// The acting account (`--as`, else `$LICHENG_ACTOR`).
    func actor() throws(UsageError) -> String {
        guard let a = inv.value("as", orEnvironment: "LICHENG_ACTOR") else {
            throw usage("Who is acting? Give '--as <actor>' or set LICHENG_ACTOR")
        }
        return a
    }

    func usage(_ message: String) -> UsageError { UsageError(.other(message), commandPath: inv.commandPath) }

    func invalid(_ value: String, _ option: String, _ reason: String) -> UsageError {
        UsageError(.invalidValue(value, for: "--" + option, reason: reason), commandPath: inv.commandPath)
    }

    static func engineOptions() -> Engine.Options {
        var options = Engine.Options()
        options.log.lockWaitSeconds = 30
        return options
    }

    func openWrite() throws(EngineError) -> Engine {
        engines.keep(try Engine.open(at: store, mode: .write, options: Self.engineOptions()))
    }

    func openRead() throws(EngineError) -> Engine {
        engines.keep(try Engine.open(at: store, mode: .read, options: Self.engineOptions()))
    }

    // MARK: Option values

    func term(_ text: String, _ option: String) throws(UsageError) -> Term {
        guard let t = Term(text) else { throw invalid(text, option, "expected a term such as 115-1") }
        return t
    }

    func year(_ option: String = "year") throws(UsageError) -> AcademicYear {
        let text = try inv.requiredValue(option)
        guard let y = AcademicYear(text) else { throw invalid(text, option, "expected an academic year such as 115") }
        return y
    }

    /// An RFC 3339 time or a bare date (00:00 Taipei), normalized to RFC 3339.
    func time(_ option: String) throws(UsageError) -> String? {
        guard let text = inv.value(option) else { return nil }
        guard let t = Taipei.parse(text) else {
            throw invalid(text, option, "expected an RFC 3339 time such as 2025-03-01T09:30:00+08:00, or a date")
        }
        return Taipei.format(t)
    }

    func date(_ option: String) throws(UsageError) -> String? {
        guard let text = inv.value(option) else { return nil }
        guard LocalDate(text) != nil else { throw invalid(text, option, "expected a date such as 2025-03-01") }
        return text
    }

    func choice<C: RawRepresentable & CaseIterable>(_ text: String, _ option: String, _ type: C.Type) throws(UsageError) -> C where C.RawValue == String {
        guard let c = C(rawValue: text) else {
            throw invalid(text, option, "expected one of " + C.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return c
    }

    /// `--as-of`: an RFC 3339 time or `seq:N`.
    func asOf() throws(UsageError) -> AsOf? {
        guard let text = inv.value("as-of") else { return nil }
        if text.hasPrefix("seq:") {
            guard let n = UInt64(text.dropFirst(4)) else { throw invalid(text, "as-of", "expected seq:N with a whole number N") }
            return .seq(n)
        }
        guard let t = Taipei.parse(text) else { throw invalid(text, "as-of", "expected an RFC 3339 time or seq:N") }
        return .time(t)
    }

    // MARK: Appending

    /// Proposes one event, appends it and prints its seq (and `extra` keys with `--json`).
    @discardableResult
    func append(_ type: EventType, student: String? = nil, data: JSONObject, blobs: [[UInt8]] = [],
                human: (Event) -> String) throws -> Event {
        try append(blobs: blobs, human: human) { _ in (type, student, data) }
    }

    /// Like `append(_:student:data:)`, for events whose type or data depend on the state
    /// (read under the writer lock by `make`).
    @discardableResult
    func append(blobs: [[UInt8]] = [], human: (Event) -> String,
                _ make: (Engine) throws -> (EventType, String?, JSONObject)) throws -> Event {
        let actor = try actor()
        let engine = try openWrite()
        defer { engine.close() }
        let (type, student, data) = try make(engine)
        var proposed = try Engine.propose(type, actor: actor, student: student, data: data)
        let explicit = inv.value("on-behalf-of")
        proposed.onBehalfOf = explicit
        func attempt(_ p: Event) -> Result<Event, EngineError> {
            do { return .success(try engine.submit([p], blobs: blobs)[0]) } catch { return .failure(error) }
        }
        var result = attempt(proposed)
        if explicit == nil, case .failure(.rejected(let refusal, _)) = result, refusal.rule == .authority {
            // Not allowed in person: the actor may hold someone's duties as their current proxy
            // (SPEC §6). Try each account it replaces now, in ID order; the first the rules accept
            // is recorded as onBehalfOf. Otherwise the most telling refusal is reported.
            var reason = refusal
            for account in engine.core.accountsReplaced(by: actor, at: engine.now) {
                var p = proposed
                p.onBehalfOf = account.id
                let r = attempt(p)
                if case .success = r { result = r; break }
                if case .failure(.rejected(let x, _)) = r, x.rule != .authority { reason = x }
            }
            if case .failure = result { result = .failure(.rejected(reason, index: nil)) }
        }
        let stored = try result.get()
        if json {
            var o = JSONObject()
            o["seq"] = .int(Int64(stored.seq))
            o["recordedAt"] = .string(Taipei.format(stored.recordedAt))
            o["type"] = .string(stored.type.rawValue)
            switch stored.body {
            case .courseOutcomeUploaded(let d): o["itemId"] = d.itemId.map { .string($0) }
            case .performanceUploaded(let d): o["itemId"] = d.itemId.map { .string($0) }
            case .submissionMade(let d):
                o["batchId"] = d.batchId.map { .string($0) }
                o["items"] = .array(d.items.map { .string($0) })
                o["students"] = .array(d.students.map { .string($0) })
            default: break
            }
            o["event"] = .object(stored.jsonObject())
            console.printJSON(.object(o))
        } else {
            console.print(human(stored))
        }
        return stored
    }
}

extension JSONObject {
    /// Sets `key` only when `value` is present.
    mutating func set(_ key: String, _ value: String?) {
        if let value { self[key] = .string(value) }
    }
}

/// Wraps a handler so that it gets a `Context`. A command whose engine met a damaged
/// snapshot that could not be rebuilt from the log fails (exit 3) even when it printed an
/// answer: that answer may be incomplete.
func handler(_ body: @escaping @Sendable (Context) throws -> Void) -> Command.Handler {
    { inv in
        let context = Context(inv)
        let before = context.engines.count
        try body(context)
        if let failure = context.engines.tablesRepairFailure(since: before) {
            throw ToolError("A snapshot of the store was damaged and could not be rebuilt from the log (\(failure)); what this command printed may be incomplete.",
                            exitCode: .storageFailure)
        }
        return .success
    }
}

/// The engines a command opened, kept so that `handler` can ask them afterwards, and then
/// until the process exits: one command runs per process, and freeing a large store's
/// state piece by piece at the end cost an eighth of a national-size upload.
final class OpenedEngines: @unchecked Sendable {
    static let ofThisProcess = OpenedEngines()

    private let lock = NSLock()
    private var engines: [Engine] = []

    func keep(_ engine: Engine) -> Engine {
        lock.lock()
        engines.append(engine)
        lock.unlock()
        return engine
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return engines.count
    }

    /// The first repair failure of the engines opened after the first `since`.
    func tablesRepairFailure(since start: Int) -> EngineError? {
        lock.lock()
        defer { lock.unlock() }
        return engines[min(start, engines.count)...].lazy.compactMap { $0.tablesRepairFailure() }.first
    }
}

/// Reads a file named on the command line, or standard input for `-`.
func readInput(_ path: String) throws -> [UInt8] {
    if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw ToolError("Cannot read the file '\(path)': it does not exist or is not readable.")
    }
    return Array(data)
}

/// "seq 12" with the acting-for note when a proxy acted.
func seqNote(_ e: Event) -> String {
    "(seq \(e.seq)" + (e.onBehalfOf.map { ", on behalf of \($0)" } ?? "") + ")"
}
