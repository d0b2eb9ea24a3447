// Compliance report for an academic year (SPEC §5; rules 3, 4, 5(3), 6, 10, 11).

public struct ComplianceReport: Sendable {
    public struct WindowCheck: Sendable, Equatable {
        public var term: Term
        public var kind: WindowKind
        public var published: Bool
        public var hasSelfCheck: Bool
    }

    public struct TeacherCertification: Sendable, Equatable {
        public var teacher: String
        public var term: Term
        public var decisions: Int
        public var insideWindow: Int
        public var byProxy: Int
        /// Outcomes of the teacher's courses in that term still awaiting a decision.
        public var pending: Int
    }

    public struct UnitSubmission: Sendable, Equatable {
        public var kind: SubmissionKind
        public var unit: StaffRole
        public var batches: [String]
        public var confirmed: [String]
    }

    public var year: AcademicYear
    /// Working-group meetings per semester (rule 3: at least one each).
    public var meetings: [Term: Int]
    /// Trainings per kind held in the year (rule 10: at least one of each).
    public var trainings: [TrainingKind: Int]
    public var windows: [WindowCheck]
    public var certification: [TeacherCertification]
    public var submissions: [UnitSubmission]
    /// Requirements not met, in words.
    public var findings: [String]

    public init(year: AcademicYear, shared: SharedState) {
        self.year = year
        var meetings: [Term: Int] = [:]
        for t in year.terms { meetings[t] = shared.meetings.filter { $0.term == t }.count }
        self.meetings = meetings
        var trainings: [TrainingKind: Int] = [:]
        for k in TrainingKind.allCases {
            trainings[k] = shared.trainings.filter { $0.kind == k && $0.date.start >= year.start && $0.date.start < year.end }.count
        }
        self.trainings = trainings
        windows = year.terms.flatMap { t in
            WindowKind.allCases.map { k in
                let w = shared.window(t, k)
                return WindowCheck(term: t, kind: k, published: w != nil, hasSelfCheck: w?.selfCheckAt != nil)
            }
        }
        var cert: [TeacherCertification] = []
        for t in year.terms {
            let tally = shared.certificationTally[t] ?? [:]
            var teachers = Set(tally.keys)
            var pending: [String: Int] = [:]
            for c in shared.courses.values where c.term == t {
                for teacher in c.teachers {
                    teachers.insert(teacher)
                    pending[teacher, default: 0] += shared.awaitingCertification[c.key]?.count ?? 0
                }
            }
            for teacher in teachers.sorted() {
                let x = tally[teacher] ?? CertificationTally()
                cert.append(TeacherCertification(teacher: teacher, term: t, decisions: x.decisions, insideWindow: x.insideWindow, byProxy: x.byProxy, pending: pending[teacher] ?? 0))
            }
        }
        certification = cert
        submissions = SubmissionKind.allCases.map { k in
            let bs = shared.batchOrder.compactMap { shared.batches[$0] }.filter { $0.kind == k && $0.year == year && $0.replacedBy == nil }
            return UnitSubmission(kind: k, unit: k.owner, batches: bs.map(\.batchId), confirmed: bs.filter { $0.schoolReceipt != nil }.map(\.batchId))
        }
        var f: [String] = []
        for t in year.terms where meetings[t] == 0 { f.append("no working-group meeting in term \(t)") }
        for k in TrainingKind.allCases where trainings[k] == 0 { f.append("no \(k.rawValue) training in academic year \(year)") }
        for w in windows where !w.published { f.append("no \(w.kind.rawValue) window published for term \(w.term)") }
        for w in windows where w.published && !w.hasSelfCheck { f.append("the \(w.kind.rawValue) window of term \(w.term) has no self-check time") }
        for c in certification where c.pending > 0 { f.append("\(c.teacher) has \(c.pending) course outcome(s) of term \(c.term) awaiting certification") }
        for s in submissions {
            if s.batches.isEmpty { f.append("no \(s.kind.rawValue) submission by \(s.unit.rawValue) for academic year \(year)") }
            for b in s.batches where !s.confirmed.contains(b) { f.append("the receipt of batch \(b) is not confirmed") }
        }
        findings = f
    }

    /// Keys: `year`, `meetings` [{term, count}], `trainings` {orientation, system-training,
    /// workshop}, `windows` [{term, kind, published, selfCheck}], `certification` [{teacher, term,
    /// decisions, insideWindow, byProxy, pending}], `submissions` [{kind, unit, batches, confirmed}],
    /// `findings` [string].
    public func jsonObject() -> JSONObject {
        var o = JSONObject()
        o["year"] = .int(Int64(year.value))
        o["meetings"] = .array(year.terms.map { .object(JSONObject(["term": .string($0.description), "count": .int(Int64(meetings[$0] ?? 0))])) })
        var tr = JSONObject()
        for k in TrainingKind.allCases { tr[k.rawValue] = .int(Int64(trainings[k] ?? 0)) }
        o["trainings"] = .object(tr)
        o["windows"] = .array(windows.map { .object(JSONObject(["term": .string($0.term.description), "kind": .string($0.kind.rawValue), "published": .bool($0.published), "selfCheck": .bool($0.hasSelfCheck)])) })
        o["certification"] = .array(certification.map { c in
            .object(JSONObject(["teacher": .string(c.teacher), "term": .string(c.term.description), "decisions": .int(Int64(c.decisions)),
                                "insideWindow": .int(Int64(c.insideWindow)), "byProxy": .int(Int64(c.byProxy)), "pending": .int(Int64(c.pending))]))
        })
        o["submissions"] = .array(submissions.map { s in
            .object(JSONObject(["kind": .string(s.kind.rawValue), "unit": .string(s.unit.rawValue),
                                "batches": .array(s.batches.map { .string($0) }), "confirmed": .array(s.confirmed.map { .string($0) })]))
        })
        o["findings"] = .array(findings.map { .string($0) })
        return o
    }
}
