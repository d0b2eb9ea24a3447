// The audit trail filter (SPEC §5): every event filtered by student, actor, type, time range.

public struct AuditFilter: Sendable, Equatable {
    public var student: String?
    /// Matches the actor or the account acted for (`onBehalfOf`).
    public var actor: String?
    public var types: Set<EventType>?
    /// Inclusive lower bound on `recordedAt`.
    public var from: Timestamp?
    /// Exclusive upper bound on `recordedAt`.
    public var until: Timestamp?
    /// Inclusive upper bound on `seq` ("as of").
    public var throughSeq: UInt64?

    public init(student: String? = nil, actor: String? = nil, types: Set<EventType>? = nil,
                from: Timestamp? = nil, until: Timestamp? = nil, throughSeq: UInt64? = nil) {
        self.student = student; self.actor = actor; self.types = types
        self.from = from; self.until = until; self.throughSeq = throughSeq
    }

    public func matches(_ e: Event) -> Bool {
        if let s = student, e.student != s { return false }
        if let a = actor, e.actor != a, e.onBehalfOf != a { return false }
        if let t = types, !t.contains(e.type) { return false }
        if let f = from, e.recordedAt < f { return false }
        if let u = until, e.recordedAt >= u { return false }
        if let s = throughSeq, e.seq > s { return false }
        return true
    }

    /// Keys: `student`, `actor`, `types`, `from`, `until`, `throughSeq` (absent when unset).
    public func jsonObject() -> JSONObject {
        var o = JSONObject()
        if let student { o["student"] = .string(student) }
        if let actor { o["actor"] = .string(actor) }
        if let types { o["types"] = .array(types.map(\.rawValue).sorted().map { .string($0) }) }
        if let from { o["from"] = .string(Taipei.format(from)) }
        if let until { o["until"] = .string(Taipei.format(until)) }
        if let throughSeq { o["throughSeq"] = .int(Int64(throughSeq)) }
        return o
    }
}
