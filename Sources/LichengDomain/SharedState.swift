// The small school-wide state: everything a rule or a school-wide query needs that is not
// one student's own records. Every event is applied to it, in log order.

public struct StoreInfo: Codable, Sendable, Equatable {
    public var schoolCode: String
    public var schoolName: String
    public var adminId: String
    public var initializedAt: Timestamp
}

public struct StaffAccount: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var roles: [StaffRole]
    public var homeroomClass: String?
    public var registeredAt: Timestamp
    public var departedOn: LocalDate?
    /// The account does nothing from this time on (set by departure, moved by extension).
    public var accountExpiresAt: Timestamp?
    public var unavailable = false
    public var unavailableReason: String?

    public func has(_ role: StaffRole) -> Bool { roles.contains(role) }
    public func isExpired(at now: Timestamp) -> Bool { accountExpiresAt.map { now >= $0 } ?? false }
    /// The departure has taken effect (a departure recorded ahead of its date has not).
    public func hasDeparted(at now: Timestamp) -> Bool { departedOn.map { $0.start <= now } ?? false }
    /// Able to act in person now: not expired and not unavailable.
    public func isActive(at now: Timestamp) -> Bool { !isExpired(at: now) && !unavailable }
    /// Able to take over someone else's duties now: active and not departed. A departed
    /// teacher whose account was extended still certifies their own courses, but is no
    /// one's proxy.
    public func canServeAsProxy(at now: Timestamp) -> Bool { isActive(at: now) && !hasDeparted(at: now) }
}

public struct CourseInfo: Codable, Sendable, Equatable {
    public var courseId: String
    public var term: Term
    public var name: String
    public var teachers: [String]
    public var `class`: String?
    public var key: String { SharedState.courseKey(courseId, term) }
    public var courseTerm: CourseTerm { CourseTerm(courseId, term) }
}

public struct WindowKey: PackedKey, Codable, Sendable {
    public var term: Term
    public var kind: WindowKind

    /// The term's word and the kind's case number, in one word. (A case-only enum is stored as
    /// its case's number in declaration order, in one byte for up to 256 cases: Swift's ABI.)
    public var packed: UInt64 { term.packed << 8 | UInt64(withUnsafeBytes(of: kind) { $0[0] }) }
}

public struct WindowInfo: Codable, Sendable, Equatable {
    public var term: Term
    public var kind: WindowKind
    public var opensAt: Timestamp
    public var closesAt: Timestamp
    public var selfCheckAt: Timestamp?
    public var setSeq: UInt64
    public var setAt: Timestamp
    /// The deadline as published: the close time in force when the window first closed. A
    /// window re-set before it closes moves the deadline; re-opened after it closed, it does
    /// not, and work done after the deadline counts as late (compliance report). Nil: `closesAt`.
    public var deadline: Timestamp?
    /// Open from `opensAt` to `closesAt`, both inclusive.
    public func isOpen(at t: Timestamp) -> Bool { t >= opensAt && t <= closesAt }
    /// The published deadline (see `deadline`).
    public var publishedDeadline: Timestamp { deadline ?? closesAt }
}

/// The quota numbers and limits in force from `effectiveSeq` / `effectiveAt` on.
public struct Policy: Codable, Sendable, Equatable {
    public var courseOutcomeUploads: Int64 = 15
    public var performanceUploads: Int64 = 30
    public var courseOutcomeSelections: Int64 = 6
    public var performanceSelections: Int64 = 10
    public var retentionYears: Int64 = 3
    public var descriptionMaxChars: Int64 = 100
    /// PDF / JPG / PNG, 4 MiB.
    public var documentMaxBytes: Int64 = 4 << 20
    /// MP3 / MP4, 10 MiB.
    public var mediaMaxBytes: Int64 = 10 << 20
    public var effectiveSeq: UInt64 = 0
    public var effectiveAt: Timestamp = 0

    public init() {}
}

public enum ReceiptStatus: String, Codable, Sendable {
    case confirmed, disputed, resolved
}

public struct ReceiptRecord: Codable, Sendable, Equatable {
    public var status: ReceiptStatus
    public var method: ReceiptMethod?
    public var reason: String?
    public var seq: UInt64
    public var at: Timestamp
    public var by: String
    /// True once confirmed at least once.
    public var everConfirmed: Bool
}

/// A student's receipt of a batch (收訖), as the state keeps it: its status, how the last
/// confirmation was given, and whether the student ever confirmed. Three bytes: the log keeps
/// who acted, when and why.
public struct StudentReceipt: Codable, Sendable, Equatable {
    public var status: ReceiptStatus
    /// How the receipt was confirmed; nil while disputed or resolved.
    public var method: ReceiptMethod?
    /// Confirmed at least once (a later dispute does not undo it).
    public var everConfirmed: Bool

    public init(status: ReceiptStatus, method: ReceiptMethod? = nil, everConfirmed: Bool) {
        self.status = status; self.method = method; self.everConfirmed = everConfirmed
    }

    /// The receipt after a confirmation (with `method`), a dispute or a resolution.
    public static func after(_ previous: StudentReceipt?, _ status: ReceiptStatus, method: ReceiptMethod? = nil) -> StudentReceipt {
        StudentReceipt(status: status, method: status == .confirmed ? method : nil,
                       everConfirmed: status == .confirmed || previous?.everConfirmed == true)
    }
}

public struct Batch: Codable, Sendable, Equatable {
    /// Where the first item not below `id` is in `items` (in byte order: `itemsInByteOrder`).
    private func firstItem(notBelow id: String) -> Int {
        var low = 0, high = items.count
        while low < high {
            let mid = (low + high) / 2
            if String.utf8Precedes(items[mid], id) { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Does this batch carry the item? (Its ID's bytes, as the search compares them.)
    public func carries(_ itemId: String) -> Bool {
        let i = firstItem(notBelow: itemId)
        return i < items.count && ID.sameBytes(items[i], itemId)
    }

    public var batchId: String
    public var kind: SubmissionKind
    public var year: AcademicYear
    public var term: Term?
    public var items: [String]
    public var students: [String]
    public var replaces: String?
    public var replacedBy: String?
    public var submittedBy: String
    public var onBehalfOf: String?
    public var seq: UInt64
    public var at: Timestamp
    public var schoolReceipt: ReceiptRecord?
    public var studentReceipts = IDMap<StudentReceipt>()
}

public struct StudentInfo: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var `class`: String
    public var enrolledSeq: UInt64
    public var departedOn: LocalDate?
    public var departureReason: DepartureReason?
    /// The (Asia/Taipei) day the departure was recorded: the retention clock starts at
    /// the later of this and `departedOn`, so a backdated departure cannot shorten it.
    public var departureRecordedOn: LocalDate?
    public var purged = false
    /// The seq of the `retention.purged` event.
    public var purgedSeq: UInt64?
}

public enum ItemKind: String, Codable, Sendable { case courseOutcome = "course-outcome", performance }

public enum ItemStatus: String, Codable, Sendable, CaseIterable { case uploaded, withdrawn, certified, returned }

/// What a submission checks of an uploaded item, school-wide: its kind, year and term, whether
/// it is selected and whether a batch carried it (which batch is the student's
/// `submittedIn(_:)`). Eight bytes, one per uploaded item of the school: its student is the
/// prefix of its ID (`studentID(ofItem:)`), its course and everything else are the student's
/// (`StudentState.items`).
public struct ItemInfo: Codable, Sendable, Equatable {
    public var year: AcademicYear
    /// Bits 0–1 the semester (0: none), bit 2 a diverse performance, bit 3 selected, bit 4 submitted.
    public private(set) var bits: UInt8

    static let performanceBit: UInt8 = 1 << 2, selectedBit: UInt8 = 1 << 3, submittedBit: UInt8 = 1 << 4
    static let knownBits: UInt8 = 0b1_1111

    public init(kind: ItemKind, year: AcademicYear, semester: Int? = nil, selected: Bool = false, submitted: Bool = false) {
        precondition(semester == nil || semester == 1 || semester == 2, "semester must be 1 or 2")
        self.year = year
        bits = UInt8(semester ?? 0) | (kind == .performance ? ItemInfo.performanceBit : 0)
        self.selected = selected
        self.submitted = submitted
    }

    /// The stored form (`bits` as above); nil when it has an unknown bit or semester 3.
    public init?(year: AcademicYear, bits: UInt8) {
        guard bits & ~ItemInfo.knownBits == 0, bits & 3 != 3 else { return nil }
        self.year = year; self.bits = bits
    }

    public var kind: ItemKind { bits & ItemInfo.performanceBit == 0 ? .courseOutcome : .performance }
    /// A course outcome's term (in `year`); nil for a diverse performance.
    public var term: Term? { bits & 3 == 0 ? nil : Term(year: year, semester: Int(bits & 3)) }
    public var selected: Bool {
        get { bits & ItemInfo.selectedBit != 0 }
        set { bits = newValue ? bits | ItemInfo.selectedBit : bits & ~ItemInfo.selectedBit }
    }
    /// Carried by a submission (`submission.made`).
    public var submitted: Bool {
        get { bits & ItemInfo.submittedBit != 0 }
        set { bits = newValue ? bits | ItemInfo.submittedBit : bits & ~ItemInfo.submittedBit }
    }

    enum CodingKeys: String, CodingKey { case kind, year, semester, selected, submitted }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let semester = try c.decodeIfPresent(Int.self, forKey: .semester)
        guard semester == nil || semester == 1 || semester == 2 else {
            throw DecodingError.dataCorruptedError(forKey: .semester, in: c, debugDescription: "a semester is 1 or 2")
        }
        self.init(kind: try c.decode(ItemKind.self, forKey: .kind), year: try c.decode(AcademicYear.self, forKey: .year),
                  semester: semester, selected: try c.decode(Bool.self, forKey: .selected),
                  submitted: try c.decode(Bool.self, forKey: .submitted))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(year, forKey: .year)
        try c.encodeIfPresent(term?.semester, forKey: .semester)
        try c.encode(selected, forKey: .selected)
        try c.encode(submitted, forKey: .submitted)
    }
}

public struct MeetingInfo: Codable, Sendable, Equatable {
    public var date: LocalDate
    public var term: Term
    public var decisions: String?
    public var seq: UInt64
    public var by: String
}

public struct TrainingInfo: Codable, Sendable, Equatable {
    public var kind: TrainingKind
    public var date: LocalDate
    public var audience: [Audience]
    public var hosts: [String]
    public var title: String?
    public var seq: UInt64
}

public struct CertificationTally: Codable, Sendable, Equatable {
    public var decisions = 0
    public var insideWindow = 0
    public var byProxy = 0
    /// Decisions recorded after the window's published deadline (a re-opened window).
    public var late = 0
    public init() {}

    mutating func count(insideWindow: Bool, late isLate: Bool, byProxy proxy: Bool) {
        decisions += 1
        if insideWindow { self.insideWindow += 1 }
        if isLate { late += 1 }
        if proxy { byProxy += 1 }
    }
}

public struct SharedState: Codable, Sendable, Equatable {
    /// How much a shared state keeps. `core` is what every command needs and stays small as the
    /// school grows: the store, staff, proxies, courses, windows, policies, meetings, trainings,
    /// trusted schools, and each batch without its item and student lists. `school` adds the
    /// per-student and per-item index that school-wide work reads (the roster, items, awaiting
    /// certification, cadres, certification tallies, batches' lists and students'
    /// receipts). A student's own facts are always answered from the student's state.
    public enum Detail: UInt8, Codable, Sendable { case core, school }

    public var detail = Detail.school
    public var lastSeq: UInt64 = 0
    public var lastRecordedAt: Timestamp = 0
    public var store: StoreInfo?
    /// Staff accounts by ID (lazily decoded from a snapshot: see `LazyMap`).
    public var staff = LazyMap<StaffAccount>()
    /// Ordered proxy lists (代理順位) per staff account and per role.
    public var accountProxies: [String: [String]] = [:]
    public var roleProxies: [StaffRole: [String]] = [:]
    /// Keyed by `courseId@term` (see `courseKey`).
    public var courses = LazyMap<CourseInfo>()
    /// The course keys each teacher teaches (for read access without scanning every course).
    public var coursesByTeacher = LazyMap<[String]>()
    public var windows: [WindowKey: WindowInfo] = [:]
    /// Every policy in force over time; the last one applies now.
    public var policies: [Policy] = []
    public var batches: [String: Batch] = [:]
    public var batchOrder: [String] = []
    public var workingGroup: [WorkingGroupMember] = []
    public var meetings: [MeetingInfo] = []
    public var trainings: [TrainingInfo] = []
    public var students = IDMap<StudentInfo>()
    public var items = IDMap<ItemInfo>()
    /// Items waiting for certification, per course and term: item ID → seq of its (re-)upload.
    /// (Set with `setAwaitingCertification`, which keeps `awaitingQueue` its reverse.)
    public private(set) var awaitingCertification: [CourseTerm: IDMap<UInt64>] = [:]
    /// The queue each item of `awaitingCertification` is in (its reverse: a decision or a
    /// withdrawal names only the item). Rebuilt from `awaitingCertification` when decoded.
    public private(set) var awaitingQueue = IDMap<CourseTerm>()
    /// Students with cadre records per academic year (for `cadres` submissions).
    public var cadreStudents: [AcademicYear: Set<String>] = [:]
    /// Certification decisions per term and per teacher whose duty it was (the replaced
    /// account for a proxy), with how many fell inside the certification window.
    public var certificationTally: [Term: IDMap<CertificationTally>] = [:]
    /// Other schools' public keys (`school.trusted`), by school code; the last one registered counts.
    public var trustedSchools: [String: String] = [:]

    public init(detail: Detail = .school) { self.detail = detail }

    /// Keeps the per-student and per-item index (see `Detail`).
    public var keepsSchoolIndex: Bool { detail == .school }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case detail, lastSeq, lastRecordedAt, store, staff, accountProxies, roleProxies, courses, coursesByTeacher, windows,
             policies, batches, batchOrder, workingGroup, meetings, trainings, trustedSchools
        case students, items, awaitingCertification, cadreStudents, certificationTally
    }

    /// A core state's form leaves out the school index (always empty there): decoding it
    /// would only cost the runtime work of its types for nothing. (The engine's snapshots
    /// use a hand-written binary form of the same fields instead: `BinaryCoder.swift` in
    /// the engine; this `Codable` form serves other coders.)
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        detail = try c.decode(Detail.self, forKey: .detail)
        lastSeq = try c.decode(UInt64.self, forKey: .lastSeq)
        lastRecordedAt = try c.decode(Timestamp.self, forKey: .lastRecordedAt)
        store = try c.decodeIfPresent(StoreInfo.self, forKey: .store)
        staff = try c.decode(LazyMap<StaffAccount>.self, forKey: .staff)
        accountProxies = try c.decode([String: [String]].self, forKey: .accountProxies)
        roleProxies = try c.decode([StaffRole: [String]].self, forKey: .roleProxies)
        courses = try c.decode(LazyMap<CourseInfo>.self, forKey: .courses)
        coursesByTeacher = try c.decode(LazyMap<[String]>.self, forKey: .coursesByTeacher)
        windows = try c.decode([WindowKey: WindowInfo].self, forKey: .windows)
        policies = try c.decode([Policy].self, forKey: .policies)
        batches = try c.decode([String: Batch].self, forKey: .batches)
        batchOrder = try c.decode([String].self, forKey: .batchOrder)
        workingGroup = try c.decode([WorkingGroupMember].self, forKey: .workingGroup)
        meetings = try c.decode([MeetingInfo].self, forKey: .meetings)
        trainings = try c.decode([TrainingInfo].self, forKey: .trainings)
        trustedSchools = try c.decode([String: String].self, forKey: .trustedSchools)
        guard detail == .school else { return }
        students = try c.decode(IDMap<StudentInfo>.self, forKey: .students)
        items = try c.decode(IDMap<ItemInfo>.self, forKey: .items)
        var awaiting: [CourseTerm: IDMap<UInt64>] = [:]
        for (key, items) in try c.decode([String: IDMap<UInt64>].self, forKey: .awaitingCertification) {
            guard let course = CourseTerm(key: key) else {
                throw DecodingError.dataCorruptedError(forKey: .awaitingCertification, in: c, debugDescription: "not a course key: \(key)")
            }
            awaiting[course] = items
        }
        setAwaitingCertification(awaiting)
        cadreStudents = try c.decode([AcademicYear: Set<String>].self, forKey: .cadreStudents)
        certificationTally = try c.decode([Term: IDMap<CertificationTally>].self, forKey: .certificationTally)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(detail, forKey: .detail)
        try c.encode(lastSeq, forKey: .lastSeq)
        try c.encode(lastRecordedAt, forKey: .lastRecordedAt)
        try c.encodeIfPresent(store, forKey: .store)
        try c.encode(staff, forKey: .staff)
        try c.encode(accountProxies, forKey: .accountProxies)
        try c.encode(roleProxies, forKey: .roleProxies)
        try c.encode(courses, forKey: .courses)
        try c.encode(coursesByTeacher, forKey: .coursesByTeacher)
        try c.encode(windows, forKey: .windows)
        try c.encode(policies, forKey: .policies)
        try c.encode(batches, forKey: .batches)
        try c.encode(batchOrder, forKey: .batchOrder)
        try c.encode(workingGroup, forKey: .workingGroup)
        try c.encode(meetings, forKey: .meetings)
        try c.encode(trainings, forKey: .trainings)
        try c.encode(trustedSchools, forKey: .trustedSchools)
        guard detail == .school else { return }
        try c.encode(students, forKey: .students)
        try c.encode(items, forKey: .items)
        try c.encode(Dictionary(awaitingCertification.map { ($0.key.key, $0.value) }, uniquingKeysWith: { a, _ in a }), forKey: .awaitingCertification)
        try c.encode(cadreStudents, forKey: .cadreStudents)
        try c.encode(certificationTally, forKey: .certificationTally)
    }

    /// `courseId@year-semester`: the key of `courses`, and the text form of a `CourseTerm`.
    public static func courseKey(_ courseId: String, _ term: Term) -> String {
        courseId.appendingNumbers(UInt8(ascii: "@"), term.year.value, UInt8(ascii: "-"), term.semester)
    }
    public static func windowKey(_ term: Term, _ kind: WindowKind) -> WindowKey { WindowKey(term: term, kind: kind) }

    /// The policy in force now (after the last applied event).
    public var policy: Policy { policies.last ?? Policy() }

    /// The policy that was in force at a time.
    public func policy(at t: Timestamp) -> Policy { policies.last { $0.effectiveAt <= t } ?? Policy() }

    /// The items awaiting certification in a course, in upload order.
    public func awaiting(_ course: CourseTerm) -> [String] {
        (awaitingCertification[course] ?? [:]).sorted { ($0.value, $0.key) < ($1.value, $1.key) }.map(\.key)
    }

    public func course(_ id: String, _ term: Term) -> CourseInfo? { courses[SharedState.courseKey(id, term)] }

    /// The courses `teacher` teaches, in the order they were offered.
    public func courses(taughtBy teacher: String) -> [CourseInfo] {
        (coursesByTeacher[teacher] ?? []).compactMap { courses[$0] }
    }
    public func window(_ term: Term, _ kind: WindowKind) -> WindowInfo? { windows[SharedState.windowKey(term, kind)] }

    /// The first day a departed student's data may be purged (SPEC §7): the retention
    /// period of the policy in force, counted from the departure date, or from the day
    /// the departure was recorded when that is later. Nil for a student who has not departed.
    public func purgeAllowedOn(departedOn: LocalDate?, recordedOn: LocalDate?) -> LocalDate? {
        guard let left = departedOn else { return nil }
        return max(left, recordedOn ?? left).adding(years: Int(policy.retentionYears))
    }

    public func purgeAllowedOn(_ info: StudentInfo) -> LocalDate? {
        purgeAllowedOn(departedOn: info.departedOn, recordedOn: info.departureRecordedOn)
    }

    public func students(inClass c: String) -> [StudentInfo] {
        students.values.filter { $0.class == c && !$0.purged }.sorted { $0.id < $1.id }
    }

    /// The proxy who acts for `account` now (SPEC §6), or nil: the first available and
    /// unexpired account in its own list, failing that in the lists of its roles.
    public func currentProxy(for account: StaffAccount, at now: Timestamp) -> String? {
        let lists = [accountProxies[account.id]] + account.roles.map { roleProxies[$0] }
        return lists.lazy.compactMap { firstAvailable($0, for: account, at: now) }.first
    }

    /// The first available, unexpired account of `list` other than `account` itself.
    func firstAvailable(_ list: [String]?, for account: StaffAccount, at now: Timestamp) -> String? {
        (list ?? []).first { p in p != account.id && staff[p]?.canServeAsProxy(at: now) == true }
    }

    /// The roles of `account` whose duties `actor` holds now: all of them when `actor` is
    /// the first available proxy in the account's own list; otherwise each role whose
    /// list names `actor` first among the available (SPEC §6: the account's list, else the
    /// role's list). Empty when `actor` replaces the account in nothing.
    public func rolesHeld(by actor: String, for account: StaffAccount, at now: Timestamp) -> [StaffRole] {
        if let own = firstAvailable(accountProxies[account.id], for: account, at: now) {
            return own == actor ? account.roles : []
        }
        return account.roles.filter { firstAvailable(roleProxies[$0], for: account, at: now) == actor }
    }

    /// True when the account's duties pass to a proxy: unavailable, departed (from the
    /// effective date on) or expired.
    public func needsProxy(_ account: StaffAccount, at now: Timestamp) -> Bool {
        account.unavailable || account.hasDeparted(at: now) || account.isExpired(at: now)
    }

    /// Why an account's duties pass to a proxy now, in words ("unavailable (病假)",
    /// "departed 2025-01-10", "expired"), or nil when it acts in person.
    public func proxyReason(_ account: StaffAccount, at now: Timestamp) -> String? {
        if account.hasDeparted(at: now) {
            return "departed \(account.departedOn!)" + (account.isExpired(at: now) ? "" : account.accountExpiresAt.map { ", account open until \(Taipei.format($0))" } ?? "")
        }
        if account.isExpired(at: now) { return "account expired \(Taipei.format(account.accountExpiresAt!))" }
        if account.unavailable { return "unavailable" + (account.unavailableReason.map { " (\($0))" } ?? "") }
        return nil
    }

    /// The accounts whose duties `actor` holds now as their current proxy, by ID.
    public func accountsReplaced(by actor: String, at now: Timestamp) -> [StaffAccount] {
        guard staff[actor]?.canServeAsProxy(at: now) == true else { return [] }
        return staff.values.filter { $0.id != actor && needsProxy($0, at: now) && !rolesHeld(by: actor, for: $0, at: now).isEmpty }
            .sorted { $0.id < $1.id }
    }

    // MARK: apply

    /// Event types that change nothing here but the position (one student's own records):
    /// a replay of the shared state only needs their seq and time. Must list exactly the
    /// types `apply` ignores (`SharedStateTests.ignoredTypesChangeOnlyThePosition`).
    public static let ignoredTypes = Set(EventType.allCases.filter(isIgnored))

    /// Whether `type` is one of the `ignoredTypes`: a switch, since a `Set<EventType>` hashes
    /// the type's raw value, a `String`, at every lookup.
    static func isIgnored(_ type: EventType) -> Bool {
        switch type {
        case .electiveRegistered, .gradeRecorded, .counselingRecorded, .coursePlanRecorded, .attendanceRecorded,
             .serviceRecorded, .autobiographyRecorded, .studentTransferredOut, .performanceWithdrawn: true
        default: false
        }
    }

    /// Whether `apply` changes nothing but the position for events of this type: the
    /// `ignoredTypes`, and with `Detail.core` every event of a student's own stream.
    public func ignores(_ type: EventType) -> Bool {
        SharedState.ignores(type, detail: detail)
    }

    /// `ignores` for a state of `detail`. A replay's loop asks this of the detail it read once:
    /// asked of a state captured by the loop's closure, it copied the whole state every event.
    public static func ignores(_ type: EventType, detail: Detail) -> Bool {
        isIgnored(type) || (detail == .core && type.scope == .student)
    }

    /// Moves the state past an event of an ignored type.
    public mutating func advance(seq: UInt64, recordedAt: Timestamp) {
        lastSeq = seq
        lastRecordedAt = max(lastRecordedAt, recordedAt)
    }

    public mutating func apply(_ e: Event) {
        advance(seq: e.seq, recordedAt: e.recordedAt)
        switch e.body {
        case .storeInitialized(let d):
            store = StoreInfo(schoolCode: d.schoolCode, schoolName: d.schoolName, adminId: d.adminId, initializedAt: e.recordedAt)
            staff[d.adminId] = StaffAccount(id: d.adminId, name: d.adminName, roles: [.examSection], registeredAt: e.recordedAt)
        case .staffRegistered(let d):
            staff[d.staffId] = StaffAccount(id: d.staffId, name: d.name, roles: d.roles, homeroomClass: d.homeroomClass, registeredAt: e.recordedAt)
        case .staffRolesChanged(let d):
            staff[d.staffId]?.roles = d.roles
            staff[d.staffId]?.homeroomClass = d.homeroomClass
        case .staffDeparted(let d):
            staff[d.staffId]?.departedOn = d.effectiveOn
            staff[d.staffId]?.accountExpiresAt = d.accountExpiresAt?.micros ?? d.effectiveOn.start
        case .staffAccountExtended(let d):
            staff[d.staffId]?.accountExpiresAt = d.accountExpiresAt.micros
        case .staffUnavailable(let d):
            staff[d.staffId]?.unavailable = true
            staff[d.staffId]?.unavailableReason = d.reason
        case .staffAvailable(let d):
            staff[d.staffId]?.unavailable = false
            staff[d.staffId]?.unavailableReason = nil
        case .proxyAssigned(let d):
            if let s = d.staffId { accountProxies[s] = d.proxies }
            if let r = d.role { roleProxies[r] = d.proxies }
        case .workingGroupMemberSet(let d):
            workingGroup = d.members
        case .workingGroupMeetingHeld(let d):
            meetings.append(MeetingInfo(date: d.date, term: d.term, decisions: d.decisions, seq: e.seq, by: e.actor))
        case .scheduleWindowSet(let d):
            let key = SharedState.windowKey(d.term, d.kind)
            // The published deadline stays once it has passed (see WindowInfo.deadline).
            let deadline = windows[key].flatMap { old in old.publishedDeadline < e.recordedAt ? old.publishedDeadline : nil }
            windows[key] = WindowInfo(
                term: d.term, kind: d.kind, opensAt: d.opensAt.micros, closesAt: d.closesAt.micros,
                selfCheckAt: d.selfCheckAt?.micros, setSeq: e.seq, setAt: e.recordedAt, deadline: deadline)
        case .schoolTrusted(let d):
            trustedSchools[d.schoolCode] = d.publicKey
        case .policySet(let d):
            var p = policy
            if let v = d.courseOutcomeUploads { p.courseOutcomeUploads = v }
            if let v = d.performanceUploads { p.performanceUploads = v }
            if let v = d.courseOutcomeSelections { p.courseOutcomeSelections = v }
            if let v = d.performanceSelections { p.performanceSelections = v }
            if let v = d.retentionYears { p.retentionYears = v }
            if let v = d.descriptionMaxChars { p.descriptionMaxChars = v }
            if let v = d.documentMaxBytes { p.documentMaxBytes = v }
            if let v = d.mediaMaxBytes { p.mediaMaxBytes = v }
            p.effectiveSeq = e.seq
            p.effectiveAt = e.recordedAt
            policies.append(p)
        case .trainingHeld(let d):
            trainings.append(TrainingInfo(kind: d.kind, date: d.date, audience: d.audience, hosts: d.hosts, title: d.title, seq: e.seq))
        case .courseOffered(let d):
            let key = SharedState.courseKey(d.courseId, d.term)
            // Offered again: the new teachers replace the old.
            for t in courses[key]?.teachers ?? [] where !d.teachers.contains(t) {
                coursesByTeacher[t] = coursesByTeacher[t]?.filter { $0 != key }
            }
            courses[key] = CourseInfo(courseId: d.courseId, term: d.term, name: d.name, teachers: d.teachers, class: d.class)
            for t in d.teachers {
                var list = coursesByTeacher[t] ?? []
                if !list.contains(key) { list.append(key); coursesByTeacher[t] = list }
            }
        case .submissionMade(let d):
            guard let id = d.batchId else { return }
            // Items are kept in byte order, so that an item is found by binary search
            // (`Batch.carries`).
            batches[id] = Batch(batchId: id, kind: d.kind, year: d.year, term: d.term,
                                items: keepsSchoolIndex ? d.itemsInByteOrder : [], students: keepsSchoolIndex ? d.students : [],
                                replaces: d.replaces, submittedBy: e.actor, onBehalfOf: e.onBehalfOf, seq: e.seq, at: e.recordedAt)
            batchOrder.append(id)
            if let r = d.replaces { batches[r]?.replacedBy = id }
            if keepsSchoolIndex { for i in d.items { items.modifyValue(forKey: i) { $0.submitted = true } } }
        case .receiptConfirmed(let d) where e.student == nil:
            batches[d.batchId]?.schoolReceipt = ReceiptRecord(status: .confirmed, method: d.method, seq: e.seq, at: e.recordedAt, by: e.actor, everConfirmed: true)
        default:
            if keepsSchoolIndex { applyToSchoolIndex(e) }
        }
    }

    /// The last batch that carried this item (from the batches' item lists: a school index).
    public func lastBatch(carrying itemId: String) -> String? {
        batchOrder.last { batches[$0]?.carries(itemId) == true }
    }

    /// Puts an item in a course's certification queue (out of any queue it was in).
    private mutating func startAwaiting(_ itemId: String, _ course: CourseTerm, seq: UInt64) {
        if let old = awaitingQueue.updateValue(course, forKey: itemId) { leaveQueue(itemId, old) }
        awaitingCertification[course, default: [:]][itemId] = seq
    }

    /// Takes an item out of the certification queue it is in; the queue, or nil if it is in none.
    @discardableResult
    private mutating func stopAwaiting(_ itemId: String) -> CourseTerm? {
        guard let course = awaitingQueue.removeValue(forKey: itemId) else { return nil }
        leaveQueue(itemId, course)
        return course
    }

    /// A course with nothing left to certify leaves the index (its table would keep its room).
    private mutating func leaveQueue(_ itemId: String, _ course: CourseTerm) {
        let empty = awaitingCertification.modifyValue(forKey: course) { items -> Bool in
            items[itemId] = nil
            return items.isEmpty
        }
        if empty == true { awaitingCertification[course] = nil }
    }

    /// Sets the certification queues and rebuilds their reverse (`awaitingQueue`).
    public mutating func setAwaitingCertification(_ queues: [CourseTerm: IDMap<UInt64>]) {
        awaitingCertification = queues
        awaitingQueue = IDMap(minimumCapacity: queues.values.reduce(0) { $0 + $1.count })
        for (course, items) in queues { for (id, _) in items { awaitingQueue[id] = course } }
    }

    /// The per-student and per-item index (`Detail.school`).
    private mutating func applyToSchoolIndex(_ e: Event) {
        switch e.body {
        case .studentEnrolled(let d):
            guard let s = e.student else { return }
            students[s] = StudentInfo(id: s, name: d.name, class: d.class, enrolledSeq: e.seq)
        case .studentTransferredIn(let d):
            guard let s = e.student else { return }
            students[s] = StudentInfo(id: s, name: d.name, class: d.class, enrolledSeq: e.seq)
        case .studentRecordUpdated(let d):
            guard let s = e.student else { return }
            if let n = d.name { students[s]?.name = n }
            if let c = d.class { students[s]?.class = c }
        case .studentDeparted(let d):
            guard let s = e.student else { return }
            students[s]?.departedOn = d.effectiveOn
            students[s]?.departureReason = d.reason
            students[s]?.departureRecordedOn = LocalDate(containing: e.recordedAt)
        case .studentReEnrolled(let d):
            guard let s = e.student else { return }
            students[s]?.departedOn = nil
            students[s]?.departureReason = nil
            students[s]?.departureRecordedOn = nil
            if let c = d.class { students[s]?.class = c }
        case .retentionPurged:
            guard let s = e.student else { return }
            // A tombstone only: after the purge's redaction the student's own events no longer
            // replay, so a replay and a live state agree only if nothing else is kept.
            students[s] = StudentInfo(id: s, name: "", class: "", enrolledSeq: 0, purged: true, purgedSeq: e.seq)
            // The IDs collected first: removing while a (lazy) view of the table is held
            // would copy the whole table.
            for id in Array(items.keys.filter { isItem($0, of: s) }) { items[id] = nil }
            for id in Array(awaitingQueue.keys.filter { isItem($0, of: s) }) { stopAwaiting(id) }
        case .cadreRecorded(let d):
            if let s = e.student { cadreStudents[d.term.year, default: []].insert(s) }
        case .courseOutcomeUploaded(let d):
            guard e.student != nil, let id = d.itemId else { return }
            items[id] = ItemInfo(kind: .courseOutcome, year: d.term.year, semester: d.term.semester)
            startAwaiting(id, CourseTerm(d.courseId, d.term), seq: e.seq)
        case .courseOutcomeWithdrawn(let d):
            stopAwaiting(d.itemId)
        case .courseOutcomeCertified(let d):
            // Only an item awaiting certification can be decided on (`decide`).
            guard let t = stopAwaiting(d.itemId)?.term else { return }
            let w = window(t, .certification)
            let inWindow = w?.isOpen(at: e.recordedAt) ?? false
            let late = w.map { e.recordedAt > $0.publishedDeadline } ?? false
            certificationTally[t, default: [:]][e.onBehalfOf ?? e.actor, default: CertificationTally()].count(
                insideWindow: inWindow, late: late, byProxy: e.onBehalfOf != nil)
        case .performanceUploaded(let d):
            guard e.student != nil, let id = d.itemId else { return }
            items[id] = ItemInfo(kind: .performance, year: d.year)
        case .itemSelected(let d):
            items.modifyValue(forKey: d.itemId) { $0.selected = true }
        case .itemDeselected(let d):
            items.modifyValue(forKey: d.itemId) { $0.selected = false }
        case .receiptConfirmed(let d):
            guard let s = e.student else { return }
            batches.modifyValue(forKey: d.batchId) { $0.studentReceipts[s] = StudentReceipt.after(nil, .confirmed, method: d.method) }
        case .receiptDisputed(let d):
            guard let s = e.student else { return }
            batches.modifyValue(forKey: d.batchId) { b in
                b.studentReceipts[s] = StudentReceipt.after(b.studentReceipts[s], .disputed)
            }
        case .receiptDisputeResolved(let d):
            guard let s = e.student else { return }
            batches.modifyValue(forKey: d.batchId) { b in
                b.studentReceipts[s] = StudentReceipt.after(b.studentReceipts[s], .resolved)
            }
        default:
            break
        }
    }
}

/// A course as offered in a term: the key of the certification queues. Hashed from its parts,
/// so that an upload or a decision does not build the `courseId@year-semester` text
/// (`SharedState.courseKey`, 18 bytes and more: a heap allocation) to find its queue; the
/// course ID as an `ID` is (its bytes, by a short mix, with the term in the seed).
public struct CourseTerm: Hashable, Sendable, CustomStringConvertible {
    public var courseId: String
    public var term: Term
    public init(_ courseId: String, _ term: Term) { self.courseId = courseId; self.term = term }

    public static func == (a: CourseTerm, b: CourseTerm) -> Bool { a.term == b.term && ID.sameBytes(a.courseId, b.courseId) }

    public func hash(into hasher: inout Hasher) { hasher.combine(_rawHashValue(seed: 0)) }

    /// What `Dictionary` asks for: the course ID's bytes mixed with the term and the table's seed.
    public func _rawHashValue(seed: Int) -> Int {
        Int(truncatingIfNeeded: ID.withBytes(courseId) { ID.mix($0, seed: UInt64(truncatingIfNeeded: seed) ^ term.packed) })
    }

    /// `courseId@year-semester` (what `SharedState.courseKey` writes; the stored forms' text).
    public var key: String { SharedState.courseKey(courseId, term) }
    public var description: String { key }

    /// The course and term of a `key` text (any academic year, negative too; any course ID,
    /// empty too); nil for any other text. The term follows the last `@` (course IDs have none).
    public init?(key: String) {
        let u = Array(key.utf8)
        guard let at = u.lastIndex(of: UInt8(ascii: "@")) else { return nil }
        var i = at + 1
        let negative = i < u.count && u[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        var year = 0, digits = 0
        while i < u.count, u[i] >= UInt8(ascii: "0"), u[i] <= UInt8(ascii: "9"), digits < 11 {
            year = year * 10 + Int(u[i] - UInt8(ascii: "0"))
            i += 1
            digits += 1
        }
        guard digits > 0, let year32 = Int32(exactly: negative ? -year : year), i + 2 == u.count, u[i] == UInt8(ascii: "-"),
              u[i + 1] == UInt8(ascii: "1") || u[i + 1] == UInt8(ascii: "2") else { return nil }
        self.init(String(decoding: u[..<at], as: UTF8.self), Term(Int(year32), Int(u[i + 1] - UInt8(ascii: "0"))))
    }
}
