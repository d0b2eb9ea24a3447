// Pending work of an actor or a role (SPEC §5), including what passed to them as a proxy.

public struct PendingCertification: Sendable, Equatable {
    public var itemId: String
    public var student: String
    public var courseId: String
    public var term: Term
    /// The teacher replaced, when the work passed to the actor as a proxy.
    public var onBehalfOf: String?
}

/// An account whose duties passed to the actor (SPEC §6), and why.
public struct Replaced: Sendable, Equatable {
    public var staffId: String
    public var name: String
    public var reason: String
}

/// A submission the actor's unit owes: its window is open and no batch of the kind has been
/// made for the term (or year) since the window opened.
public struct SubmissionDue: Sendable, Equatable {
    public var kind: SubmissionKind
    public var term: Term
    public var closesAt: Timestamp
    /// The replaced account whose duty it is, when it passed to the actor as a proxy.
    public var onBehalfOf: String?
}

public struct PendingWork: Sendable {
    public var actor: String?
    public var role: StaffRole?
    /// The accounts whose duties the actor holds now as their proxy.
    public var replacing: [Replaced] = []
    public var certifications: [PendingCertification] = []
    /// Submissions due from the actor's units (rules 6(2)).
    public var submissionsDue: [SubmissionDue] = []
    /// Receipts of students who left, to be confirmed by mail (rules 7(3)3): (batchId, student).
    public var mailReceipts: [(batchId: String, student: String)] = []
    /// Open windows relevant to the actor that close within the horizon, soonest first.
    public var closingWindows: [WindowInfo] = []
    /// Batches whose receipt the actor should confirm (the school's, or the student's own).
    public var receiptsToConfirm: [String] = []
    /// Open disputes the actor's unit should resolve: (batchId, student).
    public var disputesToResolve: [(batchId: String, student: String)] = []

    /// - Parameters: `actor` (a staff or student ID) and/or `role`; `now`; windows closing within `withinDays`.
    public init(actor: String? = nil, role: StaffRole? = nil, shared: SharedState, now: Timestamp, withinDays: Int = 7) {
        self.actor = actor
        self.role = role
        let horizon = now + Int64(withinDays) * Taipei.microsPerDay

        // Accounts whose duties the actor holds: itself, and every account it currently replaces.
        var accounts: [(StaffAccount, String?)] = []
        var roles = Set<StaffRole>()
        var roleOwner: [StaffRole: String?] = [:]
        if let a = actor, let acc = shared.staff[a] {
            // An expired account holds no duties; they are with its proxy.
            if !acc.isExpired(at: now) { accounts.append((acc, nil)) }
            for other in shared.accountsReplaced(by: a, at: now) {
                accounts.append((other, other.id))
                replacing.append(Replaced(staffId: other.id, name: other.name, reason: shared.proxyReason(other, at: now) ?? ""))
            }
            for (acc, behalf) in accounts {
                roles.formUnion(acc.roles)
                for r in acc.roles where roleOwner[r] == nil { roleOwner[r] = .some(behalf) }  // own roles come first
            }
        }
        if let role { roles.insert(role) }
        let studentActor = actor.flatMap { shared.students[$0] }

        // Certifications: items awaiting certification in courses taught by those accounts
        // (or by anyone, for the subject-teacher role without an actor).
        for course in shared.courses.values.sorted(by: { $0.key < $1.key }) {
            let waiting = shared.awaiting(course.courseTerm)
            if waiting.isEmpty { continue }
            var via: String?? = nil
            for (acc, behalf) in accounts where course.teachers.contains(acc.id) { via = .some(behalf); break }
            if via == nil, actor == nil, role == .subjectTeacher { via = .some(nil) }
            guard let v = via else { continue }
            for id in waiting {
                certifications.append(PendingCertification(itemId: id, student: studentID(ofItem: id) ?? "", courseId: course.courseId, term: course.term, onBehalfOf: v))
            }
        }

        // Windows about to close.
        var kinds = Set<WindowKind>()
        if studentActor != nil { kinds = [.courseOutcomeUpload, .performanceUpload, .selection, .receiptConfirmation] }
        if roles.contains(.subjectTeacher) { kinds.insert(.certification) }
        if roles.contains(.homeroomTeacher) { kinds.formUnion([.courseOutcomeUpload, .performanceUpload, .selection]) }
        if !roles.isDisjoint(with: [.examSection, .activitiesSection, .clubsSection]) { kinds.insert(.submission) }
        if roles.contains(.examSection) { kinds.insert(.receiptConfirmation) }
        if !roles.isDisjoint(with: [.academicDirector, .principal]) { kinds = Set(WindowKind.allCases) }
        closingWindows = shared.windows.values
            .filter { kinds.contains($0.kind) && $0.isOpen(at: now) && $0.closesAt <= horizon }
            .sorted { ($0.closesAt, $0.kind.rawValue) < ($1.closesAt, $1.kind.rawValue) }

        // Submissions due: the submission window is open and no batch of the kind for that
        // term (or for the whole year) was made since it opened.
        for kind in SubmissionKind.allCases where roles.contains(kind.owner) {
            for w in shared.windows.values where w.kind == .submission && w.isOpen(at: now) {
                let made = shared.batchOrder.contains { id in
                    guard let b = shared.batches[id] else { return false }
                    return b.kind == kind && b.year == w.term.year && (b.term == nil || b.term == w.term) && b.at >= w.opensAt
                }
                if !made { submissionsDue.append(SubmissionDue(kind: kind, term: w.term, closesAt: w.closesAt, onBehalfOf: roleOwner[kind.owner] ?? nil)) }
            }
        }
        submissionsDue.sort { ($0.closesAt, $0.kind.rawValue) < ($1.closesAt, $1.kind.rawValue) }

        // Receipts and disputes.
        for id in shared.batchOrder {
            guard let b = shared.batches[id], b.replacedBy == nil else { continue }
            if roles.contains(.examSection), b.schoolReceipt == nil { receiptsToConfirm.append(id) }
            if roles.contains(.examSection) {
                for s in b.students where b.studentReceipts[s] == nil && shared.students[s]?.departedOn != nil && shared.students[s]?.purged == false {
                    mailReceipts.append((id, s))
                }
            }
            if let s = studentActor, b.students.contains(s.id), b.studentReceipts[s.id] == nil { receiptsToConfirm.append(id) }
            if roles.contains(b.kind.owner) {
                for s in b.studentReceipts.keys.sorted() where b.studentReceipts[s]?.status == .disputed {
                    disputesToResolve.append((id, s))
                }
            }
        }
    }

    /// Keys: `actor`, `role`, `certifications` [{itemId, student, courseId, term, onBehalfOf}],
    /// `closingWindows` [{term, kind, opensAt, closesAt, selfCheckAt}], `receiptsToConfirm`
    /// [batchId], `disputesToResolve` [{batchId, student}], `replacing` [{staffId, name, reason}],
    /// `submissionsDue` [{kind, term, closesAt, onBehalfOf}], `mailReceipts` [{batchId, student}].
    public func jsonObject() -> JSONObject {
        var o = JSONObject()
        if let actor { o["actor"] = .string(actor) }
        if let role { o["role"] = .string(role.rawValue) }
        o["certifications"] = .array(certifications.map { c in
            var j = JSONObject()
            j["itemId"] = .string(c.itemId); j["student"] = .string(c.student)
            j["courseId"] = .string(c.courseId); j["term"] = .string(c.term.description)
            if let b = c.onBehalfOf { j["onBehalfOf"] = .string(b) }
            return .object(j)
        })
        o["closingWindows"] = .array(closingWindows.map { w in
            var j = JSONObject()
            j["term"] = .string(w.term.description); j["kind"] = .string(w.kind.rawValue)
            j["opensAt"] = .string(Taipei.format(w.opensAt)); j["closesAt"] = .string(Taipei.format(w.closesAt))
            if let s = w.selfCheckAt { j["selfCheckAt"] = .string(Taipei.format(s)) }
            return .object(j)
        })
        o["receiptsToConfirm"] = .array(receiptsToConfirm.map { .string($0) })
        o["disputesToResolve"] = .array(disputesToResolve.map { .object(JSONObject(["batchId": .string($0.batchId), "student": .string($0.student)])) })
        o["replacing"] = .array(replacing.map { r in
            .object(JSONObject(["staffId": .string(r.staffId), "name": .string(r.name), "reason": .string(r.reason)]))
        })
        o["submissionsDue"] = .array(submissionsDue.map { d in
            var j = JSONObject()
            j["kind"] = .string(d.kind.rawValue); j["term"] = .string(d.term.description)
            j["closesAt"] = .string(Taipei.format(d.closesAt))
            if let b = d.onBehalfOf { j["onBehalfOf"] = .string(b) }
            return .object(j)
        })
        o["mailReceipts"] = .array(mailReceipts.map { .object(JSONObject(["batchId": .string($0.batchId), "student": .string($0.student)])) })
        return o
    }
}
