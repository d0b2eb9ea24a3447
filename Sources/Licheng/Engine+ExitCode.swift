import LichengDomain
import LichengLog

/// How the `licheng` tool ends when the engine fails (SPEC §10): 1 rejected by a rule or
/// refused (not found, not allowed), 2 malformed input, 3 storage or integrity failure.
extension EngineError: ExitCodeProviding {
    public var exitCode: ExitCode {
        switch self {
        case .rejected, .forbidden, .notFound: return .rejected
        case .input: return .usageError
        case .storage, .undecodable: return .storageFailure
        case .bundle(let e):
            switch e.kind {
            case .malformed: return .usageError
            case .altered: return .storageFailure
            case .untrusted, .refused: return .rejected
            }
        }
    }
}

/// A CSV problem is malformed input (exit 2).
extension CSVError: ExitCodeProviding {
    public var exitCode: ExitCode { .usageError }
}

extension Engine {
    /// Builds a proposed event from its JSON parts, validating `data` exactly as
    /// `licheng append` would; malformed fields become `EngineError.input`.
    public static func propose(_ type: EventType, actor: String, student: String? = nil,
                               data: JSONObject, line: Int? = nil) throws(EngineError) -> Event {
        var o = JSONObject()
        o["type"] = .string(type.rawValue)
        o["actor"] = .string(actor)
        if let student { o["student"] = .string(student) }
        o["data"] = .object(data)
        do { return try Event(json: .object(o), line: line) } catch { throw .input(error) }
    }
}
