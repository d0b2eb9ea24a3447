// Quota counters of a student (SPEC §5): used and remaining per semester / year.

public struct QuotaCounter: Sendable, Equatable {
    public var used: Int
    public var limit: Int
    public var remaining: Int { max(0, limit - used) }

    func json() -> JSONValue { .object(JSONObject(["used": .int(Int64(used)), "limit": .int(Int64(limit)), "remaining": .int(Int64(remaining))])) }
}

public struct QuotaCounters: Sendable, Equatable {
    public var studentId: String
    public var term: Term
    /// Course-outcome uploads in `term` (withdrawn ones do not count).
    public var courseOutcomeUploads: QuotaCounter
    /// Performance uploads in the academic year of `term`.
    public var performanceUploads: QuotaCounter
    public var courseOutcomeSelections: QuotaCounter
    public var performanceSelections: QuotaCounter

    /// The counters for `term` (default: the term containing the last applied event's time),
    /// with the limits of the policy now in force.
    public init(student: StudentState, shared: SharedState, term: Term? = nil) {
        let t = term ?? Term.containing(shared.lastRecordedAt)
        let p = shared.policy
        studentId = student.id
        self.term = t
        courseOutcomeUploads = QuotaCounter(used: student.courseOutcomeUploads[t] ?? 0, limit: Int(p.courseOutcomeUploads))
        performanceUploads = QuotaCounter(used: student.performanceUploads[t.year] ?? 0, limit: Int(p.performanceUploads))
        courseOutcomeSelections = QuotaCounter(used: student.courseOutcomeSelections[t.year] ?? 0, limit: Int(p.courseOutcomeSelections))
        performanceSelections = QuotaCounter(used: student.performanceSelections[t.year] ?? 0, limit: Int(p.performanceSelections))
    }

    /// Keys: `studentId`, `term`, `year`, `courseOutcomeUploads` (per term), `performanceUploads`,
    /// `courseOutcomeSelections`, `performanceSelections` (per year); each {used, limit, remaining}.
    public func jsonObject() -> JSONObject {
        var o = JSONObject()
        o["studentId"] = .string(studentId)
        o["term"] = .string(term.description)
        o["year"] = .int(Int64(term.year.value))
        o["courseOutcomeUploads"] = courseOutcomeUploads.json()
        o["performanceUploads"] = performanceUploads.json()
        o["courseOutcomeSelections"] = courseOutcomeSelections.json()
        o["performanceSelections"] = performanceSelections.json()
        return o
    }
}
