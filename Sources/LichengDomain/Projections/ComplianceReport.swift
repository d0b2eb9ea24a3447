// Compliance report for an academic year (SPEC §5; rules 2, 3, 4, 5(3), 6, 7(3)3, 10, 11): the
// evidence the executive secretary takes to the working group for the staff evaluation.

public struct ComplianceReport: Sendable {
    /// The working group (rules 2): 15 seats, the principal convenes, the academic director is
    /// the executive secretary. A member whose staff account has departed leaves a vacant seat.
    public struct WorkingGroupCheck: Sendable, Equatable {
        public static let seats = 15
        public var members: [WorkingGroupMember]
        /// Members holding their seat now (external members, or staff who have not departed).
        public var filled: Int
        /// Positions whose member's account has departed.
        public var vacated: [String]
        public var hasConvener: Bool
        public var hasSecretary: Bool
    }

    public struct Session: Sendable, Equatable {
        public var date: LocalDate
        public var title: String?
        public var hosts: [String]
        /// The hosts include every unit the rules name for this kind (rules 10).
        public var requiredHosts: Bool
    }

    public struct WindowCheck: Sendable, Equatable {
        public var term: Term
        public var kind: WindowKind
        public var published: Bool
        public var hasSelfCheck: Bool
        public var opensAt: Timestamp?
        public var closesAt: Timestamp?
        public var selfCheckAt: Timestamp?
        /// The published deadline when the window was re-opened after it (else nil).
        public var reopenedAfter: Timestamp?
    }

    public struct TeacherCertification: Sendable, Equatable {
        public var teacher: String
        public var name: String
        public var term: Term
        /// Decisions (certified or returned) on the teacher's outcomes, by them or their proxy.
        public var decisions: Int
        public var insideWindow: Int
        /// Decisions after the window's published deadline (a re-opened window).
        public var late: Int
        public var byProxy: Int
        /// Outcomes still awaiting a decision while the window has not closed yet.
        public var pending: Int
        /// Outcomes still awaiting a decision after the window closed (or, with no window, after
        /// the term ended): certification not completed in time.
        public var missing: Int
        public var onTime: Int { decisions - late }
    }

    public struct BatchCheck: Sendable, Equatable {
        public var batchId: String
        public var at: Timestamp
        public var students: Int
        public var items: Int
        public var schoolConfirmed: Bool
        /// Students who confirmed their own receipt, and those confirmed by mail (rules 7(3)3).
        public var studentsConfirmed: Int
        public var confirmedByMail: Int
        public var openDisputes: Int
    }

    public struct UnitSubmission: Sendable, Equatable {
        public var kind: SubmissionKind
        public var unit: StaffRole
        public var batches: [BatchCheck]
        public var batchIds: [String] { batches.map(\.batchId) }
        public var confirmed: [String] { batches.filter(\.schoolConfirmed).map(\.batchId) }
    }

    public struct Finding: Sendable, Equatable {
        public enum Section: String, Sendable, CaseIterable {
            case workingGroup = "working-group", meetings, trainings, windows
            case lateCertification = "late-certification", missingCertification = "missing-certification"
            case submissions, receipts
        }
        public var section: Section
        /// What the finding is about: a term, a training kind, a window, a teacher ID, a kind or batch.
        public var subject: String
        public var message: String
    }

    public var year: AcademicYear
    /// The time the report judges "now" (open windows, pending work, vacant seats).
    public var now: Timestamp
    public var workingGroup: WorkingGroupCheck
    /// Working-group meetings per semester (rule 3: at least one each).
    public var meetings: [Term: [LocalDate]]
    /// Trainings per kind held in the year (rule 10: at least one of each, by the named units).
    public var trainings: [TrainingKind: [Session]]
    public var windows: [WindowCheck]
    public var certification: [TeacherCertification]
    public var submissions: [UnitSubmission]
    /// Requirements not met.
    public var findings: [Finding]

    /// The units that host each kind of training (rules 10): every group must be represented.
    public static func requiredHosts(_ kind: TrainingKind) -> [[StaffRole]] {
        switch kind {
        case .orientation: [[.dataSection]]
        case .systemTraining: [[.examSection], [.careerCounselor]]
        case .workshop: [[.researchSection], [.courseCounselor]]
        }
    }

    /// - Parameter now: the time judged "now" (default: the last event's time).
    public init(year: AcademicYear, shared: SharedState, now: Timestamp? = nil) {
        self.year = year
        let now = now ?? shared.lastRecordedAt
        self.now = now

        // Working group.
        let members = shared.workingGroup
        var vacated: [String] = []
        var filled = 0
        for m in members where !m.name.isEmpty {
            if let id = m.staffId, let acc = shared.staff[id], acc.hasDeparted(at: now) || acc.isExpired(at: now) {
                vacated.append(m.position.isEmpty ? id : m.position)
            } else {
                filled += 1
            }
        }
        let roleOf = { (m: WorkingGroupMember, r: StaffRole) in m.staffId.flatMap { shared.staff[$0] }?.has(r) ?? false }
        workingGroup = WorkingGroupCheck(members: members, filled: filled, vacated: vacated,
                                         hasConvener: members.contains { roleOf($0, .principal) },
                                         hasSecretary: members.contains { roleOf($0, .academicDirector) })

        var meetings: [Term: [LocalDate]] = [:]
        for t in year.terms { meetings[t] = shared.meetings.filter { $0.term == t }.map(\.date).sorted() }
        self.meetings = meetings

        var trainings: [TrainingKind: [Session]] = [:]
        for k in TrainingKind.allCases {
            trainings[k] = shared.trainings.filter { $0.kind == k && $0.date.start >= year.start && $0.date.start < year.end }.map { t in
                let hostRoles = t.hosts.compactMap { shared.staff[$0]?.roles }.flatMap { $0 }
                let ok = Self.requiredHosts(k).allSatisfy { group in group.contains(where: hostRoles.contains) }
                return Session(date: t.date, title: t.title, hosts: t.hosts, requiredHosts: ok)
            }.sorted { $0.date < $1.date }
        }
        self.trainings = trainings

        windows = year.terms.flatMap { t in
            WindowKind.allCases.map { k in
                let w = shared.window(t, k)
                return WindowCheck(term: t, kind: k, published: w != nil, hasSelfCheck: w?.selfCheckAt != nil,
                                   opensAt: w?.opensAt, closesAt: w?.closesAt, selfCheckAt: w?.selfCheckAt,
                                   reopenedAfter: w.flatMap { $0.deadline })
            }
        }

        var cert: [TeacherCertification] = []
        for t in year.terms {
            let tally = shared.certificationTally[t] ?? [:]
            var teachers = Set(tally.keys)
            var awaiting: [String: Int] = [:]
            for c in shared.courses.values where c.term == t {
                for teacher in c.teachers {
                    teachers.insert(teacher)
                    awaiting[teacher, default: 0] += shared.awaitingCertification[c.courseTerm]?.count ?? 0
                }
            }
            let w = shared.window(t, .certification)
            let closed = w.map { now > $0.closesAt } ?? (now >= t.end)
            for teacher in teachers.sorted() {
                let x = tally[teacher] ?? CertificationTally()
                let open = awaiting[teacher] ?? 0
                cert.append(TeacherCertification(teacher: teacher, name: shared.staff[teacher]?.name ?? "", term: t,
                                                 decisions: x.decisions, insideWindow: x.insideWindow, late: x.late, byProxy: x.byProxy,
                                                 pending: closed ? 0 : open, missing: closed ? open : 0))
            }
        }
        certification = cert

        submissions = SubmissionKind.allCases.map { k in
            let bs = shared.batchOrder.compactMap { shared.batches[$0] }.filter { $0.kind == k && $0.year == year && $0.replacedBy == nil }
            return UnitSubmission(kind: k, unit: k.owner, batches: bs.map { b in
                let receipts = b.studentReceipts.values
                return BatchCheck(batchId: b.batchId, at: b.at, students: b.students.count, items: b.items.count,
                                  schoolConfirmed: b.schoolReceipt != nil,
                                  studentsConfirmed: receipts.filter { $0.everConfirmed }.count,
                                  confirmedByMail: receipts.filter { $0.status == .confirmed && $0.method == .mail }.count,
                                  openDisputes: receipts.filter { $0.status == .disputed }.count)
            })
        }

        // Findings.
        var f: [Finding] = []
        func add(_ s: Finding.Section, _ subject: String, _ m: String) { f.append(Finding(section: s, subject: subject, message: m)) }
        if workingGroup.members.isEmpty {
            add(.workingGroup, "members", "no working group has been set (rules 2: \(WorkingGroupCheck.seats) members)")
        } else {
            if workingGroup.filled < WorkingGroupCheck.seats {
                add(.workingGroup, "seats", "the working group has \(workingGroup.filled) of \(WorkingGroupCheck.seats) seats filled"
                    + (vacated.isEmpty ? "" : " (vacated by departure: \(vacated.joined(separator: ", ")))"))
            }
            if !workingGroup.hasConvener { add(.workingGroup, "convener", "the principal (convener) is not a member of the working group") }
            if !workingGroup.hasSecretary { add(.workingGroup, "secretary", "the academic director (executive secretary) is not a member of the working group") }
        }
        for t in year.terms where meetings[t]!.isEmpty {
            add(.meetings, t.description, "no working-group meeting in term \(t)")
        }
        for k in TrainingKind.allCases {
            let sessions = trainings[k]!
            if sessions.isEmpty {
                add(.trainings, k.rawValue, "no \(k.rawValue) training in academic year \(year)")
            } else if !sessions.contains(where: \.requiredHosts) {
                let need = Self.requiredHosts(k).map { $0.map(\.rawValue).joined(separator: " or ") }.joined(separator: " and ")
                add(.trainings, k.rawValue, "no \(k.rawValue) training in academic year \(year) was hosted by \(need) together")
            }
        }
        for w in windows where !w.published { add(.windows, "\(w.term) \(w.kind.rawValue)", "no \(w.kind.rawValue) window published for term \(w.term)") }
        for w in windows where w.published && !w.hasSelfCheck {
            add(.windows, "\(w.term) \(w.kind.rawValue)", "the \(w.kind.rawValue) window of term \(w.term) has no self-check time")
        }
        for c in certification where c.late > 0 {
            let deadline = shared.window(c.term, .certification).map { " (deadline \(Taipei.format($0.publishedDeadline)))" } ?? ""
            add(.lateCertification, c.teacher, "\(c.teacher) made \(c.late) certification decision(s) of term \(c.term) after the deadline\(deadline)")
        }
        for c in certification where c.missing > 0 {
            add(.missingCertification, c.teacher, "\(c.teacher) left \(c.missing) course outcome(s) of term \(c.term) uncertified when the window closed")
        }
        for s in submissions {
            if s.batches.isEmpty { add(.submissions, s.kind.rawValue, "no \(s.kind.rawValue) submission by \(s.unit.rawValue) for academic year \(year)") }
            for b in s.batches where !b.schoolConfirmed { add(.receipts, b.batchId, "the receipt of batch \(b.batchId) is not confirmed") }
        }
        findings = f
    }

    /// Findings of one section.
    public func findings(_ section: Finding.Section) -> [Finding] { findings.filter { $0.section == section } }

    /// Keys: `year`, `now`, `workingGroup` {seats, filled, vacated, convener, secretary, members
    /// [{name, position, staffId}]}, `meetings` [{term, count, dates}], `trainings` {orientation,
    /// system-training, workshop: count}, `trainingSessions` [{kind, date, title, hosts,
    /// requiredHosts}], `windows` [{term, kind, published, selfCheck, opensAt, closesAt, selfCheckAt,
    /// reopenedAfter}], `certification` [{teacher, name, term, decisions, insideWindow, onTime, late,
    /// byProxy, pending, missing}], `submissions` [{kind, unit, batches, confirmed, details [{batchId,
    /// at, students, items, schoolConfirmed, studentsConfirmed, confirmedByMail, openDisputes}]}],
    /// `findings` [{section, subject, message}].
    public func jsonObject() -> JSONObject {
        var o = JSONObject()
        o["year"] = .int(Int64(year.value))
        o["now"] = .string(Taipei.format(now))
        var wg = JSONObject()
        wg["seats"] = .int(Int64(WorkingGroupCheck.seats))
        wg["filled"] = .int(Int64(workingGroup.filled))
        wg["vacated"] = .array(workingGroup.vacated.map { .string($0) })
        wg["convener"] = .bool(workingGroup.hasConvener)
        wg["secretary"] = .bool(workingGroup.hasSecretary)
        wg["members"] = .array(workingGroup.members.map { m in
            var j = JSONObject(["name": .string(m.name), "position": .string(m.position)])
            if let s = m.staffId { j["staffId"] = .string(s) }
            return .object(j)
        })
        o["workingGroup"] = .object(wg)
        o["meetings"] = .array(year.terms.map { t in
            .object(JSONObject(["term": .string(t.description), "count": .int(Int64(meetings[t]?.count ?? 0)),
                                "dates": .array((meetings[t] ?? []).map { .string($0.description) })]))
        })
        var tr = JSONObject()
        for k in TrainingKind.allCases { tr[k.rawValue] = .int(Int64(trainings[k]?.count ?? 0)) }
        o["trainings"] = .object(tr)
        o["trainingSessions"] = .array(TrainingKind.allCases.flatMap { k in
            (trainings[k] ?? []).map { s in
                var j = JSONObject(["kind": .string(k.rawValue), "date": .string(s.date.description)])
                if let t = s.title { j["title"] = .string(t) }
                j["hosts"] = .array(s.hosts.map { .string($0) })
                j["requiredHosts"] = .bool(s.requiredHosts)
                return .object(j)
            }
        })
        o["windows"] = .array(windows.map { w in
            var j = JSONObject(["term": .string(w.term.description), "kind": .string(w.kind.rawValue), "published": .bool(w.published), "selfCheck": .bool(w.hasSelfCheck)])
            if let t = w.opensAt { j["opensAt"] = .string(Taipei.format(t)) }
            if let t = w.closesAt { j["closesAt"] = .string(Taipei.format(t)) }
            if let t = w.selfCheckAt { j["selfCheckAt"] = .string(Taipei.format(t)) }
            if let t = w.reopenedAfter { j["reopenedAfter"] = .string(Taipei.format(t)) }
            return .object(j)
        })
        o["certification"] = .array(certification.map { c in
            .object(JSONObject(["teacher": .string(c.teacher), "name": .string(c.name), "term": .string(c.term.description),
                                "decisions": .int(Int64(c.decisions)), "insideWindow": .int(Int64(c.insideWindow)),
                                "onTime": .int(Int64(c.onTime)), "late": .int(Int64(c.late)), "byProxy": .int(Int64(c.byProxy)),
                                "pending": .int(Int64(c.pending)), "missing": .int(Int64(c.missing))]))
        })
        o["submissions"] = .array(submissions.map { s in
            .object(JSONObject(["kind": .string(s.kind.rawValue), "unit": .string(s.unit.rawValue),
                                "batches": .array(s.batchIds.map { .string($0) }), "confirmed": .array(s.confirmed.map { .string($0) }),
                                "details": .array(s.batches.map { b in
                                    .object(JSONObject(["batchId": .string(b.batchId), "at": .string(Taipei.format(b.at)),
                                                        "students": .int(Int64(b.students)), "items": .int(Int64(b.items)),
                                                        "schoolConfirmed": .bool(b.schoolConfirmed), "studentsConfirmed": .int(Int64(b.studentsConfirmed)),
                                                        "confirmedByMail": .int(Int64(b.confirmedByMail)), "openDisputes": .int(Int64(b.openDisputes))]))
                                })]))
        })
        o["findings"] = .array(findings.map { .object(JSONObject(["section": .string($0.section.rawValue), "subject": .string($0.subject), "message": .string($0.message)])) })
        return o
    }
}
