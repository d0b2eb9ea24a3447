// The reference way to apply events in log order: the shared state first, then the student's.

/// All state in memory: the shared state and one `StudentState` per student stream. The engine
/// may keep student states elsewhere (snapshots, lazily loaded); the order of application must
/// be the same: `shared.apply(e)`, then, for a student event, `students[key].apply(e)`; a
/// `submission.made` is then applied to every student it carries (`applySubmission`).
public struct SchoolState: Codable, Sendable, Equatable {
    public var shared = SharedState()
    public var students = IDMap<StudentState>()

    public init() {}

    public init(shared: SharedState, students: IDMap<StudentState>) {
        self.shared = shared
        self.students = students
    }

    public mutating func apply(_ e: Event) {
        shared.apply(e)
        students.applyToStudents(e)
    }

    /// Validates a proposed event (see `decide`) against this state.
    public func decide(_ proposed: Event, now: Timestamp) throws(Rejection) -> Event {
        let s = proposed.impliedStudent(in: shared)
        return try LichengDomain.decide(proposed, now: now, shared: shared, student: s.flatMap { students[$0] },
                                        lookup: { students[$0] })
    }

    public func portfolio(_ student: String) -> Portfolio? {
        students[student].map { Portfolio(student: $0, shared: shared) }
    }

    public func quota(_ student: String, term: Term? = nil) -> QuotaCounters? {
        students[student].map { QuotaCounters(student: $0, shared: shared, term: term) }
    }

    public func classOverview(_ className: String, term: Term? = nil) -> ClassOverview {
        ClassOverview(className: className, shared: shared, students: students, term: term)
    }

    /// How much the state holds: its students, their items and the items' history entries,
    /// their records (grades, cadres, counseling, course plans, electives, attendance, service).
    public struct Totals: Sendable, Equatable {
        public var students = 0, items = 0, historyEntries = 0, records = 0
    }

    public var totals: Totals {
        var t = Totals(students: students.count)
        for (_, st) in students {
            t.items += st.items.count
            for item in st.items { t.historyEntries += item.historyCount }
            t.records += st.recordCount
        }
        return t
    }
}

extension IDMap where Value == StudentState {
    /// The students' half of `SchoolState.apply`: the event in its student's state, a submission
    /// in the state of every student it carries. It reads nothing of the shared state, nor does
    /// the shared state's half read the students', so the halves may run on two threads as long
    /// as each takes the events in log order (`SchoolReplay`).
    public mutating func applyToStudents(_ e: Event) {
        if let k = e.streamKey { apply(e, toStudent: k) }
        if case .submissionMade(let d) = e.body, let batchId = d.batchId {
            let seq = e.seq
            d.forEachStudentShare { s, share in
                modifyValue(forKey: s) { $0.applySubmission(share, batchId: batchId, seq: seq) }
            }
        }
    }

    /// Applies a student's event to their state, made on their first event. In place, and
    /// without a closure: `self[k, default: StudentState(id: k)].apply(e)` allocated and freed
    /// two boxes an event, `modifyValue(forKey:)` copied the event into its closure.
    public mutating func apply(_ e: Event, toStudent k: String) {
        values[student(k)].apply(e)
    }

    /// Where student `k`'s state is, made (empty) on their first event.
    mutating func student(_ k: String) -> Index {
        if let i = index(forKey: k) { return i }
        self[k] = StudentState(id: k)
        return index(forKey: k)!
    }
}

extension SubmissionMade {
    /// The items in the byte order of their IDs: as listed when they are in that order already
    /// (`decide` sorts the lists it fills in, so a replay of those never sorts: sorting 300,000
    /// IDs costs more than checking them). For identifiers (ASCII) this is also `String`'s order.
    public var itemsInByteOrder: [String] {
        let byBytes: (String, String) -> Bool = { String.utf8Precedes($0, $1) }
        return zip(items, items.dropFirst()).allSatisfy { !byBytes($1, $0) } ? items : items.sorted(by: byBytes)
    }

    /// Calls `body` once for each student the batch holds, with what it holds of them: the
    /// students owning items (an item ID starts with its student's ID and '-'), in the byte
    /// order of their IDs, then the students named in `students` who own none. One student's
    /// items are adjacent in byte order (IDs sharing a prefix sort together), so they are
    /// grouped by one walk, without a table of every student.
    public func forEachStudentShare(_ body: (String, StudentSubmission) throws -> Void) rethrows {
        var named = Set<ID>(minimumCapacity: students.count)
        for s in students { named.insert(ID(s)) }
        let sorted = itemsInByteOrder
        var i = 0
        while i < sorted.count {
            guard let s = studentID(ofItem: sorted[i]) else { i += 1; continue }
            var end = i + 1
            while end < sorted.count, isItem(sorted[end], of: s) { end += 1 }
            try body(s, StudentSubmission(carriesStudent: !named.isEmpty && named.remove(ID(s)) != nil, items: Array(sorted[i..<end])))
            i = end
        }
        for s in students where named.remove(ID(s)) != nil {
            try body(s, StudentSubmission(carriesStudent: true, items: []))
        }
    }

    /// What the batch holds of each student (see `forEachStudentShare`).
    public func studentShares() -> [String: StudentSubmission] {
        var out: [String: StudentSubmission] = [:]
        forEachStudentShare { out[$0] = $1 }
        return out
    }
}
