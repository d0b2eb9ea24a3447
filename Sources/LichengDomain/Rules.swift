// The rules an append must pass (SPEC §4, §6) and the completion of a proposed event
// (recordedAt, student, assigned item and batch IDs).

/// Who an event acts as, after proxies are resolved.
enum Acting {
    case student(String)
    /// `account` is whose duties are exercised: the actor, or the replaced account for a proxy.
    case staff(StaffAccount)

    var id: String {
        switch self {
        case .student(let s): s
        case .staff(let a): a.id
        }
    }
}

extension LocalDate {
    /// The same day N years later; 29 Feb becomes 1 Mar in a common year (never
    /// earlier: this dates the end of a retention period).
    public func adding(years n: Int) -> LocalDate {
        let c = components
        let y = c.year + n
        if Int64(c.day) > Taipei.daysInMonth(Int64(y), Int64(c.month)) {
            return LocalDate(days: Int32(Taipei.daysFromCivil(Int64(y), Int64(c.month) + 1, 1)))
        }
        return LocalDate(days: Int32(Taipei.daysFromCivil(Int64(y), Int64(c.month), Int64(c.day))))
    }
}

private func reject(_ rule: Rejection.Rule, _ message: String) -> Rejection { Rejection(rule, message) }

private func roleList(_ roles: [StaffRole]) -> String { roles.map(\.rawValue).joined(separator: " or ") }

/// Validates a proposed event against the state and returns the event to append: with
/// `recordedAt = max(now, last recordedAt)`, `seq = shared.lastSeq + 1`, the `student` filled
/// in for student events, and item / batch IDs and submission contents assigned when absent.
/// `student` is the state of `proposed.impliedStudent(in: shared)` (nil or empty when that student
/// is unknown); `lookup` gives any other student's state (the actor's, when a student acts
/// on someone else). Only `submission.made` reads the shared state's school index
/// (`SharedState.Detail.school`); every other rule reads the student's own state.
public func decide(_ proposed: Event, now: Timestamp, shared: SharedState, student: StudentState?,
                   lookup: @escaping (String) -> StudentState?) throws(Rejection) -> Event {
    var e = proposed
    let now = max(now, shared.lastRecordedAt)
    e.recordedAt = now
    e.seq = shared.lastSeq + 1

    if case .storeInitialized(let d) = e.body {
        if shared.store != nil { throw reject(.state, "the store is already initialized (school \(shared.store!.schoolCode))") }
        if e.actor != d.adminId { throw reject(.authority, "the store is initialized by its first account: actor \(e.actor) must be the admin \(d.adminId)") }
        if e.onBehalfOf != nil || e.student != nil { throw reject(.input, "store.initialized has no onBehalfOf or student") }
        return e
    }
    guard shared.store != nil else { throw reject(.state, "the store is not initialized yet; run init first") }

    // The student the event is about.
    switch e.type.scope {
    case .shared:
        if e.student != nil { throw reject(.input, "\(e.type.rawValue) is a school-wide event and names no student") }
    case .student:
        guard let s = e.impliedStudent else { throw reject(.input, "\(e.type.rawValue) must name its student") }
        e.student = s
    case .studentWhenNamed:
        e.student = e.impliedStudent(in: shared)
    }
    if let s = e.student {
        if let st = student, st.id != s { throw reject(.input, "the student state given (\(st.id)) is not the event's student (\(s))") }
        if s.contains("-") { throw reject(.input, "student IDs may not contain '-': \(s)") }
    }
    // Item events: the item ID must belong to the event's student.
    if let itemId = e.body.itemId, let s = e.student {
        guard studentID(ofItem: itemId) == s else {
            throw reject(.reference, "item \(itemId) does not belong to student \(s) (item IDs start with the student ID and '-')")
        }
    }

    let acting = try resolveActor(e, shared: shared, now: now, student: student, lookup: lookup)
    try DecideContext(e: e, now: now, shared: shared, student: student, acting: acting, lookup: lookup).check(&e)
    return e
}

/// Unregistered or expired accounts do nothing; a proxy acts for an account that is
/// unavailable, departed or expired when it is that account's current proxy (SPEC §6).
private func resolveActor(_ e: Event, shared: SharedState, now: Timestamp, student: StudentState?,
                          lookup: (String) -> StudentState?) throws(Rejection) -> Acting {
    if let account = shared.staff[e.actor] {
        if account.isExpired(at: now) {
            throw reject(.authority, "the account \(e.actor) expired at \(Taipei.format(account.accountExpiresAt!)) and can do nothing")
        }
        guard let other = e.onBehalfOf else { return .staff(account) }
        guard other != e.actor else { throw reject(.input, "onBehalfOf names the actor itself") }
        guard let replaced = shared.staff[other] else { throw reject(.reference, "onBehalfOf names \(other), who is not a registered staff account") }
        guard shared.needsProxy(replaced, at: now) else {
            throw reject(.authority, "\(e.actor) may not act for \(other): \(other) is available and acts in person")
        }
        if account.unavailable { throw reject(.authority, "\(e.actor) is marked unavailable and cannot act as a proxy") }
        if account.hasDeparted(at: now) { throw reject(.authority, "\(e.actor) departed on \(account.departedOn!) and is no longer anyone's proxy") }
        guard let p = shared.currentProxy(for: replaced, at: now) else {
            throw reject(.authority, "no proxy is assigned for \(other) (neither for the account nor for its roles)")
        }
        // A proxy from a role's list holds that role's duties only.
        var duties = replaced
        duties.roles = shared.rolesHeld(by: e.actor, for: replaced, at: now)
        guard !duties.roles.isEmpty else {
            throw reject(.authority, "\(e.actor) is not the current proxy of \(other); the first available proxy is \(p)")
        }
        return .staff(duties)
    }
    let actorState = student?.id == e.actor ? student : lookup(e.actor)
    if actorState?.isEnrolled == true {
        if e.onBehalfOf != nil { throw reject(.authority, "a student cannot act on behalf of someone else") }
        return .student(e.actor)
    }
    throw reject(.authority, "\(e.actor) is not a registered account")
}

extension EventBody {
    /// The item an item event names (for uploads: when present).
    public var itemId: String? {
        switch self {
        case .courseOutcomeUploaded(let d): d.itemId
        case .performanceUploaded(let d): d.itemId
        case .courseOutcomeWithdrawn(let d), .performanceWithdrawn(let d): d.itemId
        case .courseOutcomeCertified(let d): d.itemId
        case .itemSelected(let d), .itemDeselected(let d): d.itemId
        default: nil
        }
    }
}

private struct DecideContext {
    let e: Event
    let now: Timestamp
    let shared: SharedState
    let student: StudentState?
    let acting: Acting
    let lookup: (String) -> StudentState?
    var policy: Policy { shared.policy }
    var who: String { e.onBehalfOf.map { "\(e.actor) (for \($0))" } ?? e.actor }

    // MARK: authority helpers

    func requireRole(_ roles: StaffRole...) throws(Rejection) {
        switch acting {
        case .staff(let a):
            if roles.contains(where: a.has) { return }
            throw reject(.authority, "\(who) (roles: \(a.roles.map(\.rawValue).joined(separator: ", "))) may not record \(e.type.rawValue); it needs the role \(roleList(roles))")
        case .student:
            throw reject(.authority, "student \(e.actor) may not record \(e.type.rawValue); it needs the role \(roleList(roles))")
        }
    }

    func requireSelf(_ s: String) throws(Rejection) {
        switch acting {
        case .student(let id):
            if id == s { return }
            throw reject(.authority, "student \(id) acts only on their own records, not on \(s)'s")
        case .staff:
            throw reject(.authority, "\(e.type.rawValue) is done by the student \(s) themself, not by staff account \(e.actor)")
        }
    }

    var isStudentActor: Bool { if case .student = acting { return true }; return false }

    func hasRole(_ r: StaffRole) -> Bool { if case .staff(let a) = acting { return a.has(r) }; return false }

    // MARK: reference helpers

    func requireStudent() throws(Rejection) -> (String, StudentState, Registry) {
        let s = e.student!
        guard let st = student, st.isEnrolled, let info = st.registry else {
            throw reject(.reference, "student \(s) is not enrolled in this school")
        }
        return (s, st, info)
    }

    func requireStaff(_ id: String, _ what: String) throws(Rejection) {
        guard shared.staff[id] != nil else { throw reject(.reference, "\(what) \(id) is not a registered staff account") }
    }

    func requireItem(_ id: String) throws(Rejection) -> Item {
        guard let st = student, let item = st.items[id] else { throw reject(.reference, "item \(id) does not exist") }
        return item
    }

    func requireCourse(_ id: String, _ term: Term) throws(Rejection) -> CourseInfo {
        guard let c = shared.course(id, term) else { throw reject(.reference, "course \(id) is not offered in term \(term)") }
        return c
    }

    // MARK: windows

    /// Open when the window of the named term (or, without one, of the term containing now,
    /// or of either term of the named year) contains now. No window set means closed.
    func requireWindow(_ kind: WindowKind, term: Term? = nil, year: AcademicYear? = nil) throws(Rejection) {
        let candidates: [Term] = term.map { [$0] } ?? ([Term.containing(now)] + (year?.terms ?? []))
        for t in candidates { if let w = shared.window(t, kind), w.isOpen(at: now) { return } }
        let t = candidates[0]
        if let w = shared.window(t, kind) {
            throw reject(.window, "the \(kind.rawValue) window of term \(t) is open from \(Taipei.format(w.opensAt)) to \(Taipei.format(w.closesAt)); it is now \(Taipei.format(now))")
        }
        throw reject(.window, "no \(kind.rawValue) window has been set for term \(t), so it is closed")
    }

    // MARK: item limits

    func checkItemLimits(description: String, files: [FileEntry]) throws(Rejection) {
        if description.count > policy.descriptionMaxChars {
            throw reject(.itemLimit, "the description has \(description.count) characters; at most \(policy.descriptionMaxChars) are allowed")
        }
        for (i, f) in files.enumerated() {
            let limit: Int64
            switch f.mediaType.lowercased() {
            case "application/pdf", "image/jpeg", "image/jpg", "image/png": limit = policy.documentMaxBytes
            case "audio/mpeg", "audio/mp3", "video/mp4", "audio/mp4": limit = policy.mediaMaxBytes
            default:
                throw reject(.itemLimit, "file \(i + 1) (\(f.name)) has type \(f.mediaType); accepted are PDF, JPG, PNG, MP3 and MP4")
            }
            if f.size > limit {
                throw reject(.itemLimit, "file \(i + 1) (\(f.name)) is \(f.size) bytes; the limit for \(f.mediaType) is \(limit) bytes (\(limit >> 20) MB)")
            }
        }
    }

    // MARK: the rules per type

    func check(_ out: inout Event) throws(Rejection) {
        switch e.body {
        case .storeInitialized:
            return
        case .staffRegistered(let d):
            try requireRole(.examSection)
            if shared.staff[d.staffId] != nil { throw reject(.state, "staff account \(d.staffId) is already registered") }
            if lookup(d.staffId)?.isKnown == true { throw reject(.state, "\(d.staffId) is already a student ID") }
        case .staffRolesChanged(let d):
            try requireRole(.examSection)
            try requireStaff(d.staffId, "staff account")
            if d.roles.isEmpty { throw reject(.input, "an account needs at least one role") }
        case .staffDeparted(let d):
            try requireRole(.examSection)
            try requireStaff(d.staffId, "staff account")
            if shared.staff[d.staffId]!.departedOn != nil { throw reject(.state, "staff account \(d.staffId) has already departed") }
        case .staffAccountExtended(let d):
            try requireRole(.examSection)
            try requireStaff(d.staffId, "staff account")
            if shared.staff[d.staffId]!.departedOn == nil { throw reject(.state, "staff account \(d.staffId) has not departed; only a departed account's expiry is extended") }
            if let current = shared.staff[d.staffId]!.accountExpiresAt, d.accountExpiresAt.micros <= current {
                throw reject(.state, "the account \(d.staffId) already expires at \(Taipei.format(current)); an extension must postpone the expiry, not bring it forward")
            }
        case .staffUnavailable(let d):
            try requireRole(.examSection, .academicDirector, .principal)
            try requireStaff(d.staffId, "staff account")
            if shared.staff[d.staffId]!.unavailable { throw reject(.state, "staff account \(d.staffId) is already marked unavailable") }
        case .staffAvailable(let d):
            try requireRole(.examSection, .academicDirector, .principal)
            try requireStaff(d.staffId, "staff account")
            if !shared.staff[d.staffId]!.unavailable { throw reject(.state, "staff account \(d.staffId) is not marked unavailable") }
        case .proxyAssigned(let d):
            try requireRole(.academicDirector, .principal)
            if let s = d.staffId { try requireStaff(s, "staff account") }
            for p in d.proxies {
                try requireStaff(p, "proxy")
                if p == d.staffId { throw reject(.input, "\(p) cannot be their own proxy") }
            }
        case .workingGroupMemberSet(let d):
            try requireRole(.principal, .academicDirector)
            for m in d.members { if let s = m.staffId { try requireStaff(s, "member") } }
        case .workingGroupMeetingHeld:
            try requireRole(.principal, .academicDirector)
        case .scheduleWindowSet:
            try requireRole(.academicDirector)
        case .policySet:
            try requireRole(.academicDirector)
        case .schoolTrusted(let d):
            try requireRole(.examSection, .principal)
            if !d.keyIsWellFormed { throw reject(.input, "the public key must be written ed25519:<44 base64 characters>, as the other school's 'licheng school key' prints it") }
            if d.schoolCode == shared.store?.schoolCode { throw reject(.state, "\(d.schoolCode) is this school's own code") }
        case .trainingHeld(let d):
            switch d.kind {
            case .orientation: try requireRole(.dataSection)
            case .systemTraining: try requireRole(.examSection, .careerCounselor)
            case .workshop: try requireRole(.researchSection, .courseCounselor)
            }
            for h in d.hosts { try requireStaff(h, "host") }
        case .courseOffered(let d):
            try requireRole(.examSection, .researchSection)
            for t in d.teachers { try requireStaff(t, "teacher") }
            if d.teachers.isEmpty { throw reject(.input, "a course needs at least one teacher") }

        case .studentEnrolled, .studentTransferredIn:
            try requireRole(.examSection)
            let s = e.student!
            if shared.staff[s] != nil { throw reject(.state, "\(s) is already a staff account ID") }
            if let st = student, st.isEnrolled {
                throw reject(.state, "student \(s) is already enrolled" + (st.registry?.departedOn != nil ? " (departed; use student.re-enrolled)" : ""))
            }
        case .studentRecordUpdated:
            try requireRole(.examSection)
            _ = try requireStudent()
        case .studentDeparted:
            try requireRole(.examSection)
            let (s, _, info) = try requireStudent()
            if info.departedOn != nil { throw reject(.state, "student \(s) has already departed") }
        case .studentReEnrolled:
            try requireRole(.examSection)
            let (s, _, info) = try requireStudent()
            if info.departedOn == nil { throw reject(.state, "student \(s) has not departed, so cannot re-enrol") }
        case .studentTransferredOut:
            try requireRole(.examSection)
            _ = try requireStudent()
        case .retentionPurged:
            try requireRole(.examSection)
            let (s, _, info) = try requireStudent()
            guard let left = info.departedOn, let until = shared.purgeAllowedOn(departedOn: left, recordedOn: info.departureRecordedOn) else {
                throw reject(.retention, "student \(s) has not departed; only a departed student's portfolio may be purged")
            }
            if now < until.start {
                let recorded = info.departureRecordedOn.map { $0 > left ? " (recorded on \($0))" : "" } ?? ""
                throw reject(.retention, "student \(s) departed on \(left)\(recorded); the portfolio must be kept \(policy.retentionYears) years, until \(until), and may be purged from that day on")
            }

        case .electiveRegistered(let d):
            try requireRole(.researchSection)
            _ = try requireStudent()
            for c in d.courseIds { _ = try requireCourse(c, d.term) }
        case .gradeRecorded(let d):
            try requireRole(.examSection)
            _ = try requireStudent()
            _ = try requireCourse(d.courseId, d.term)
        case .counselingRecorded:
            try requireRole(.courseCounselor)
            _ = try requireStudent()
        case .coursePlanRecorded:
            try requireRole(.counselingOffice)
            _ = try requireStudent()
        case .cadreRecorded(let d):
            switch d.level {
            case .school: try requireRole(.activitiesSection)
            case .club: try requireRole(.clubsSection)
            case .class: try requireRole(.homeroomTeacher)
            }
            let (s, _, info) = try requireStudent()
            if d.level == .class, case .staff(let a) = acting, a.homeroomClass != info.class {
                throw reject(.authority, "\(who) is homeroom teacher of class \(a.homeroomClass ?? "(none)"), not of \(s)'s class \(info.class); class cadres are recorded by their own homeroom teacher")
            }
        case .attendanceRecorded:
            try requireRole(.disciplineSection)
            _ = try requireStudent()
        case .serviceRecorded:
            try requireRole(.activitiesSection)
            _ = try requireStudent()
        case .autobiographyRecorded:
            try requireSelf(e.student!)
            _ = try requireStudent()

        case .courseOutcomeUploaded(var d):
            let s = e.student!
            try requireSelf(s)
            let (_, st, info) = try requireStudent()
            if info.departedOn != nil { throw reject(.state, "student \(s) departed on \(info.departedOn!) and can no longer upload") }
            _ = try requireCourse(d.courseId, d.term)
            var isReupload = false
            if let id = d.itemId, let old = st.items[id] {
                guard old.kind == .courseOutcome, old.status == .returned else {
                    throw reject(.state, "item \(id) already exists (\(old.status.rawValue)); only a returned course outcome may be uploaded again under its ID")
                }
                guard old.term == d.term else { throw reject(.state, "item \(id) belongs to term \(old.term!); a re-upload keeps its term") }
                isReupload = true
            }
            try requireWindow(.courseOutcomeUpload, term: d.term)
            try checkItemLimits(description: d.description, files: d.files)
            if !isReupload {
                let used = st.courseOutcomeUploads[d.term] ?? 0
                if Int64(used) >= policy.courseOutcomeUploads {
                    throw reject(.quota, "student \(s) has already uploaded \(used) course outcomes in term \(d.term); the limit is \(policy.courseOutcomeUploads).")
                }
            }
            if d.itemId == nil { d.itemId = st.nextItemId(.courseOutcome); out.body = .courseOutcomeUploaded(d) }
        case .performanceUploaded(var d):
            let s = e.student!
            try requireSelf(s)
            let (_, st, info) = try requireStudent()
            if info.departedOn != nil { throw reject(.state, "student \(s) departed on \(info.departedOn!) and can no longer upload") }
            if let id = d.itemId, let old = st.items[id] {
                throw reject(.state, "item \(id) already exists (\(old.status.rawValue))")
            }
            try requireWindow(.performanceUpload, year: d.year)
            try checkItemLimits(description: d.description, files: d.files)
            let used = st.performanceUploads[d.year] ?? 0
            if Int64(used) >= policy.performanceUploads {
                throw reject(.quota, "student \(s) has already uploaded \(used) diverse performances in academic year \(d.year); the limit is \(policy.performanceUploads).")
            }
            if d.itemId == nil { d.itemId = st.nextItemId(.performance); out.body = .performanceUploaded(d) }
        case .courseOutcomeWithdrawn(let d), .performanceWithdrawn(let d):
            try requireSelf(e.student!)
            _ = try requireStudent()
            let item = try requireItem(d.itemId)
            let expected: ItemKind = e.type == .courseOutcomeWithdrawn ? .courseOutcome : .performance
            if item.kind != expected { throw reject(.input, "item \(d.itemId) is a \(item.kind.rawValue), not a \(expected.rawValue)") }
            switch item.status {
            case .certified: throw reject(.state, "item \(d.itemId) is certified; a certified item cannot be withdrawn")
            case .withdrawn: throw reject(.state, "item \(d.itemId) is already withdrawn")
            default: break
            }
            if item.submitted { throw reject(.state, "item \(d.itemId) was submitted; a submitted item cannot be withdrawn") }
            if item.selected { throw reject(.state, "item \(d.itemId) is selected; deselect it before withdrawing it") }
        case .courseOutcomeCertified(let d):
            _ = try requireStudent()
            let item = try requireItem(d.itemId)
            guard item.kind == .courseOutcome, let term = item.term, let courseId = item.courseId else {
                throw reject(.input, "item \(d.itemId) is a diverse performance; only course outcomes are certified")
            }
            try requireRole(.subjectTeacher)
            let course = try requireCourse(courseId, term)
            if !course.teachers.contains(acting.id) {
                throw reject(.authority, "\(who) does not teach course \(courseId) (\(course.name)) in term \(term); only its teachers (\(course.teachers.joined(separator: ", "))) certify its outcomes")
            }
            switch (item.status, d.decision) {
            case (.withdrawn, _): throw reject(.state, "item \(d.itemId) was withdrawn; a withdrawn item cannot be certified")
            case (.certified, .certified): throw reject(.state, "item \(d.itemId) is already certified; the same decision twice is rejected")
            case (.returned, .returned): throw reject(.state, "item \(d.itemId) is already returned; the same decision twice is rejected")
            case (.certified, .returned): throw reject(.state, "item \(d.itemId) is already certified; a certification is final")
            case (.returned, .certified): throw reject(.state, "item \(d.itemId) was returned; it can be certified after the student uploads it again")
            case (.uploaded, _): break
            }
            try requireWindow(.certification, term: term)
        case .itemSelected(let d):
            let s = e.student!
            try requireSelf(s)
            let (_, st, _) = try requireStudent()
            let item = try requireItem(d.itemId)
            if item.selected { throw reject(.state, "item \(d.itemId) is already selected") }
            if item.kind == .courseOutcome && item.status != .certified {
                throw reject(.state, "item \(d.itemId) is \(item.status.rawValue); only certified course outcomes can be selected")
            }
            if item.status == .withdrawn { throw reject(.state, "item \(d.itemId) was withdrawn and cannot be selected") }
            if st.selectionsFrozen(item.year, item.kind) {
                throw reject(.state, "the \(item.kind.rawValue) selections of \(s) for academic year \(item.year) were submitted and are frozen")
            }
            try requireWindow(.selection, year: item.year)
            let (used, limit, label) = item.kind == .courseOutcome
                ? (st.courseOutcomeSelections[item.year] ?? 0, policy.courseOutcomeSelections, "course outcomes")
                : (st.performanceSelections[item.year] ?? 0, policy.performanceSelections, "diverse performances")
            if Int64(used) >= limit {
                throw reject(.quota, "student \(s) has already selected \(used) \(label) for academic year \(item.year); the limit is \(limit).")
            }
        case .itemDeselected(let d):
            let s = e.student!
            try requireSelf(s)
            let (_, st, _) = try requireStudent()
            let item = try requireItem(d.itemId)
            if !item.selected { throw reject(.state, "item \(d.itemId) is not selected") }
            if item.submitted || st.selectionsFrozen(item.year, item.kind) {
                throw reject(.state, "item \(d.itemId) was submitted; a submitted selection cannot be changed")
            }
            try requireWindow(.selection, year: item.year)

        case .submissionMade(var d):
            try requireRole(d.kind.owner)
            guard shared.keepsSchoolIndex else {
                throw reject(.state, "a submission is checked against the whole school's items; the state given holds only the core (an engine bug)")
            }
            if let id = d.batchId, shared.batches[id] != nil { throw reject(.state, "batch \(id) already exists") }
            if let r = d.replaces {
                guard let old = shared.batches[r] else { throw reject(.reference, "batch \(r) (to be replaced) does not exist") }
                if let by = old.replacedBy { throw reject(.state, "batch \(r) was already replaced by \(by)") }
                if old.kind != d.kind { throw reject(.state, "batch \(r) is a \(old.kind.rawValue) batch, not \(d.kind.rawValue)") }
            }
            if let t = d.term, t.year != d.year { throw reject(.input, "term \(t) is not in academic year \(d.year)") }
            try requireWindow(.submission, term: nil, year: d.year)
            let itemKind: ItemKind? = d.kind == .courseOutcomes ? .courseOutcome : d.kind == .performances ? .performance : nil
            let replacedItems = Set(d.replaces.flatMap { shared.batches[$0]?.items } ?? [])
            if d.items.isEmpty && d.students.isEmpty {
                if let k = itemKind {
                    d.items = shared.items.filter { (id, i) in
                        i.kind == k && i.year == d.year && i.selected && (d.term == nil || i.term == d.term)
                            && (!i.submitted || replacedItems.contains(id))
                    }.map(\.key).sorted()
                    d.students = Array(Set(d.items.compactMap { studentID(ofItem: $0) })).sorted()
                } else if d.kind == .cadres {
                    d.students = (shared.cadreStudents[d.year] ?? []).sorted()
                } else {
                    d.students = shared.students.values.filter { !$0.purged && $0.departedOn == nil }.map(\.id).sorted()
                }
            } else {
                for i in d.items {
                    guard let info = shared.items[i] else { throw reject(.reference, "item \(i) does not exist") }
                    if itemKind == nil || info.kind != itemKind! || !info.selected {
                        throw reject(.state, "item \(i) is not a selected \(itemKind?.rawValue ?? "item") and cannot be carried by a \(d.kind.rawValue) batch")
                    }
                    if info.submitted && !replacedItems.contains(i) {
                        throw reject(.state, "item \(i) was already submitted in batch \(shared.lastBatch(carrying: i) ?? "?")")
                    }
                }
                for s in d.students where shared.students[s] == nil { throw reject(.reference, "student \(s) does not exist") }
                if d.students.isEmpty { d.students = Array(Set(d.items.compactMap { studentID(ofItem: $0) })).sorted() }
            }
            if d.batchId == nil {
                var n = shared.batches.values.filter { $0.year == d.year && $0.kind == d.kind }.count + 1
                while shared.batches["\(d.year)-\(d.kind.rawValue)-\(n)"] != nil { n += 1 }
                d.batchId = "\(d.year)-\(d.kind.rawValue)-\(n)"
            }
            out.body = .submissionMade(d)
        case .receiptConfirmed(let d):
            let batch = try requireBatch(d.batchId)
            if let s = e.student {
                guard student?.batch(d.batchId)?.carriesStudent == true else { throw reject(.reference, "batch \(d.batchId) does not carry student \(s)") }
                if isStudentActor { try requireSelf(s) } else {
                    try requireRole(.examSection)
                    if d.method != .mail { throw reject(.authority, "staff confirm a student's receipt only by mail (method: mail) for a student who has left") }
                    guard student?.registry?.departedOn != nil else {
                        throw reject(.authority, "student \(s) has not left the school and confirms their own receipt; staff confirm by mail only for a student who has left (rules 7(3)3)")
                    }
                }
                if student?.batch(d.batchId)?.receipt?.status == .confirmed {
                    throw reject(.state, "student \(s) already confirmed the receipt of batch \(d.batchId)")
                }
            } else {
                try requireRole(.examSection)
                if batch.schoolReceipt != nil { throw reject(.state, "the school already confirmed the receipt of batch \(d.batchId)") }
            }
            try requireWindow(.receiptConfirmation, year: batch.year)
        case .receiptDisputed(let d):
            let s = e.student!
            _ = try requireBatch(d.batchId)
            guard student?.batch(d.batchId)?.carriesStudent == true else { throw reject(.reference, "batch \(d.batchId) does not carry student \(s)") }
            if isStudentActor { try requireSelf(s) } else { try requireRole(.examSection) }
            if student?.batch(d.batchId)?.receipt?.status == .disputed { throw reject(.state, "student \(s) already has an open dispute about batch \(d.batchId)") }
        case .receiptDisputeResolved(let d):
            let s = e.student!
            let batch = try requireBatch(d.batchId)
            try requireRole(batch.kind.owner)
            if student?.batch(d.batchId)?.receipt?.status != .disputed { throw reject(.state, "student \(s) has no open dispute about batch \(d.batchId)") }
        }
    }

    func requireBatch(_ id: String) throws(Rejection) -> Batch {
        guard let b = shared.batches[id] else {
            throw reject(.state, "batch \(id) was never submitted; a receipt concerns only a submitted batch")
        }
        if let by = b.replacedBy { throw reject(.state, "batch \(id) was replaced by batch \(by)") }
        return b
    }
}
