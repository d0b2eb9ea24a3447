import Foundation
import LichengDomain

/// Seeded SplitMix64: the generator's only source of randomness (never the system RNG).
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in 0..<n (n > 0).
    mutating func int(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
    mutating func int(_ r: ClosedRange<Int>) -> Int { r.lowerBound + int(r.count) }
    mutating func double() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func chance(_ p: Double) -> Bool { double() < p }
    mutating func pick<T>(_ a: [T]) -> T { a[int(a.count)] }
    mutating func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, int(i + 1)) }
    }
}

/// The fake clock the engine reads `recordedAt` from.
final class ClockBox: @unchecked Sendable {
    var now: Timestamp
    init(_ t: Timestamp) { now = t }
}

enum Names {
    static let surnames = Array("陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周徐蘇葉莊呂江何蕭羅高簡朱鍾游彭詹胡施沈余盧梁趙顏柯翁魏孫戴").map(String.init)
    static let given = Array("宜庭家豪俊傑怡君雅婷志明欣冠宇佳穎柏翰承恩子涵品妤宥廷詩芸瑋哲彥辰睿琪思妍昱安晨瑜書維浩文心柔亭毅宏凱翔育誠郁馨").map(String.init)

    static func person(_ rng: inout SplitMix64) -> String {
        let s = rng.pick(surnames)
        if rng.chance(0.08) { return s + rng.pick(given) }
        return s + rng.pick(given) + rng.pick(given)
    }

    /// Taiwanese national ID: letter + gender digit + 7 digits + check digit.
    static func nationalId(_ rng: inout SplitMix64) -> String {
        let letters: [(Character, Int)] = [("C", 12), ("C", 12), ("C", 12), ("A", 10), ("F", 15), ("H", 17), ("G", 16), ("E", 14)]
        let (letter, code) = rng.pick(letters)
        var digits = [1 + rng.int(2)]
        for _ in 0..<7 { digits.append(rng.int(10)) }
        var sum = code / 10 + (code % 10) * 9
        for (i, d) in digits.enumerated() { sum += d * (8 - i) }
        let check = (10 - sum % 10) % 10
        return String(letter) + digits.map(String.init).joined() + String(check)
    }
}

/// Calendar helpers in Taipei time.
enum Cal {
    static func day(_ y: Int, _ m: Int, _ d: Int) -> LocalDate { LocalDate(year: y, month: m, day: d)! }
    static func at(_ day: LocalDate, _ h: Int, _ m: Int = 0, _ s: Int = 0) -> Timestamp {
        day.start + Int64(h * 3600 + m * 60 + s) * Taipei.microsPerSecond
    }
    /// 0 = Sunday … 6 = Saturday.
    static func weekday(_ d: LocalDate) -> Int { Int((Int64(d.days) % 7 + 7 + 4) % 7) }
    static func isSchoolDay(_ d: LocalDate) -> Bool { let w = weekday(d); return w != 0 && w != 6 }
    /// School days in from...to (inclusive).
    static func schoolDays(_ from: LocalDate, _ to: LocalDate) -> [LocalDate] {
        var out: [LocalDate] = []
        var d = from
        while d <= to { if isSchoolDay(d) { out.append(d) }; d = d.adding(days: 1) }
        return out
    }
    /// The first school day on or after `d`.
    static func schoolDay(onOrAfter d: LocalDate) -> LocalDate {
        var d = d
        while !isSchoolDay(d) { d = d.adding(days: 1) }
        return d
    }
}
