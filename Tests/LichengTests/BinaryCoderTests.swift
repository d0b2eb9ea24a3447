import Testing
import LichengDomain
import TestSupport
@testable import Licheng

@Suite struct BinaryCoderTests {
    struct Sample: Codable, Equatable {
        var name: String
        var count: Int
        var ratio: Double
        var flag: Bool
        var missing: String?
        var present: Int64?
        var list: [UInt32]
        var map: [String: [Int]]
        var terms: [Term: String]
        var item: ItemInfo
        var nested: [Sample]?
    }

    func sample() -> Sample {
        Sample(name: "學習歷程 ✓", count: -42, ratio: 0.25, flag: true, missing: nil, present: 7, list: [1, 2, 3],
               map: ["a": [1], "": [], "長": [-1, 0]], terms: [Term("113-1")!: "first", Term("113-2")!: "second"],
               item: ItemInfo(student: "S1", kind: .courseOutcome, year: AcademicYear(113), term: Term("113-2"),
                              courseId: "MATH", status: .certified, selected: true, submittedIn: "113-course-outcomes-1"),
               nested: [Sample(name: "", count: 0, ratio: -1, flag: false, missing: "x", present: nil, list: [], map: [:],
                               terms: [:], item: ItemInfo(student: "S2", kind: .performance, year: AcademicYear(114), status: .uploaded),
                               nested: nil)])
    }

    @Test func valuesRoundTrip() throws {
        let value = sample()
        #expect(try BinaryCoder.decode(Sample.self, from: BinaryCoder.encode(value)) == value)
    }

    @Test func truncatedOrGarbledBytesThrowAndNeverTrap() throws {
        let bytes = try BinaryCoder.encode(sample())
        for cut in 0..<bytes.count {
            #expect(throws: (any Error).self) { try BinaryCoder.decode(Sample.self, from: Array(bytes[0..<cut])) }
        }
        var random = SeededGenerator(seed: 3)
        for _ in 0..<2000 {
            var garbled = bytes
            garbled[Int.random(in: 0..<garbled.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            _ = try? BinaryCoder.decode(Sample.self, from: garbled)
        }
    }
}
