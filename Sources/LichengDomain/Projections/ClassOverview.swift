// Class overview for a homeroom teacher (SPEC §5): per student, uploads and selections against quota.

public struct ClassOverview: Sendable {
    public var className: String
    public var term: Term
    public var rows: [QuotaCounters]
    /// Per student: course outcomes of `term` still waiting for their teacher's certification,
    /// with the teachers (or their current proxies) who owe it.
    public var awaitingCertification: [String: [PendingCertification]] = [:]
    /// Per student: course outcomes of `term` returned and not yet uploaded again.
    public var returned: [String: Int] = [:]
    /// Students of the class whose state was not supplied (reported, not guessed).
    public var missing: [String]

    /// `students`: the states of the class's students (see `SharedState.students(inClass:)`).
    public init(className: String, shared: SharedState, students: IDMap<StudentState>, term: Term? = nil) {
        self.className = className
        let t = term ?? Term.containing(shared.lastRecordedAt)
        self.term = t
        var rows: [QuotaCounters] = []
        var missing: [String] = []
        for info in shared.students(inClass: className) {
            guard let st = students[info.id] else { missing.append(info.id); continue }
            rows.append(QuotaCounters(student: st, shared: shared, term: t))
            for item in st.items.values.sorted(by: { $0.itemId < $1.itemId }) where item.kind == .courseOutcome && item.term == t {
                if item.status == .returned { returned[info.id, default: 0] += 1 }
                guard item.status == .uploaded, let c = item.courseId else { continue }
                awaitingCertification[info.id, default: []].append(PendingCertification(itemId: item.itemId, student: info.id, courseId: c, term: t, onBehalfOf: nil))
            }
        }
        self.rows = rows
        self.missing = missing
    }

    /// Keys: `class`, `term`, `students` [QuotaCounters objects, by student ID, each with
    /// `awaitingCertification` [itemId] and `returned` (count)], `missing`.
    public func jsonObject() -> JSONObject {
        var o = JSONObject()
        o["class"] = .string(className)
        o["term"] = .string(term.description)
        o["students"] = .array(rows.map { r in
            var j = r.jsonObject()
            j["awaitingCertification"] = .array((awaitingCertification[r.studentId] ?? []).map { .string($0.itemId) })
            j["returned"] = .int(Int64(returned[r.studentId] ?? 0))
            return .object(j)
        })
        if !missing.isEmpty { o["missing"] = .array(missing.map { .string($0) }) }
        return o
    }
}
