// Academic years (學年度) and terms (學期) in the ROC calendar.

/// Academic year N (ROC): 1 August of N+1911 to 31 July of N+1912.
public struct AcademicYear: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    /// Four bytes, not eight: years sit in every item, record and key of the replayed state.
    private var stored: Int32
    public var value: Int {
        get { Int(stored) }
        set { stored = Int32(newValue) }
    }

    public init(_ value: Int) { stored = Int32(value) }

    enum CodingKeys: String, CodingKey { case value }
    public init(from decoder: Decoder) throws {
        let v = try decoder.container(keyedBy: CodingKeys.self).decode(Int.self, forKey: .value)
        guard let year = Int32(exactly: v) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "academic year \(v) out of range"))
        }
        stored = year
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(value, forKey: .value)
    }

    /// Parses `113`.
    public init?(_ text: String) {
        guard !text.isEmpty, text.count <= 3, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              let v = Int32(text), v >= 1 else { return nil }
        stored = v
    }

    /// The academic year whose span contains the timestamp (Taipei time).
    public static func containing(_ t: Timestamp) -> AcademicYear { Term.containing(t).year }

    public var gregorianStartYear: Int { value + 1911 }
    /// 1 August 00:00 Taipei.
    public var start: Timestamp { LocalDate(days: Int32(Taipei.daysFromCivil(Int64(value + 1911), 8, 1))).start }
    /// 1 August of the next year, 00:00 Taipei (exclusive end).
    public var end: Timestamp { AcademicYear(value + 1).start }
    public var terms: [Term] { [Term(year: self, semester: 1), Term(year: self, semester: 2)] }

    public var description: String { String(value) }
    public static func < (a: AcademicYear, b: AcademicYear) -> Bool { a.value < b.value }
}

/// A semester: 1 (上學期) 1 Aug – 31 Jan, 2 (下學期) 1 Feb – 31 Jul. Written `113-1`.
public struct Term: PackedKey, Comparable, Codable, Sendable, CustomStringConvertible {
    public var year: AcademicYear
    private var storedSemester: UInt8
    /// 1 or 2.
    public var semester: Int { Int(storedSemester) }

    public init(year: AcademicYear, semester: Int) {
        precondition(semester == 1 || semester == 2, "semester must be 1 or 2")
        self.year = year
        storedSemester = UInt8(semester)
    }

    enum CodingKeys: String, CodingKey { case year, semester }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let year = try c.decode(AcademicYear.self, forKey: .year)
        let semester = try c.decode(Int.self, forKey: .semester)
        guard semester == 1 || semester == 2 else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "semester \(semester) is not 1 or 2"))
        }
        self.init(year: year, semester: semester)
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(year, forKey: .year)
        try c.encode(semester, forKey: .semester)
    }

    public init(_ year: Int, _ semester: Int) { self.init(year: AcademicYear(year), semester: semester) }

    /// The year and semester in one word (distinct for distinct terms).
    public var packed: UInt64 { UInt64(UInt32(bitPattern: Int32(truncatingIfNeeded: year.value))) << 8 | UInt64(storedSemester) }

    /// Parses `113-1` / `113-2`.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let y = AcademicYear(String(parts[0])),
              parts[1] == "1" || parts[1] == "2" else { return nil }
        self.init(year: y, semester: parts[1] == "1" ? 1 : 2)
    }

    /// The term whose span contains the timestamp (Taipei time). No Foundation calendar.
    public static func containing(_ t: Timestamp) -> Term {
        let c = Taipei.civilFromDays(Taipei.localDay(t))
        let y = Int(c.year)
        if c.month >= 8 { return Term(y - 1911, 1) }
        if c.month == 1 { return Term(y - 1912, 1) }
        return Term(y - 1912, 2)
    }

    /// 00:00 Taipei on 1 August (semester 1) or 1 February (semester 2).
    public var start: Timestamp {
        semester == 1
            ? year.start
            : LocalDate(days: Int32(Taipei.daysFromCivil(Int64(year.value + 1912), 2, 1))).start
    }

    /// Exclusive end: the start of the following term.
    public var end: Timestamp { next.start }

    public var next: Term { semester == 1 ? Term(year: year, semester: 2) : Term(year: AcademicYear(year.value + 1), semester: 1) }

    public func contains(_ t: Timestamp) -> Bool { t >= start && t < end }

    public var description: String { "\(year.value)-\(semester)" }

    public static func < (a: Term, b: Term) -> Bool {
        (a.year.value, a.semester) < (b.year.value, b.semester)
    }
}
