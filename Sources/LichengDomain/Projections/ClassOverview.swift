// Class overview for a homeroom teacher (SPEC §5): per student, uploads and selections against quota.

public struct ClassOverview: Sendable {
    public var className: String
    public var term: Term
    public var rows: [QuotaCounters]
    /// Students of the class whose state was not supplied (reported, not guessed).
    public var missing: [String]

    /// `students`: the states of the class's students (see `SharedState.students(inClass:)`).
    public init(className: String, shared: SharedState, students: [String: StudentState], term: Term? = nil) {
        self.className = className
        let t = term ?? Term.containing(shared.lastRecordedAt)
        self.term = t
        var rows: [QuotaCounters] = []
        var missing: [String] = []
        for info in shared.students(inClass: className) {
            if let st = students[info.id] { rows.append(QuotaCounters(student: st, shared: shared, term: t)) } else { missing.append(info.id) }
        }
        self.rows = rows
        self.missing = missing
    }

    /// Keys: `class`, `term`, `students` [QuotaCounters objects, by student ID], `missing`.
    public func jsonObject() -> JSONObject {
        var o = JSONObject()
        o["class"] = .string(className)
        o["term"] = .string(term.description)
        o["students"] = .array(rows.map { .object($0.jsonObject()) })
        if !missing.isEmpty { o["missing"] = .array(missing.map { .string($0) }) }
        return o
    }
}
