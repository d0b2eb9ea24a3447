import Foundation
import Testing
@testable import LichengLog
import TestSupport

/// The active segment's index is refreshed on a background queue while appends go on:
/// every lookup must see every committed record, whether it is in the index, in the
/// tail, or in a tail being folded into the index at that moment.
@Suite struct IndexRefreshTests {
    @Test func lookupsSeeEveryRecordWhileTheIndexIsRefreshedBehindTheAppends() throws {
        let dir = TemporaryDirectory("refresh"); defer { dir.remove() }
        let store = dir.sub("s")
        let options = LogOptions(segmentTargetBytes: 64 << 20, blockTargetBytes: 512, indexRefreshBytes: 2048)
        let log = try Log.create(at: store, options: options)
        var expected: [String: [UInt64]] = [:]
        for b in 0..<150 {
            let records = makeRecords(40, from: b * 40, payloadBytes: 60)
            let range = try log.append(records)
            for (i, r) in records.enumerated() { if let k = r.key { expected[k, default: []].append(range.lowerBound + UInt64(i)) } }
            let key = "S\(b % 7)"
            #expect(try log.seqs(forKey: key) == expected[key] ?? [], "after batch \(b)")
        }
        for (key, seqs) in expected { #expect(try log.seqs(forKey: key) == seqs) }
        log.close()
        #expect(FileManager.default.fileExists(atPath: store + "/index/" + (segmentFiles(store)[0] as NSString).lastPathComponent
                                                .replacingOccurrences(of: ".lseg", with: ".lidx")))
        let reopened = try Log.open(at: store, mode: .read, options: options)
        for (key, seqs) in expected { #expect(try reopened.seqs(forKey: key) == seqs) }
        #expect(try reopened.verify().records == 6000)
    }

    @Test func aSegmentSealedRightAfterARefreshHasAWholeIndex() throws {
        let dir = TemporaryDirectory("refresh-seal"); defer { dir.remove() }
        let store = dir.sub("s")
        let options = LogOptions(segmentTargetBytes: 24 << 10, blockTargetBytes: 512, indexRefreshBytes: 2048)
        let log = try Log.create(at: store, options: options)
        var expected: [String: [UInt64]] = [:]
        for b in 0..<60 {
            let records = makeRecords(30, from: b * 30, payloadBytes: 60)
            let range = try log.append(records)
            for (i, r) in records.enumerated() { if let k = r.key { expected[k, default: []].append(range.lowerBound + UInt64(i)) } }
        }
        #expect(log.segmentInfos.count > 3)
        log.close()
        let reopened = try Log.open(at: store, mode: .read, options: options)
        for (key, seqs) in expected { #expect(try reopened.seqs(forKey: key) == seqs) }
        // Each sealed segment's index file is the sealed one (not a refresh written after it).
        for path in segmentFiles(store).dropLast() {
            let name = (path as NSString).lastPathComponent.replacingOccurrences(of: ".lseg", with: ".lidx")
            let index = SegmentIndex.decode(readFileBytes(store + "/index/" + name))
            #expect(index?.sealed == true, "\(name)")
        }
    }

    /// A queued refresh holds the index keeper, not the log: dropping the last reference to
    /// the log closes it at once, so the writer lock is free for the next open right away.
    @Test func droppingALogWithARefreshQueuedReleasesTheWriterLockAtOnce() throws {
        let dir = TemporaryDirectory("refresh-release"); defer { dir.remove() }
        let store = dir.sub("s")
        do {
            let log = try Log.create(at: store, options: LogOptions(blockTargetBytes: 512, indexRefreshBytes: 1 << 40))
            for b in 0..<10 { _ = try log.append(makeRecords(2000, from: b * 2000, payloadBytes: 40)) }
            log.close()  // a large index, slow to extend
        }
        for trial in 0..<10 {
            let first = 20000 + trial * 100
            do {
                let log = try Log.open(at: store, options: LogOptions(blockTargetBytes: 512, indexRefreshBytes: 1024))
                _ = try log.append(makeRecords(100, from: first, payloadBytes: 40))  // leaves a refresh queued
            }
            let again = try Log.open(at: store, options: LogOptions(lockWaitSeconds: 0))  // .locked if still held
            #expect(again.lastSeq == UInt64(first + 100))
            #expect(try again.seqs(forKey: "S1") == makeRecords(first + 100).enumerated().filter { $0.element.key == "S1" }.map { UInt64($0.offset + 1) })
            again.close()
        }
    }

    /// A reader looks a key up over and over while appends commit and refreshes fold the tail
    /// into the index behind them: it must always get every seq committed before it looked.
    @Test func concurrentLookupsNeverMissACommittedSeq() throws {
        let dir = TemporaryDirectory("refresh-lookups"); defer { dir.remove() }
        let log = try Log.create(at: dir.sub("s"), options: LogOptions(segmentTargetBytes: 256 << 10, blockTargetBytes: 512,
                                                                        indexRefreshBytes: 2048))
        let stop = LockedFlag(), misses = LockedFlag(), lookups = LockedCount()
        let reader = Thread {
            while !stop.value {
                let last = log.lastSeq
                // makeRecords: record i (seq i + 1) has key "S\(i % 7)", none when i % 5 == 4.
                let expected = last == 0 ? [] : (1...last).filter { ($0 - 1) % 7 == 3 && ($0 - 1) % 5 != 4 }
                guard let seqs = try? log.seqs(forKey: "S3"), seqs.filter({ $0 <= last }) == expected else { misses.set(); return }
                lookups.add()
            }
        }
        reader.start()
        for b in 0..<300 { _ = try log.append(makeRecords(40, from: b * 40, payloadBytes: 60)) }
        stop.set()
        while !reader.isFinished { Thread.sleep(forTimeInterval: 0.01) }
        #expect(!misses.value)
        #expect(lookups.value > 0)
        log.close()
    }
}

private final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var value: Bool { lock.lock(); defer { lock.unlock() }; return flag }
    func set() { lock.lock(); flag = true; lock.unlock() }
}

private final class LockedCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
    func add() { lock.lock(); count += 1; lock.unlock() }
}
