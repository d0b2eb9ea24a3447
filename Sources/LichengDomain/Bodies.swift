// The typed `data` of every event type. Field order in `visit` is the JSON key order and
// the stored order. Constraints: ids 1–64 of [A-Za-z0-9._-]; names ≤ 100; texts ≤ 4000.

/// `{name, mediaType, size, sha256}`: one file of an item (content lives in the file store).
public struct FileEntry: FieldRecord, Codable {
    public var name = ""
    public var mediaType = ""
    public var size: Int64 = 0
    /// The content's SHA-256, as held in memory (see `FileDigest`).
    public var digest = FileDigest("")
    /// The content's SHA-256 as 64 lowercase hex digits (the key of the file store).
    public var sha256: String {
        get { digest.text }
        set { digest = FileDigest(newValue) }
    }
    public init(name: String = "", mediaType: String = "", size: Int64 = 0, sha256: String = "") {
        self.name = name; self.mediaType = mediaType; self.size = size; self.digest = FileDigest(sha256)
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("name", &name, .text(255)); try v.field("mediaType", &mediaType, .text(100))
        try v.field("size", &size, .range(0...(1 << 40))); try v.field("sha256", &digest, .digest)
    }

    enum CodingKeys: String, CodingKey { case name, mediaType, size, sha256 }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(name: try c.decode(String.self, forKey: .name), mediaType: try c.decode(String.self, forKey: .mediaType),
                  size: try c.decode(Int64.self, forKey: .size), sha256: try c.decode(String.self, forKey: .sha256))
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name); try c.encode(mediaType, forKey: .mediaType)
        try c.encode(size, forKey: .size); try c.encode(sha256, forKey: .sha256)
    }
}

/// A file's SHA-256 as held in memory: 32 bytes when it is written the usual way (64 lowercase
/// hex digits; a `String` of them is a 112-byte heap allocation for every file of a replayed
/// state), the text itself otherwise, so that any stored text reads back unchanged. Made only
/// from its text, so two digests of the same text are always equal.
public struct FileDigest: Hashable, Sendable, FieldValue {
    private enum Storage: Hashable, Sendable {
        case bytes(UInt64, UInt64, UInt64, UInt64)
        case text(String)
    }
    private let storage: Storage

    public init(_ text: String) {
        storage = ID.withBytes(text) { FileDigest.parse($0) } ?? .text(text)
    }
    private init(_ storage: Storage) { self.storage = storage }
    /// The digest held as these four words (the 32 bytes, eight at a time, the first byte highest).
    init(words w: (UInt64, UInt64, UInt64, UInt64)) { storage = .bytes(w.0, w.1, w.2, w.3) }
    /// The four words of a compact digest; nil for one kept as text.
    var words: (UInt64, UInt64, UInt64, UInt64)? {
        if case .bytes(let a, let b, let c, let d) = storage { return (a, b, c, d) } else { return nil }
    }

    /// Held as 32 bytes (the usual form); false when the text is kept as written.
    public var isCompact: Bool {
        if case .bytes = storage { return true } else { return false }
    }

    /// The 32 bytes of 64 lowercase hex digits, or nil for any other text.
    private static func parse(_ hex: UnsafeRawBufferPointer) -> Storage? {
        words(hex: hex).map { .bytes($0.0, $0.1, $0.2, $0.3) }
    }

    /// The four words (eight bytes each, the first byte highest) of 64 lowercase hex digits,
    /// or nil for any other text.
    static func words(hex: UnsafeRawBufferPointer) -> (UInt64, UInt64, UInt64, UInt64)? {
        guard hex.count == 64,
              let a = hexWord(hex, 0), let b = hexWord(hex, 16), let c = hexWord(hex, 32), let d = hexWord(hex, 48)
        else { return nil }
        return (a, b, c, d)
    }

    /// The value of the 16 lowercase hex digits at `offset`, or nil: eight digits at a time,
    /// each byte checked and converted in the same 64-bit operations.
    private static func hexWord(_ hex: UnsafeRawBufferPointer, _ offset: Int) -> UInt64? {
        guard let high = hexHalf(hex.loadUnaligned(fromByteOffset: offset, as: UInt64.self)),
              let low = hexHalf(hex.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)) else { return nil }
        return high << 32 | low
    }

    /// Eight hex digits (the first in the lowest byte, as loaded from memory) as a 32-bit value.
    private static func hexHalf(_ raw: UInt64) -> UInt64? {
        let ones: UInt64 = 0x0101_0101_0101_0101, tops: UInt64 = 0x8080_8080_8080_8080
        let x = UInt64(littleEndian: raw)
        guard x & tops == 0 else { return nil }
        // With every byte below 0x80, a byte's top bit in these says: at least n, at most n.
        func atLeast(_ n: UInt64) -> UInt64 { ((x | tops) &- n &* ones) & tops }
        func atMost(_ n: UInt64) -> UInt64 { (((n | 0x80) &* ones) &- x) & tops }
        let digit = atLeast(0x30) & atMost(0x39), letter = atLeast(0x61) & atMost(0x66)
        guard digit | letter == tops else { return nil }
        // '0'–'9' are 0x30–0x39, 'a'–'f' 0x61–0x66: the low four bits, plus 9 for a letter.
        var n = (x & 0x0F0F_0F0F_0F0F_0F0F) &+ (letter >> 7) &* 9
        n = n.byteSwapped  // the first digit in the highest byte
        n = (n | n >> 4) & 0x00FF_00FF_00FF_00FF
        n = (n | n >> 8) & 0x0000_FFFF_0000_FFFF
        n = (n | n >> 16) & 0x0000_0000_FFFF_FFFF
        return n
    }

    /// Writes the 64 hex digits of the four words into `out`.
    private static func writeHex(_ a: UInt64, _ b: UInt64, _ c: UInt64, _ d: UInt64, into out: UnsafeMutableBufferPointer<UInt8>) {
        for k in 0..<4 {
            let v = k == 0 ? a : k == 1 ? b : k == 2 ? c : d
            for i in 0..<16 {
                let n = UInt8(truncatingIfNeeded: v >> UInt64(60 - 4 * i)) & 0xF
                out[k * 16 + i] = n < 10 ? 48 + n : 87 + n
            }
        }
    }

    /// The digest as written: 64 lowercase hex digits (or the text it was made from).
    public var text: String {
        switch storage {
        case .text(let t): return t
        case .bytes(let a, let b, let c, let d):
            return String(unsafeUninitializedCapacity: 64) { out in
                FileDigest.writeHex(a, b, c, d, into: out)
                return 64
            }
        }
    }

    public static func fromJSON(_ j: JSONValue, path: String, line: Int?, constraint: Constraint) throws(InputError) -> FileDigest {
        FileDigest(try String.fromJSON(j, path: path, line: line, constraint: constraint))
    }
    public func toJSON() -> JSONValue? { .string(text) }
    /// The stored form is the text's (a length, then its UTF-8), written without making a `String`.
    public func write(to w: inout ByteWriter) {
        switch storage {
        case .text(let t): w.string(t)
        case .bytes(let a, let b, let c, let d):
            w.varint(64)
            let start = w.bytes.count
            w.bytes.append(contentsOf: repeatElement(0, count: 64))
            w.bytes.withUnsafeMutableBufferPointer { all in
                FileDigest.writeHex(a, b, c, d, into: UnsafeMutableBufferPointer(rebasing: all[start..<start + 64]))
            }
        }
    }
    public static func read(from r: inout ByteReader, version: UInt8) throws(StoredDecodeError) -> FileDigest {
        try r.stringBytes { raw in (parse(raw) ?? String(exactUTF8: raw).map { .text($0) }).map(FileDigest.init) }
    }
}

public struct WorkingGroupMember: FieldRecord, Codable {
    public var name = ""
    public var position = ""
    public var staffId: String?
    public init(name: String = "", position: String = "", staffId: String? = nil) {
        self.name = name; self.position = position; self.staffId = staffId
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("name", &name, .text(100)); try v.field("position", &position, .text(100))
        try v.field("staffId", &staffId, .id)
    }
}

public struct AutobiographySection: FieldRecord, Codable {
    public var heading = ""
    public var text = ""
    public init(heading: String = "", text: String = "") {
        self.heading = heading; self.text = text
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("heading", &heading, .text(100)); try v.field("text", &text, .text(4000))
    }
}

public struct StoreInitialized: FieldRecord {
    public var schoolCode = ""
    public var schoolName = ""
    public var adminId = ""
    public var adminName = ""
    public init(schoolCode: String = "", schoolName: String = "", adminId: String = "", adminName: String = "") {
        self.schoolCode = schoolCode; self.schoolName = schoolName; self.adminId = adminId; self.adminName = adminName
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("schoolCode", &schoolCode, .id); try v.field("schoolName", &schoolName, .text(100))
        try v.field("adminId", &adminId, .id); try v.field("adminName", &adminName, .text(100))
    }
}

public struct StaffRegistered: FieldRecord {
    public var staffId = ""
    public var name = ""
    public var roles: [StaffRole] = []
    /// The class a homeroom teacher (導師) leads.
    public var homeroomClass: String?
    public init(staffId: String = "", name: String = "", roles: [StaffRole] = [], homeroomClass: String? = nil) {
        self.staffId = staffId; self.name = name; self.roles = roles; self.homeroomClass = homeroomClass
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("staffId", &staffId, .id); try v.field("name", &name, .text(100))
        try v.field("roles", &roles); try v.field("homeroomClass", &homeroomClass, .id)
    }
    public func validate() -> (field: String, message: String)? {
        roles.isEmpty ? ("roles", "at least one role is required") : nil
    }
}

public struct StaffRolesChanged: FieldRecord {
    public var staffId = ""
    public var roles: [StaffRole] = []
    public var homeroomClass: String?
    public init(staffId: String = "", roles: [StaffRole] = [], homeroomClass: String? = nil) {
        self.staffId = staffId; self.roles = roles; self.homeroomClass = homeroomClass
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("staffId", &staffId, .id); try v.field("roles", &roles)
        try v.field("homeroomClass", &homeroomClass, .id)
    }
}

public struct StaffDeparted: FieldRecord {
    public var staffId = ""
    public var effectiveOn = LocalDate(days: 0)
    /// Until when the account stays usable; default 00:00 of `effectiveOn`.
    public var accountExpiresAt: Instant?
    public init(staffId: String = "", effectiveOn: LocalDate = LocalDate(days: 0), accountExpiresAt: Instant? = nil) {
        self.staffId = staffId; self.effectiveOn = effectiveOn; self.accountExpiresAt = accountExpiresAt
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("staffId", &staffId, .id); try v.field("effectiveOn", &effectiveOn)
        try v.field("accountExpiresAt", &accountExpiresAt)
    }
}

public struct StaffAccountExtended: FieldRecord {
    public var staffId = ""
    public var accountExpiresAt = Instant(0)
    public init(staffId: String = "", accountExpiresAt: Instant = Instant(0)) {
        self.staffId = staffId; self.accountExpiresAt = accountExpiresAt
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("staffId", &staffId, .id); try v.field("accountExpiresAt", &accountExpiresAt)
    }
}

public struct StaffUnavailable: FieldRecord {
    public var staffId = ""
    public var reason: String?
    public init(staffId: String = "", reason: String? = nil) {
        self.staffId = staffId; self.reason = reason
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("staffId", &staffId, .id); try v.field("reason", &reason, .text(200))
    }
}

public struct StaffAvailable: FieldRecord {
    public var staffId = ""
    public init(staffId: String = "") {
        self.staffId = staffId
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws { try v.field("staffId", &staffId, .id) }
}

/// Exactly one of `staffId` or `role`: whom the ordered `proxies` list replaces.
public struct ProxyAssigned: FieldRecord {
    public var staffId: String?
    public var role: StaffRole?
    public var proxies: [String] = []
    public init(staffId: String? = nil, role: StaffRole? = nil, proxies: [String] = []) {
        self.staffId = staffId; self.role = role; self.proxies = proxies
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("staffId", &staffId, .id); try v.field("role", &role); try v.field("proxies", &proxies, .id)
    }
    public func validate() -> (field: String, message: String)? {
        (staffId == nil) == (role == nil) ? ("staffId", "give exactly one of staffId or role") : nil
    }
}

public struct WorkingGroupMemberSet: FieldRecord {
    public var members: [WorkingGroupMember] = []
    public init(members: [WorkingGroupMember] = []) {
        self.members = members
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws { try v.field("members", &members) }
}

public struct WorkingGroupMeetingHeld: FieldRecord {
    public var date = LocalDate(days: 0)
    public var term = Term(100, 1)
    public var decisions: String?
    public init(date: LocalDate = LocalDate(days: 0), term: Term = Term(100, 1), decisions: String? = nil) {
        self.date = date; self.term = term; self.decisions = decisions
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("date", &date); try v.field("term", &term); try v.field("decisions", &decisions, .text(4000))
    }
}

public struct ScheduleWindowSet: FieldRecord {
    public var term = Term(100, 1)
    public var kind = WindowKind.courseOutcomeUpload
    public var opensAt = Instant(0)
    public var closesAt = Instant(0)
    public var selfCheckAt: Instant?
    public init(term: Term = Term(100, 1), kind: WindowKind = WindowKind.courseOutcomeUpload, opensAt: Instant = Instant(0), closesAt: Instant = Instant(0), selfCheckAt: Instant? = nil) {
        self.term = term; self.kind = kind; self.opensAt = opensAt; self.closesAt = closesAt; self.selfCheckAt = selfCheckAt
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("term", &term); try v.field("kind", &kind); try v.field("opensAt", &opensAt)
        try v.field("closesAt", &closesAt); try v.field("selfCheckAt", &selfCheckAt)
    }
    public func validate() -> (field: String, message: String)? {
        closesAt < opensAt ? ("closesAt", "closes before it opens") : nil
    }
}

/// Absent fields keep their previous value.
public struct PolicySet: FieldRecord {
    public var courseOutcomeUploads: Int64?
    public var performanceUploads: Int64?
    public var courseOutcomeSelections: Int64?
    public var performanceSelections: Int64?
    public var retentionYears: Int64?
    public var descriptionMaxChars: Int64?
    public var documentMaxBytes: Int64?
    public var mediaMaxBytes: Int64?
    public init(courseOutcomeUploads: Int64? = nil, performanceUploads: Int64? = nil, courseOutcomeSelections: Int64? = nil, performanceSelections: Int64? = nil, retentionYears: Int64? = nil, descriptionMaxChars: Int64? = nil, documentMaxBytes: Int64? = nil, mediaMaxBytes: Int64? = nil) {
        self.courseOutcomeUploads = courseOutcomeUploads; self.performanceUploads = performanceUploads; self.courseOutcomeSelections = courseOutcomeSelections; self.performanceSelections = performanceSelections; self.retentionYears = retentionYears; self.descriptionMaxChars = descriptionMaxChars; self.documentMaxBytes = documentMaxBytes; self.mediaMaxBytes = mediaMaxBytes
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("courseOutcomeUploads", &courseOutcomeUploads, .range(0...1000))
        try v.field("performanceUploads", &performanceUploads, .range(0...1000))
        try v.field("courseOutcomeSelections", &courseOutcomeSelections, .range(0...1000))
        try v.field("performanceSelections", &performanceSelections, .range(0...1000))
        // SPEC §7 / rules 8: kept at least 3 years after departure.
        try v.field("retentionYears", &retentionYears, .range(3...100))
        try v.field("descriptionMaxChars", &descriptionMaxChars, .range(1...4000))
        try v.field("documentMaxBytes", &documentMaxBytes, .range(1...(1 << 34)))
        try v.field("mediaMaxBytes", &mediaMaxBytes, .range(1...(1 << 34)))
    }
}

public struct TrainingHeld: FieldRecord {
    public var kind = TrainingKind.orientation
    public var date = LocalDate(days: 0)
    public var audience: [Audience] = []
    public var hosts: [String] = []
    public var title: String?
    public init(kind: TrainingKind = TrainingKind.orientation, date: LocalDate = LocalDate(days: 0), audience: [Audience] = [], hosts: [String] = [], title: String? = nil) {
        self.kind = kind; self.date = date; self.audience = audience; self.hosts = hosts; self.title = title
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("kind", &kind); try v.field("date", &date); try v.field("audience", &audience)
        try v.field("hosts", &hosts, .id); try v.field("title", &title, .text(200))
    }
}

public struct StudentEnrolled: FieldRecord {
    public var name = ""
    public var `class` = ""
    public var nationalId: String?
    public var admittedOn: LocalDate?
    public init(name: String = "", `class`: String = "", nationalId: String? = nil, admittedOn: LocalDate? = nil) {
        self.name = name; self.`class` = `class`; self.nationalId = nationalId; self.admittedOn = admittedOn
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("name", &name, .text(100)); try v.field("class", &`class`, .id)
        try v.field("nationalId", &nationalId, .id); try v.field("admittedOn", &admittedOn)
    }
}

public struct StudentRecordUpdated: FieldRecord {
    public var name: String?
    public var `class`: String?
    public var nationalId: String?
    public var admittedOn: LocalDate?
    public init(name: String? = nil, `class`: String? = nil, nationalId: String? = nil, admittedOn: LocalDate? = nil) {
        self.name = name; self.`class` = `class`; self.nationalId = nationalId; self.admittedOn = admittedOn
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("name", &name, .text(100)); try v.field("class", &`class`, .id)
        try v.field("nationalId", &nationalId, .id); try v.field("admittedOn", &admittedOn)
    }
    public func validate() -> (field: String, message: String)? {
        name == nil && `class` == nil && nationalId == nil && admittedOn == nil ? ("name", "nothing to update") : nil
    }
}

public struct StudentDeparted: FieldRecord {
    public var reason = DepartureReason.graduated
    public var effectiveOn = LocalDate(days: 0)
    public init(reason: DepartureReason = DepartureReason.graduated, effectiveOn: LocalDate = LocalDate(days: 0)) {
        self.reason = reason; self.effectiveOn = effectiveOn
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("reason", &reason); try v.field("effectiveOn", &effectiveOn)
    }
}

public struct StudentReEnrolled: FieldRecord {
    public var kind = ReEnrolmentKind.resumed
    public var effectiveOn = LocalDate(days: 0)
    public var `class`: String?
    public init(kind: ReEnrolmentKind = ReEnrolmentKind.resumed, effectiveOn: LocalDate = LocalDate(days: 0), `class`: String? = nil) {
        self.kind = kind; self.effectiveOn = effectiveOn; self.`class` = `class`
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("kind", &kind); try v.field("effectiveOn", &effectiveOn); try v.field("class", &`class`, .id)
    }
}

public struct CourseOffered: FieldRecord {
    public var courseId = ""
    public var term = Term(100, 1)
    public var name = ""
    public var teachers: [String] = []
    public var `class`: String?
    public init(courseId: String = "", term: Term = Term(100, 1), name: String = "", teachers: [String] = [], `class`: String? = nil) {
        self.courseId = courseId; self.term = term; self.name = name; self.teachers = teachers; self.`class` = `class`
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("courseId", &courseId, .id); try v.field("term", &term); try v.field("name", &name, .text(100))
        try v.field("teachers", &teachers, .id); try v.field("class", &`class`, .id)
    }
}

public struct ElectiveRegistered: FieldRecord {
    public var term = Term(100, 1)
    public var courseIds: [String] = []
    public init(term: Term = Term(100, 1), courseIds: [String] = []) {
        self.term = term; self.courseIds = courseIds
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("term", &term); try v.field("courseIds", &courseIds, .id)
    }
}

public struct GradeRecorded: FieldRecord {
    public var courseId = ""
    public var term = Term(100, 1)
    public var score: Double = 0
    public var credits: Int64 = 0
    public init(courseId: String = "", term: Term = Term(100, 1), score: Double = 0, credits: Int64 = 0) {
        self.courseId = courseId; self.term = term; self.score = score; self.credits = credits
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("courseId", &courseId, .id); try v.field("term", &term)
        try v.field("score", &score, .range(0...100)); try v.field("credits", &credits, .range(0...20))
    }
}

public struct CounselingRecorded: FieldRecord {
    public var heldAt = Instant(0)
    public var place = ""
    public var content = ""
    public var opinion = ""
    public init(heldAt: Instant = Instant(0), place: String = "", content: String = "", opinion: String = "") {
        self.heldAt = heldAt; self.place = place; self.content = content; self.opinion = opinion
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("heldAt", &heldAt); try v.field("place", &place, .text(100))
        try v.field("content", &content, .text(4000)); try v.field("opinion", &opinion, .text(4000))
    }
}

public struct CoursePlanRecorded: FieldRecord {
    public var term = Term(100, 1)
    public var groupExploration = ""
    public var careerPlan = ""
    public init(term: Term = Term(100, 1), groupExploration: String = "", careerPlan: String = "") {
        self.term = term; self.groupExploration = groupExploration; self.careerPlan = careerPlan
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("term", &term); try v.field("groupExploration", &groupExploration, .text(4000))
        try v.field("careerPlan", &careerPlan, .text(4000))
    }
}

public struct CadreRecorded: FieldRecord {
    public var level = CadreLevel.school
    public var title = ""
    public var term = Term(100, 1)
    public var unit: String?
    public init(level: CadreLevel = CadreLevel.school, title: String = "", term: Term = Term(100, 1), unit: String? = nil) {
        self.level = level; self.title = title; self.term = term; self.unit = unit
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("level", &level); try v.field("title", &title, .text(100)); try v.field("term", &term)
        try v.field("unit", &unit, .text(100))
    }
}

public struct AttendanceRecorded: FieldRecord {
    public var term = Term(100, 1)
    public var excusedPeriods: Int64 = 0
    public var unexcusedPeriods: Int64 = 0
    public var notes: String?
    public init(term: Term = Term(100, 1), excusedPeriods: Int64 = 0, unexcusedPeriods: Int64 = 0, notes: String? = nil) {
        self.term = term; self.excusedPeriods = excusedPeriods; self.unexcusedPeriods = unexcusedPeriods; self.notes = notes
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("term", &term); try v.field("excusedPeriods", &excusedPeriods, .range(0...10000))
        try v.field("unexcusedPeriods", &unexcusedPeriods, .range(0...10000)); try v.field("notes", &notes, .text(1000))
    }
}

public struct ServiceRecorded: FieldRecord {
    public var date = LocalDate(days: 0)
    public var organization = ""
    public var hours: Double = 0
    public var description: String?
    public init(date: LocalDate = LocalDate(days: 0), organization: String = "", hours: Double = 0, description: String? = nil) {
        self.date = date; self.organization = organization; self.hours = hours; self.description = description
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("date", &date); try v.field("organization", &organization, .text(100))
        try v.field("hours", &hours, .range(0...1000)); try v.field("description", &description, .text(1000))
    }
}

/// Replaces the student's autobiography / study plan as a whole.
public struct AutobiographyRecorded: FieldRecord {
    public var sections: [AutobiographySection] = []
    public init(sections: [AutobiographySection] = []) {
        self.sections = sections
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws { try v.field("sections", &sections) }
}

/// Schema v1 had no `description` (upcast to ""); v2 (current) has it.
/// The title, description and files are held as one `ItemContent` (a replay moves them into
/// the item without making a `String` of any text); they read and write as fields.
public struct CourseOutcomeUploaded: FieldRecord, HoldsItemContent {
    public var itemId: String?
    public var term = Term(100, 1)
    public var courseId = ""
    public var content = ItemContent.empty
    public init(itemId: String? = nil, term: Term = Term(100, 1), courseId: String = "", title: String = "", description: String = "", files: [FileEntry] = []) {
        self.itemId = itemId; self.term = term; self.courseId = courseId
        self.content = ItemContent(title: title, description: description, files: files)
    }
    /// Schema version 1 had no description.
    static func hasDescription(_ version: UInt8) -> Bool { version == 0 || version >= 2 }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("itemId", &itemId, .id); try v.field("term", &term); try v.field("courseId", &courseId, .id)
        // The content's fields as values (each of the three properties' setters would rebuild it).
        var title = content.title, description = content.description, files = content.files
        try v.field("title", &title, .text(100))
        if Self.hasDescription(v.version) { try v.field("description", &description, .text(4000), optional: true) }
        try v.field("files", &files, .none, optional: true)
        if V.setsFields { content = ItemContent(title: title, description: description, files: files) }
    }
    /// The fields in `visit`'s order, the content without `String`s (see `StoredContent`).
    public static func read(from r: inout ByteReader, version: UInt8) throws(StoredDecodeError) -> CourseOutcomeUploaded {
        let itemId = try String?.read(from: &r, version: version)
        let term = try Term.read(from: &r, version: version)
        let courseId = try String.read(from: &r, version: version)
        let content = try StoredContent.read(&r, hasDescription: hasDescription(version)) { _ throws(StoredDecodeError) in }
        return CourseOutcomeUploaded(itemId: itemId, term: term, courseId: courseId, content: content)
    }
    private init(itemId: String?, term: Term, courseId: String, content: ItemContent) {
        self.itemId = itemId; self.term = term; self.courseId = courseId; self.content = content
    }

    enum CodingKeys: String, CodingKey { case itemId, term, courseId, title, description, files }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(itemId: try c.decodeIfPresent(String.self, forKey: .itemId), term: try c.decode(Term.self, forKey: .term),
                  courseId: try c.decode(String.self, forKey: .courseId), title: try c.decode(String.self, forKey: .title),
                  description: try c.decode(String.self, forKey: .description), files: try c.decode([FileEntry].self, forKey: .files))
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(itemId, forKey: .itemId); try c.encode(term, forKey: .term); try c.encode(courseId, forKey: .courseId)
        try c.encode(title, forKey: .title); try c.encode(description, forKey: .description); try c.encode(files, forKey: .files)
    }
}

public struct ItemWithdrawn: FieldRecord {
    public var itemId = ""
    public var reason: String?
    public init(itemId: String = "", reason: String? = nil) {
        self.itemId = itemId; self.reason = reason
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("itemId", &itemId, .id); try v.field("reason", &reason, .text(200))
    }
}

/// `reason` is required when returned; `comment` is free text.
public struct CourseOutcomeCertified: FieldRecord {
    public var itemId = ""
    public var decision = CertificationDecision.certified
    public var reason: ReturnReason?
    public var comment: String?
    public init(itemId: String = "", decision: CertificationDecision = CertificationDecision.certified, reason: ReturnReason? = nil, comment: String? = nil) {
        self.itemId = itemId; self.decision = decision; self.reason = reason; self.comment = comment
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("itemId", &itemId, .id); try v.field("decision", &decision); try v.field("reason", &reason)
        try v.field("comment", &comment, .text(500))
    }
    public func validate() -> (field: String, message: String)? {
        if decision == .returned && reason == nil { return ("reason", "a return needs a reason: not-own-work or wrong-course") }
        if decision == .certified && reason != nil { return ("reason", "a certification has no return reason") }
        return nil
    }
}

/// The title, description and files are held as one `ItemContent`, as in `CourseOutcomeUploaded`.
public struct PerformanceUploaded: FieldRecord, HoldsItemContent {
    public var itemId: String?
    public var year = AcademicYear(100)
    public var category = PerformanceCategory.other
    public var startedOn: LocalDate?
    public var endedOn: LocalDate?
    public var content = ItemContent.empty
    public init(itemId: String? = nil, year: AcademicYear = AcademicYear(100), category: PerformanceCategory = PerformanceCategory.other, title: String = "", description: String = "", startedOn: LocalDate? = nil, endedOn: LocalDate? = nil, files: [FileEntry] = []) {
        self.itemId = itemId; self.year = year; self.category = category; self.startedOn = startedOn; self.endedOn = endedOn
        self.content = ItemContent(title: title, description: description, files: files)
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("itemId", &itemId, .id); try v.field("year", &year); try v.field("category", &category)
        // The content's fields as values (each of the three properties' setters would rebuild it).
        var title = content.title, description = content.description, files = content.files
        try v.field("title", &title, .text(100)); try v.field("description", &description, .text(4000), optional: true)
        try v.field("startedOn", &startedOn); try v.field("endedOn", &endedOn)
        try v.field("files", &files, .none, optional: true)
        if V.setsFields { content = ItemContent(title: title, description: description, files: files) }
    }
    /// The fields in `visit`'s order, the content without `String`s (see `StoredContent`).
    public static func read(from r: inout ByteReader, version: UInt8) throws(StoredDecodeError) -> PerformanceUploaded {
        let itemId = try String?.read(from: &r, version: version)
        let year = try AcademicYear.read(from: &r, version: version)
        let category = try PerformanceCategory.read(from: &r, version: version)
        var startedOn: LocalDate?, endedOn: LocalDate?
        let content = try StoredContent.read(&r, hasDescription: true) { r throws(StoredDecodeError) in
            startedOn = try LocalDate?.read(from: &r, version: version)
            endedOn = try LocalDate?.read(from: &r, version: version)
        }
        return PerformanceUploaded(itemId: itemId, year: year, category: category, startedOn: startedOn, endedOn: endedOn,
                                   content: content)
    }
    private init(itemId: String?, year: AcademicYear, category: PerformanceCategory, startedOn: LocalDate?, endedOn: LocalDate?,
                 content: ItemContent) {
        self.itemId = itemId; self.year = year; self.category = category; self.startedOn = startedOn; self.endedOn = endedOn
        self.content = content
    }

    enum CodingKeys: String, CodingKey { case itemId, year, category, title, description, startedOn, endedOn, files }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(itemId: try c.decodeIfPresent(String.self, forKey: .itemId), year: try c.decode(AcademicYear.self, forKey: .year),
                  category: try c.decode(PerformanceCategory.self, forKey: .category), title: try c.decode(String.self, forKey: .title),
                  description: try c.decode(String.self, forKey: .description),
                  startedOn: try c.decodeIfPresent(LocalDate.self, forKey: .startedOn),
                  endedOn: try c.decodeIfPresent(LocalDate.self, forKey: .endedOn), files: try c.decode([FileEntry].self, forKey: .files))
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(itemId, forKey: .itemId); try c.encode(year, forKey: .year); try c.encode(category, forKey: .category)
        try c.encode(title, forKey: .title); try c.encode(description, forKey: .description)
        try c.encodeIfPresent(startedOn, forKey: .startedOn); try c.encodeIfPresent(endedOn, forKey: .endedOn)
        try c.encode(files, forKey: .files)
    }
}

public struct ItemRef: FieldRecord {
    public var itemId = ""
    public init(itemId: String = "") {
        self.itemId = itemId
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws { try v.field("itemId", &itemId, .id) }
}

/// `batchId`, `items` and `students` are filled in by `decide` when absent.
public struct SubmissionMade: FieldRecord {
    public var batchId: String?
    public var kind = SubmissionKind.courseOutcomes
    public var year = AcademicYear(100)
    public var term: Term?
    public var items: [String] = []
    public var students: [String] = []
    public var replaces: String?
    public init(batchId: String? = nil, kind: SubmissionKind = SubmissionKind.courseOutcomes, year: AcademicYear = AcademicYear(100), term: Term? = nil, items: [String] = [], students: [String] = [], replaces: String? = nil) {
        self.batchId = batchId; self.kind = kind; self.year = year; self.term = term; self.items = items; self.students = students; self.replaces = replaces
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("batchId", &batchId, .id); try v.field("kind", &kind); try v.field("year", &year)
        try v.field("term", &term); try v.field("items", &items, .id, optional: true)
        try v.field("students", &students, .id, optional: true); try v.field("replaces", &replaces, .id)
    }
}

public struct ReceiptConfirmed: FieldRecord {
    public var batchId = ""
    public var method = ReceiptMethod.platform
    public var note: String?
    public init(batchId: String = "", method: ReceiptMethod = ReceiptMethod.platform, note: String? = nil) {
        self.batchId = batchId; self.method = method; self.note = note
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("batchId", &batchId, .id); try v.field("method", &method, .none, optional: true)
        try v.field("note", &note, .text(500))
    }
}

public struct ReceiptDisputed: FieldRecord {
    public var batchId = ""
    public var reason = ""
    public init(batchId: String = "", reason: String = "") {
        self.batchId = batchId; self.reason = reason
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("batchId", &batchId, .id); try v.field("reason", &reason, .text(1000))
    }
}

public struct ReceiptDisputeResolved: FieldRecord {
    public var batchId = ""
    public var resolution: String?
    public init(batchId: String = "", resolution: String? = nil) {
        self.batchId = batchId; self.resolution = resolution
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("batchId", &batchId, .id); try v.field("resolution", &resolution, .text(1000))
    }
}

public struct StudentTransferredOut: FieldRecord {
    public var destinationSchool = ""
    public var effectiveOn = LocalDate(days: 0)
    public var bundleDigest: String?
    public init(destinationSchool: String = "", effectiveOn: LocalDate = LocalDate(days: 0), bundleDigest: String? = nil) {
        self.destinationSchool = destinationSchool; self.effectiveOn = effectiveOn; self.bundleDigest = bundleDigest
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("destinationSchool", &destinationSchool, .id); try v.field("effectiveOn", &effectiveOn)
        try v.field("bundleDigest", &bundleDigest, .digest)
    }
}

/// Registers the student here (like `student.enrolled`) with the provenance of the imported bundle.
public struct StudentTransferredIn: FieldRecord {
    public var sourceSchool = ""
    public var bundleDigest = ""
    public var name = ""
    public var `class` = ""
    public var importedEvents: Int64 = 0
    public init(sourceSchool: String = "", bundleDigest: String = "", name: String = "", `class`: String = "", importedEvents: Int64 = 0) {
        self.sourceSchool = sourceSchool; self.bundleDigest = bundleDigest; self.name = name; self.`class` = `class`; self.importedEvents = importedEvents
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("sourceSchool", &sourceSchool, .id); try v.field("bundleDigest", &bundleDigest, .digest)
        try v.field("name", &name, .text(100)); try v.field("class", &`class`, .id)
        try v.field("importedEvents", &importedEvents, .range(0...(1 << 40)), optional: true)
    }
}

public struct RetentionPurged: FieldRecord {
    public var note: String?
    public init(note: String? = nil) {
        self.note = note
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws { try v.field("note", &note, .text(500)) }
}

/// Another school's Ed25519 public key, whose transfer bundles this school accepts.
public struct SchoolTrusted: FieldRecord {
    public var schoolCode = ""
    /// `ed25519:<base64 of 32 bytes>` as that school's `licheng school key` prints it.
    public var publicKey = ""
    public init(schoolCode: String = "", publicKey: String = "") {
        self.schoolCode = schoolCode; self.publicKey = publicKey
    }
    mutating public func visit<V: FieldVisitor>(_ v: inout V) throws {
        try v.field("schoolCode", &schoolCode, .id); try v.field("publicKey", &publicKey, .text(100))
    }

    /// True when `publicKey` looks like `ed25519:` and 44 base64 characters ending in one `=`.
    public var keyIsWellFormed: Bool {
        guard publicKey.hasPrefix("ed25519:") else { return false }
        let b = Array(publicKey.utf8.dropFirst(8))
        guard b.count == 44, b[43] == 61 else { return false }
        return b[0..<43].allSatisfy { ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 43 || $0 == 47 }
    }
}
