// Calendar and time: Asia/Taipei (+08:00, no DST), RFC 3339, civil dates.
// All arithmetic is done by hand (days-from-civil), never with Foundation's Calendar,
// so that it is cheap on replay paths.

/// Microseconds since the Unix epoch (UTC).
public typealias Timestamp = Int64

public enum Taipei {
    /// The fixed offset of Asia/Taipei (+08:00; Taiwan has no daylight saving time).
    public static let offsetSeconds: Int64 = 8 * 3600
    public static let microsPerSecond: Int64 = 1_000_000
    public static let microsPerDay: Int64 = 86_400 * 1_000_000

    /// Days since 1970-01-01 of a proleptic Gregorian civil date (H. Hinnant's algorithm).
    @inlinable
    public static func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The civil date (year, month, day) of a day number (days since 1970-01-01).
    @inlinable
    public static func civilFromDays(_ z0: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    @inlinable
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// The Taipei-local day number (days since 1970-01-01) of a timestamp.
    @inlinable
    public static func localDay(_ t: Timestamp) -> Int64 {
        floorDiv(t &+ offsetSeconds * microsPerSecond, microsPerDay)
    }

    static func daysInMonth(_ y: Int64, _ m: Int64) -> Int64 {
        switch m {
        case 1, 3, 5, 7, 8, 10, 12: return 31
        case 4, 6, 9, 11: return 30
        default: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        }
    }

    // MARK: RFC 3339

    /// Parses an RFC 3339 time (`2025-03-01T09:30:00+08:00`, `…Z`, optional fraction up to
    /// microseconds) or a bare date `YYYY-MM-DD` (00:00 Taipei time of that day).
    /// Years 1000–9999 only. Returns nil when the text is not such a time.
    public static func parse(_ text: String) -> Timestamp? {
        ID.withBytes(text) { parse(bytes: $0.assumingMemoryBound(to: UInt8.self)) }
    }

    static func parse(bytes b: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        var i = 0
        func digits(_ n: Int) -> Int64? {
            guard i + n <= b.count else { return nil }
            var v: Int64 = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int64(c - 48)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let y = digits(4), y >= 1000, expect(0x2D), let mo = digits(2), expect(0x2D), let d = digits(2),
              mo >= 1, mo <= 12, d >= 1, d <= daysInMonth(y, mo) else { return nil }
        let day = daysFromCivil(y, mo, d)
        if i == b.count { return (day * 86_400 - offsetSeconds) * microsPerSecond }
        guard i < b.count, b[i] == 0x54 || b[i] == 0x74 || b[i] == 0x20 else { return nil }
        i += 1
        guard let hh = digits(2), expect(0x3A), let mm = digits(2), expect(0x3A), let ss = digits(2),
              hh <= 23, mm <= 59, ss <= 59 else { return nil }
        var micros: Int64 = 0
        if i < b.count, b[i] == 0x2E {
            i += 1
            var n = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                if n < 6 { micros = micros * 10 + Int64(b[i] - 48) } else if b[i] != 48 { return nil }
                n += 1; i += 1
            }
            guard n >= 1 else { return nil }
            for _ in n..<max(n, 6) { micros *= 10 }
        }
        guard i < b.count else { return nil }
        var offset: Int64 = 0
        if b[i] == 0x5A || b[i] == 0x7A {
            i += 1
        } else if b[i] == 0x2B || b[i] == 0x2D {
            let sign: Int64 = b[i] == 0x2D ? -1 : 1
            i += 1
            guard let oh = digits(2), expect(0x3A), let om = digits(2), oh <= 23, om <= 59 else { return nil }
            offset = sign * (oh * 3600 + om * 60)
        } else { return nil }
        guard i == b.count else { return nil }
        let secs = day * 86_400 + hh * 3600 + mm * 60 + ss - offset
        return secs * microsPerSecond + micros
    }

    /// Formats a timestamp as RFC 3339 in Taipei time: `2025-03-01T09:30:00+08:00`; a fraction
    /// (trailing zeros trimmed) only when the sub-second part is non-zero.
    public static func format(_ t: Timestamp) -> String {
        let local = t &+ offsetSeconds * microsPerSecond
        let day = floorDiv(local, microsPerDay)
        let inDay = local - day * microsPerDay
        let (y, m, d) = civilFromDays(day)
        let secs = inDay / microsPerSecond
        var micros = inDay % microsPerSecond
        var out = pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2) + "T"
        out += pad(secs / 3600, 2) + ":" + pad(secs / 60 % 60, 2) + ":" + pad(secs % 60, 2)
        if micros != 0 {
            var width = 6
            while micros % 10 == 0 { micros /= 10; width -= 1 }
            out += "." + pad(micros, width)
        }
        return out + "+08:00"
    }

    /// The range of times and dates the system accepts: years 1000–9999.
    public static let minTimestamp: Timestamp = (daysFromCivil(1000, 1, 1) * 86_400 - 14 * 3600) * microsPerSecond
    public static let maxTimestamp: Timestamp = (daysFromCivil(10000, 1, 1) * 86_400 + 14 * 3600) * microsPerSecond - 1
    public static let minDay: Int64 = daysFromCivil(1000, 1, 1)
    public static let maxDay: Int64 = daysFromCivil(9999, 12, 31)

    static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}

/// A calendar date (no time), stored as days since 1970-01-01. JSON form `YYYY-MM-DD`.
public struct LocalDate: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public var days: Int32

    public init(days: Int32) { self.days = days }

    public init?(year: Int, month: Int, day: Int) {
        guard year >= 1000, year <= 9999, month >= 1, month <= 12, day >= 1,
              Int64(day) <= Taipei.daysInMonth(Int64(year), Int64(month)) else { return nil }
        days = Int32(Taipei.daysFromCivil(Int64(year), Int64(month), Int64(day)))
    }

    /// Parses exactly `YYYY-MM-DD`.
    public init?(_ text: String) {
        let u = Array(text.utf8)
        guard u.count == 10, u[4] == 0x2D, u[7] == 0x2D else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var v = 0
            for k in r { guard u[k] >= 48, u[k] <= 57 else { return nil }; v = v * 10 + Int(u[k] - 48) }
            return v
        }
        guard let y = num(0..<4), let m = num(5..<7), let d = num(8..<10) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// The Taipei date of a timestamp.
    public init(containing t: Timestamp) { days = Int32(Taipei.localDay(t)) }

    public var components: (year: Int, month: Int, day: Int) {
        let c = Taipei.civilFromDays(Int64(days))
        return (Int(c.year), Int(c.month), Int(c.day))
    }

    /// 00:00 Taipei time of this date.
    public var start: Timestamp { (Int64(days) * 86_400 - Taipei.offsetSeconds) * Taipei.microsPerSecond }

    public func adding(days n: Int) -> LocalDate { LocalDate(days: days + Int32(n)) }

    public var description: String {
        let c = Taipei.civilFromDays(Int64(days))
        return Taipei.pad(c.year, 4) + "-" + Taipei.pad(c.month, 2) + "-" + Taipei.pad(c.day, 2)
    }

    public static func < (a: LocalDate, b: LocalDate) -> Bool { a.days < b.days }
}
