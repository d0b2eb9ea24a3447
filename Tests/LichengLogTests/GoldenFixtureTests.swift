import Foundation
import Testing
import TestSupport
@testable import LichengLog

/// The store in `Fixtures/golden-v1` was written by format version 1 (by
/// `logdemo golden`). Every later version must read it, forever.
@Suite struct GoldenFixtureTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Fixtures/golden-v1").standardized.path

    /// File names carry seqs as 20 zero-padded decimal digits: the names the golden store's
    /// files have, for every seq a file can name.
    @Test func seqsInFileNamesAreTwentyDigitsAsPrintfPadsThem() {
        for seq: UInt64 in [0, 1, 9, 10, 42, 104_187, 13_847_125, 10_000_000_000_000_000_000, .max] {
            #expect(Format.paddedSeq(seq) == String(format: "%020llu", seq))
        }
        #expect(Format.segmentFileName(firstSeq: 42) == "00000000000000000042.lseg")
        #expect(Format.firstSeq(ofSegmentFileName: Format.segmentFileName(firstSeq: .max)) == .max)
    }

    @Test func goldenStoreOfVersion1IsReadAndVerified() throws {
        let dir = TemporaryDirectory("golden"); defer { dir.remove() }
        let store = dir.sub("golden")
        try copyTree(Self.fixture, store)
        let log = try Log.open(at: store, mode: .read)
        #expect(log.lastSeq == 50)
        #expect(log.segmentInfos.map(\.name) == ["00000000000000000001.lseg", "00000000000000000042.lseg"])
        let t0: Int64 = 1_735_660_800_000_000
        let records = try log.read(1...50)
        #expect(records[0] == Record(seq: 1, timestamp: t0, key: nil, payload: Array("store initialized".utf8)))
        for n in 0..<48 {
            let r = records[n + 1]
            #expect(r.seq == UInt64(n + 2))
            #expect(r.timestamp == t0 + Int64(n + 1) * 1_000_000)
            #expect(r.key == (n % 3 == 2 ? nil : "S\(n % 3)"))
            #expect(String(decoding: r.payload, as: UTF8.self) == "record \(n + 2): 學習歷程 payload \(String(repeating: "x", count: n))")
        }
        #expect(records[49].payload.isEmpty && records[49].key == "S0")
        #expect(try log.seqs(forKey: "S1") == Array(stride(from: UInt64(3), through: 48, by: 3)))
        let report = try log.verify()
        #expect(report.chainHead.hex == "3637039a7ab14218aeb03cb5d62124764250ea524f97dbfb3e21c5ad245bcd09")
        #expect(report.sealedSegments == 1)
    }

    @Test func goldenStoreAcceptsAppendsFromThisVersion() throws {
        let dir = TemporaryDirectory("golden-append"); defer { dir.remove() }
        let store = dir.sub("golden")
        try copyTree(Self.fixture, store)
        let log = try Log.open(at: store)
        #expect(log.recovery == nil)
        try log.append([RecordInput(timestamp: 1_800_000_000_000_000, key: "S9", payload: Array("new".utf8))])
        #expect(try log.verify().lastSeq == 51)
    }
}

