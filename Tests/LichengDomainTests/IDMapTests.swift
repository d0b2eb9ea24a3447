import Foundation
import Testing
import TestSupport
@testable import LichengDomain

/// `ID` hashes and compares identifiers by their bytes; `IDMap` is a `[String: Value]` on it.
@Suite struct IDMapTests {
    /// A string of the same bytes made another way: a native (heap) string, not a small one.
    static func native(_ s: String) -> String {
        var out = String()
        out.reserveCapacity(64)
        out += s
        return out
    }

    static func randomID(_ g: inout SeededGenerator) -> String {
        let alphabet = Array("S0123456789-CP_.aé學".unicodeScalars)
        var s = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...40, using: &g) { s.append(alphabet.randomElement(using: &g)!) }
        return String(s)
    }

    @Test func theSameBytesAreOneKeyHoweverTheStringWasMade() {
        var g = SeededGenerator(seed: 7)
        for _ in 0..<2000 {
            let s = Self.randomID(&g)
            let a = ID(s), b = ID(Self.native(s)), c = ID(String(decoding: Array(s.utf8), as: UTF8.self))
            #expect(a == b && b == c && a == c)
            for seed in [0, 1, -1, 0x5eed_1234] {
                #expect(a._rawHashValue(seed: seed) == b._rawHashValue(seed: seed))
                #expect(a._rawHashValue(seed: seed) == c._rawHashValue(seed: seed))
            }
            #expect(a.hashValue == b.hashValue)
        }
    }

    @Test func differentBytesAreDifferentKeysEvenWhereUnicodeCallsThemEqual() {
        let composed = "S-\u{E9}", decomposed = "S-e\u{301}"
        #expect(composed == decomposed)  // `String` compares by canonical equivalence
        #expect(ID(composed) != ID(decomposed))
        #expect(ID("K") != ID("\u{212A}"))  // KELVIN SIGN
        var map = IDMap<Int>()
        map[composed] = 1
        map[decomposed] = 2
        #expect(map.count == 2 && map[composed] == 1 && map[decomposed] == 2)
        // Near misses: one byte apart at every position, a prefix, the same length.
        let base = "S1130001-C12-long-enough-to-be-native"
        for i in base.utf8.indices {
            var bytes = Array(base.utf8)
            bytes[base.utf8.distance(from: base.utf8.startIndex, to: i)] ^= 1
            #expect(ID(String(decoding: bytes, as: UTF8.self)) != ID(base))
        }
        #expect(ID("S113") != ID("S1130") && ID("") != ID("\0") && ID("") == ID(""))
    }

    /// `ID` tells two small strings apart by their bits, on the standard library's layout:
    /// a string of at most 15 UTF-8 bytes is small (bit 61 of its second word set), one made
    /// with room for more is not. If the layout changed, this fails before any table does.
    @Test func smallStringsAreKnownByTheirBit() {
        #if _pointerBitWidth(_64)
        var g = SeededGenerator(seed: 11)
        for _ in 0..<2000 {
            let s = Self.randomID(&g), n = s.utf8.count
            let small = unsafeBitCast(s, to: (UInt64, UInt64).self).1 & ID.smallStringBit != 0
            #expect(small == (n <= 15), "\(s) of \(n) bytes")
            #expect(unsafeBitCast(Self.native(s), to: (UInt64, UInt64).self).1 & ID.smallStringBit == 0)
        }
        // Literals too: a short one is small, a long one (immortal, in the binary) is not.
        #expect(unsafeBitCast("S1130001-C1", to: (UInt64, UInt64).self).1 & ID.smallStringBit != 0)
        #expect(unsafeBitCast("S1130001-C1-a-literal-longer-than-15", to: (UInt64, UInt64).self).1 & ID.smallStringBit == 0)
        #endif
    }

    /// Short IDs (small strings, compared by their bits) are equal exactly when their bytes are.
    @Test func shortIDsAreEqualExactlyWhenTheirBytesAre() {
        var g = SeededGenerator(seed: 13)
        let ids = (0..<300).map { _ in String(Self.randomID(&g).unicodeScalars.prefix(5)) } + ["", "S1-\u{E9}", "S1-e\u{301}"]
        for a in ids {
            for b in ids.prefix(80) {
                #expect((ID(a) == ID(b)) == (Array(a.utf8) == Array(b.utf8)))
                #expect(ID(a) == ID(Self.native(a)) && ID(Self.native(a)) == ID(a))
            }
        }
    }

    /// Terms and schedule windows hash their fields (no `Hasher`): every term of a century and
    /// every window kind of each are told apart, under every seed; a window's kind is hashed
    /// by its case number, which is its place in `allCases`.
    @Test func termsAndWindowsHashEveryField() {
        #expect(MemoryLayout<WindowKind>.size == 1)
        for (i, k) in WindowKind.allCases.enumerated() { #expect(withUnsafeBytes(of: k) { Int($0[0]) } == i) }
        let terms = (100...199).flatMap { y in [Term(y, 1), Term(y, 2)] } + [Term(-1, 1), Term(0, 2)]
        let windows = terms.flatMap { t in WindowKind.allCases.map { WindowKey(term: t, kind: $0) } }
        for seed in [0, 1, -1, 0x5eed_1234] {
            #expect(Set(terms.map { $0._rawHashValue(seed: seed) }).count == terms.count)
            #expect(Set(windows.map { $0._rawHashValue(seed: seed) }).count == windows.count)
        }
        #expect(Term(113, 1)._rawHashValue(seed: 1) != Term(113, 1)._rawHashValue(seed: 2))
        let w = WindowKey(term: Term(113, 1), kind: .certification)
        #expect(w._rawHashValue(seed: 1) != w._rawHashValue(seed: 2))
        var table: [WindowKey: Int] = [:]
        for (i, w) in windows.enumerated() { table[w] = i }
        for (i, w) in windows.enumerated() { #expect(table[WindowKey(term: w.term, kind: w.kind)] == i) }
    }

    /// Every byte counts, at every length, and the seed does too: a hash that skipped bytes
    /// (a loop's bounds) or ignored the table's seed would fail here.
    @Test func everyByteAndTheSeedChangeTheHash() {
        var g = SeededGenerator(seed: 5)
        for n in 0...64 {
            let bytes = (0..<n).map { _ in UInt8.random(in: 0x20...0x7e, using: &g) }
            let key = ID(String(decoding: bytes, as: UTF8.self))
            let h = key._rawHashValue(seed: 77)
            #expect(key._rawHashValue(seed: 78) != h && key._rawHashValue(seed: -77) != h)
            for i in 0..<n {
                var other = bytes
                other[i] ^= 0x01
                #expect(ID(String(decoding: other, as: UTF8.self))._rawHashValue(seed: 77) != h, "byte \(i) of \(n)")
            }
            if n < 64 { #expect(ID(String(decoding: bytes + [0x30], as: UTF8.self))._rawHashValue(seed: 77) != h) }
        }
    }

    /// A certification queue's key hashes its course ID's bytes with its term: equal keys hash
    /// alike, made from any string of the same bytes; another term or course is another key.
    @Test func courseTermsHashTheirCourseAndTerm() {
        let t1 = Term(year: AcademicYear(113), semester: 1), t2 = Term(year: AcademicYear(113), semester: 2)
        let t3 = Term(year: AcademicYear(-113), semester: 1)
        let a = CourseTerm("MATH-101", t1), b = CourseTerm(Self.native("MATH-101"), t1)
        #expect(a == b && a._rawHashValue(seed: 9) == b._rawHashValue(seed: 9) && a.hashValue == b.hashValue)
        for other in [CourseTerm("MATH-101", t2), CourseTerm("MATH-101", t3), CourseTerm("MATH-102", t1), CourseTerm("", t1)] {
            #expect(other != a && other._rawHashValue(seed: 9) != a._rawHashValue(seed: 9))
        }
        #expect(CourseTerm("S-\u{E9}", t1) != CourseTerm("S-e\u{301}", t1))
        var queues: [CourseTerm: Int] = [:]
        for n in 0..<2000 { queues[CourseTerm("C\(n % 500)", n < 1000 ? t1 : t2)] = n }
        #expect(queues.count == 1000 && queues[CourseTerm("C7", t2)] == 1507 && queues[CourseTerm("C7", t3)] == nil)
    }

    /// Sequential IDs (the usual shape: a prefix and a counter) spread over a table's buckets
    /// like random ones would: the low bits the table uses must not cluster.
    @Test func sequentialIDsSpreadOverTheBuckets() {
        for (count, prefix) in [(1500, "S113"), (20_000, "S1130001-C"), (20_000, "113-course-outcomes-batch-")] {
            let buckets = 1 << (count.bitWidth - count.leadingZeroBitCount + 1)  // 2–4 buckets an ID
            var used = Set<Int>()
            for n in 0..<count { used.insert(ID("\(prefix)\(n)")._rawHashValue(seed: 12345) & (buckets - 1)) }
            // Random hashing fills buckets·(1 − e^(−count/buckets)); allow 5% less.
            let expected = Double(buckets) * (1 - exp(-Double(count) / Double(buckets)))
            #expect(Double(used.count) > 0.95 * expected, "\(prefix): \(used.count) of \(buckets) buckets, expected ~\(Int(expected))")
        }
    }

    /// Random inserts, updates, removals and in-place changes, next to a `[String: Int]`.
    @Test func behavesLikeADictionary() throws {
        var g = SeededGenerator(seed: 11)
        var map = IDMap<Int>(), model: [String: Int] = [:]
        let keys = (0..<300).map { _ in Self.randomID(&g) }
        for step in 0..<20_000 {
            let k = keys.randomElement(using: &g)!
            let probe = Bool.random(using: &g) ? k : Self.native(k)
            switch Int.random(in: 0..<6, using: &g) {
            case 0: map[probe] = step; model[k] = step
            case 1: #expect(map.removeValue(forKey: probe) == model.removeValue(forKey: k))
            case 2: #expect(map.updateValue(step, forKey: probe) == model.updateValue(step, forKey: k))
            case 3: map[probe, default: 0] += 1; model[k, default: 0] += 1
            case 4: #expect(map.modifyValue(forKey: probe) { $0 -= 1; return $0 } == model[k].map { $0 - 1 }); model[k]? -= 1
            default: #expect(map[probe] == model[k] && (map.index(forKey: probe) != nil) == (model[k] != nil))
            }
        }
        #expect(map.count == model.count && map.dictionary == model)
        #expect(Dictionary(uniqueKeysWithValues: map.map { ($0.key, $0.value) }) == model)
        #expect(Set(map.keys) == Set(model.keys) && map.values.sorted() == model.values.sorted())
        #expect(map.filter { $0.value % 2 == 0 }.dictionary == model.filter { $0.value % 2 == 0 })
        #expect(map.mapValues { $0 * 2 }.dictionary == model.mapValues { $0 * 2 })
        #expect(IDMap(model) == map && IDMap(model.filter { $0.value != model.first?.value }) != map)

        // In place through an index (what a student's event does to the student table).
        for k in keys.prefix(50) {
            if let i = map.index(forKey: Self.native(k)) { map.values[i] += 1000 } else { map[k] = 1000 }
            model[k, default: 0] += 1000
        }
        #expect(map.dictionary == model)
        var other: IDMap<Int> = ["extra": 1]
        other.merge(map) { a, b in a + b }
        #expect(other.dictionary == model.merging(["extra": 1]) { a, b in a + b })
        #expect(map.compactMapValues { $0 > 0 ? String($0) : nil }.dictionary == model.compactMapValues { $0 > 0 ? String($0) : nil })
    }

    @Test func encodesAsTheDictionaryOfItsEntries() throws {
        let model = ["S1130001": 3, "S1130002-C1": 5, "學生": 8, "": 0]
        let map = IDMap(model)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(try encoder.encode(map) == encoder.encode(model))
        #expect(try JSONDecoder().decode(IDMap<Int>.self, from: encoder.encode(model)) == map)
        let literal: IDMap<Int> = ["S1130001": 3, "S1130002-C1": 5, "學生": 8, "": 0]
        #expect(literal == map)
    }
}
