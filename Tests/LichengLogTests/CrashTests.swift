import Foundation
import Testing
import TestSupport
@testable import LichengLog

/// A real writer process is killed with SIGKILL at random moments; after each
/// kill the store must hold every acknowledged batch, exactly once, nothing of
/// a batch that was only partly written, and verify.
@Suite struct CrashTests {
    static let logdemo: String = {
        let here = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent()
        let candidates = [here.appendingPathComponent("logdemo").path,
                          Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("logdemo").path,
                          URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                              .deletingLastPathComponent().appendingPathComponent(".build/debug/logdemo").path]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
    }()

    /// Kills per run: `LICHENG_CRASH_KILLS` (default 12, enough for `make test`).
    static var kills: Int { Int(ProcessInfo.processInfo.environment["LICHENG_CRASH_KILLS"] ?? "") ?? 12 }

    @Test func killedWriterLosesNoAcknowledgedBatch() throws {
        let dir = TemporaryDirectory("crash"); defer { dir.remove() }
        let store = dir.sub("s")
        var random = SeededGenerator(seed: 7)
        var acknowledged: UInt64 = 0
        var recoveries = 0
        for round in 0..<Self.kills {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.logdemo)
            process.arguments = ["crashloop", store]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Wait until the writer is running (its first acknowledgement), then kill it
            // at a random moment of its work.
            let first = pipe.fileHandleForReading.availableData
            usleep(UInt32.random(in: 5_000...80_000, using: &random))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let output = String(decoding: first + pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            for line in output.split(separator: "\n") where line.hasPrefix("acked ") {
                if let last = UInt64(line.split(separator: " ")[2]) { acknowledged = max(acknowledged, last) }
            }
            let log = try Log.open(at: store, options: LogOptions(segmentTargetBytes: 64 << 10, blockTargetBytes: 2048))
            if log.recovery != nil { recoveries += 1 }
            #expect(log.lastSeq >= acknowledged, "round \(round): acknowledged \(acknowledged), store ends at \(log.lastSeq)")
            #expect(try log.verify().lastSeq == log.lastSeq)
            try checkWholeBatches(log)
            log.close()
        }
        #expect(acknowledged > 0)
        print("crash test: \(Self.kills) kills, \(acknowledged) acknowledged records, \(recoveries) torn tails recovered")
    }

    /// The writer dies in the middle of rolling to a new segment: right after the
    /// old one is sealed, or after the new one is created but before the directory
    /// is synced. Reopening must keep every acknowledged batch and go on.
    @Test(arguments: ["roll.after-seal", "roll.before-directory-sync"])
    func writerDyingWhileRollingLosesNothing(_ point: String) throws {
        let dir = TemporaryDirectory("rollcrash"); defer { dir.remove() }
        let store = dir.sub("s")
        var acknowledged: UInt64 = 0
        for hit in 1...3 {
            let r = try run(Self.logdemo, ["crashloop", store], environment: ["LICHENG_CRASH_AT": "\(point):\(hit)"])
            #expect(r.status == 9, "the writer did not reach \(point): \(r.stderr)")
            for line in r.stdout.split(separator: "\n") where line.hasPrefix("acked ") {
                if let last = UInt64(line.split(separator: " ")[2]) { acknowledged = max(acknowledged, last) }
            }
            let log = try Log.open(at: store, options: LogOptions(segmentTargetBytes: 64 << 10, blockTargetBytes: 2048))
            #expect(log.lastSeq >= acknowledged)
            #expect(try log.verify().lastSeq == log.lastSeq)
            try checkWholeBatches(log)
            let infos = log.segmentInfos
            #expect(infos.dropLast().allSatisfy { $0.sealed } && !infos.last!.sealed)
            log.close()
        }
    }

    /// Every batch present is complete and its records are in order, once.
    func checkWholeBatches(_ log: Log) throws {
        var current: (batch: Int, size: Int, next: Int)?
        try log.forEach { r in
            let words = String(decoding: r.payload.prefix(60), as: UTF8.self).split(separator: " ")
            let batch = Int(words[1])!, index = Int(words[3])!, size = Int(words[5])!
            if let c = current, c.next < c.size {
                #expect(batch == c.batch && index == c.next, "seq \(r.seq): batch \(c.batch) is incomplete")
                current = (batch, size, index + 1)
            } else {
                #expect(index == 0, "seq \(r.seq): batch \(batch) starts at record \(index)")
                current = (batch, size, index + 1)
            }
            return true
        }
        if let c = current { #expect(c.next == c.size, "the last batch \(c.batch) is incomplete") }
    }
}
