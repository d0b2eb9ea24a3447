import Foundation
import Testing
import TestSupport
@testable import LichengLog

/// The writer zero-fills ahead of the active segment's end so that most batches need
/// only `fdatasync`: the zeros must never look like damage, never outlive a clean close
/// or a seal, and never hide a torn batch.
@Suite struct ReservationTests {
    /// A live store with a reservation: appends until the file is longer than its batches.
    func liveStore(_ path: String, options: LogOptions = LogOptions(blockTargetBytes: 1024)) throws -> Log {
        let log = try Log.create(at: path, options: options)
        for b in 0..<4 { try log.append(makeRecords(20, from: b * 20, payloadBytes: 50)) }
        return log
    }

    func fileSize(_ path: String) -> Int { readFileBytes(path).count }

    /// A live store with a reservation, and a copy of its files (without `index/`) as a
    /// `cp` of a running store, or a crash, leaves them.
    struct LiveCopy {
        let log: Log
        /// The committed end of the live store's active segment.
        let end: Int
        let store: String, copy: String
        /// The copy's active segment file.
        let segment: String
    }

    func liveCopy(_ dir: TemporaryDirectory) throws -> LiveCopy {
        let store = dir.sub("s"), copy = dir.sub("copy")
        let log = try liveStore(store)
        let end = Int(log.segmentInfos.last!.bytes)
        try copyTree(store, copy)
        try? FileManager.default.removeItem(atPath: copy + "/index")
        return LiveCopy(log: log, end: end, store: store, copy: copy, segment: segmentFiles(copy).last!)
    }

    @Test func theWriterReservesZerosAndClosingCutsThem() throws {
        let dir = TemporaryDirectory("reserve"); defer { dir.remove() }
        let store = dir.sub("s")
        let log = try liveStore(store)
        let end = Int(log.segmentInfos.last!.bytes)
        let segment = segmentFiles(store).last!
        let bytes = readFileBytes(segment)
        #expect(bytes.count > end)
        #expect(bytes[end...].allSatisfy { $0 == 0 })
        log.close()
        #expect(fileSize(segment) == end)
        let reopened = try Log.open(at: store)
        #expect(reopened.recovery == nil)
        #expect(try reopened.verify().lastSeq == 80)
    }

    @Test func oneAppendReservesNothing() throws {
        let dir = TemporaryDirectory("reserve1"); defer { dir.remove() }
        let store = dir.sub("s")
        let log = try Log.create(at: store)
        try log.append(makeRecords(3))
        #expect(fileSize(segmentFiles(store).last!) == Int(log.segmentInfos.last!.bytes))
    }

    @Test func reservationsCanBeTurnedOff() throws {
        let dir = TemporaryDirectory("reserve0"); defer { dir.remove() }
        let store = dir.sub("s")
        let log = try liveStore(store, options: LogOptions(blockTargetBytes: 1024, reservationBytes: 0))
        #expect(fileSize(segmentFiles(store).last!) == Int(log.segmentInfos.last!.bytes))
    }

    /// A copy taken while the writer runs (or the files after a crash) ends in zeros:
    /// a reader sees every batch and changes nothing; a writer cuts the zeros and says so.
    @Test func aCopyEndingInReservedZerosOpensWithEveryBatch() throws {
        let dir = TemporaryDirectory("reservecopy"); defer { dir.remove() }
        let live = try liveCopy(dir)
        let (log, end, copy, segment) = (live.log, live.end, live.copy, live.segment)
        let copied = readFileBytes(segment)
        #expect(copied.count > end)
        let reader = try Log.open(at: copy, mode: .read)
        #expect(reader.lastSeq == 80)
        #expect(try reader.verify().lastSeq == 80)
        #expect(readFileBytes(segment) == copied)
        let writer = try Log.open(at: copy)
        #expect(writer.recovery?.offset == Int64(end))
        #expect(writer.recovery?.droppedBytes == Int64(copied.count - end))
        #expect(writer.recovery?.reason.contains("reserved") == true)
        #expect(writer.recovery?.lastSeq == 80)
        #expect(fileSize(segment) == end)
        try writer.append(makeRecords(5, from: 80))
        #expect(try writer.verify().lastSeq == 85)
        #expect(try writer.read(1...80) == (try log.read(1...80)))
    }

    /// A batch torn inside the reservation is cut and reported like any torn tail.
    @Test(arguments: [1, 30, 700])
    func aTornBatchInsideTheReservationIsCutAndReported(_ tornBytes: Int) throws {
        let dir = TemporaryDirectory("reservetorn"); defer { dir.remove() }
        let live = try liveCopy(dir)
        let (end, copy, segment) = (live.end, live.copy, live.segment)
        // The start of the next real batch, as a writer killed mid-write leaves it.
        try live.log.append(makeRecords(20, from: 80, payloadBytes: 50))
        let next = Array(readFileBytes(segmentFiles(live.store).last!)[end..<(end + tornBytes)])
        var bytes = readFileBytes(segment)
        bytes.replaceSubrange(end..<(end + tornBytes), with: next)
        writeFileBytes(segment, bytes)
        let reader = try Log.open(at: copy, mode: .read)
        #expect(reader.lastSeq == 80)
        let writer = try Log.open(at: copy)
        #expect(writer.recovery?.offset == Int64(end))
        #expect(writer.recovery?.droppedBytes == Int64(bytes.count - end))
        #expect(fileSize(segment) == end)
        #expect(try writer.verify().lastSeq == 80)
    }

    /// Zeros where acknowledged batches should be are not a reservation: the committed
    /// end recorded at close says so.
    @Test func zerosOverAcknowledgedBatchesAreCorruption() throws {
        let dir = TemporaryDirectory("reservezeroed"); defer { dir.remove() }
        let store = dir.sub("s")
        let log = try liveStore(store)
        try log.append(makeRecords(5, from: 80))
        log.close()
        let segment = segmentFiles(store).last!
        var bytes = readFileBytes(segment)
        let lastBatch = SegmentSurgery(path: segment).blocks.last!.offset
        bytes.replaceSubrange(lastBatch..<bytes.count, with: [UInt8](repeating: 0, count: bytes.count - lastBatch + 4096))
        writeFileBytes(segment, bytes)
        #expect(throws: LogError.self) { try Log.open(at: store) }
    }

    /// The same when the close left an index but no tail marker: the index's covered end
    /// counts as committed.
    @Test func zerosOverBatchesAnIndexCoversAreCorruption() throws {
        let dir = TemporaryDirectory("reservezeroedindex"); defer { dir.remove() }
        let store = dir.sub("s")
        let log = try Log.create(at: store, options: LogOptions(blockTargetBytes: 1024, indexRefreshBytes: 16 << 10))
        for b in 0..<40 { try log.append(makeRecords(50, from: b * 50, payloadBytes: 400)) }
        log.close()
        let indexFiles = try FileManager.default.contentsOfDirectory(atPath: store + "/index")
        #expect(indexFiles.contains { $0.hasSuffix(".lidx") })
        for f in indexFiles where f.hasSuffix(".ltail") { try FileManager.default.removeItem(atPath: store + "/index/" + f) }
        let segment = segmentFiles(store).last!
        var bytes = readFileBytes(segment)
        let lastBatch = SegmentSurgery(path: segment).blocks.last!.offset
        bytes.replaceSubrange(lastBatch..<bytes.count, with: [UInt8](repeating: 0, count: bytes.count - lastBatch + 4096))
        writeFileBytes(segment, bytes)
        #expect(throws: LogError.self) { try Log.open(at: store, mode: .read) }
        #expect(throws: LogError.self) { try Log.open(at: store) }
    }

    /// A zeroed block with intact blocks after it is damage, not a reservation, for a
    /// reader too, even with no tail marker or index to say where the batches ended.
    @Test func aZeroedBlockBeforeIntactOnesIsCorruptionForReadersToo() throws {
        let dir = TemporaryDirectory("reservezeroedmid"); defer { dir.remove() }
        let live = try liveCopy(dir)
        let (copy, segment) = (live.copy, live.segment)
        var bytes = readFileBytes(segment)
        let blocks = SegmentSurgery(path: segment).blocks
        let victim = blocks[blocks.count - 3]
        let next = blocks[blocks.count - 2].offset
        bytes.replaceSubrange(victim.offset..<next, with: [UInt8](repeating: 0, count: next - victim.offset))
        writeFileBytes(segment, bytes)
        #expect(throws: LogError.self) { try Log.open(at: copy, mode: .read) }
        #expect(throws: LogError.self) { try Log.open(at: copy) }
    }

    /// Readers opening and refreshing while the writer appends over its reserved zeros
    /// (or, without reservations, extends the file) and refreshes its index never see
    /// damage, a gap or a partial batch.
    @Test(arguments: [4 << 20, 0] as [Int64])
    func readersRacingTheWriterSeeOnlyWholeBatches(_ reservation: Int64) throws {
        let dir = TemporaryDirectory("reserverace"); defer { dir.remove() }
        let store = dir.sub("s")
        let writer = try Log.create(at: store, options: LogOptions(blockTargetBytes: 512, indexRefreshBytes: 16 << 10,
                                                                   reservationBytes: reservation))
        try writer.append(makeRecords(5))
        let batches = 1500
        let failures = LockedArray<String>()
        let reader = Thread {
            var seen: UInt64 = 0
            var live: Log?
            while seen < UInt64(batches * 5) {
                do {
                    if live == nil || seen % 3 == 0 { live = try Log.open(at: store, mode: .read) } else { try live!.refresh() }
                    let last = live!.lastSeq
                    if last < seen || last % 5 != 0 { failures.append("lastSeq \(last) after \(seen)") }
                    seen = max(seen, last)
                } catch { failures.append("\(error)"); return }
            }
        }
        reader.start()
        for b in 1..<batches { try writer.append(makeRecords(5, from: b * 5, payloadBytes: 60)) }
        while !reader.isFinished { usleep(1000) }
        #expect(failures.values.isEmpty, "\(failures.values.prefix(3))")
    }

    /// No room for the zeros: the batch is kept and durable, without a reservation.
    @Test func noRoomForTheZerosKeepsTheBatch() throws {
        let dir = TemporaryDirectory("reservefull"); defer { dir.remove() }
        let faults = ZeroWriteFaults()
        let store = dir.sub("s")
        let log = try Log.create(at: store, options: LogOptions(blockTargetBytes: 1024, faults: faults))
        try log.append(makeRecords(10))
        faults.failLargeWrites = true
        try log.append(makeRecords(10, from: 10))
        #expect(fileSize(segmentFiles(store)[0]) == Int(log.segmentInfos.last!.bytes))
        try log.append(makeRecords(10, from: 20))
        try log.append(makeRecords(10, from: 30))
        #expect(fileSize(segmentFiles(store)[0]) == Int(log.segmentInfos.last!.bytes))
        faults.failLargeWrites = false
        try log.append(makeRecords(10, from: 40))
        try log.append(makeRecords(10, from: 50))
        #expect(fileSize(segmentFiles(store)[0]) > Int(log.segmentInfos.last!.bytes))
        log.close()
        #expect(try Log.open(at: store).verify().lastSeq == 60)
    }

    @Test func sealedSegmentsEndWithTheirFooter() throws {
        let dir = TemporaryDirectory("reserveseal"); defer { dir.remove() }
        let store = dir.sub("s")
        let log = try Log.create(at: store, options: LogOptions(segmentTargetBytes: 4096, blockTargetBytes: 512))
        for b in 0..<40 {
            try log.append(makeRecords(10, from: b * 10, payloadBytes: 50))
            // The zeros never reach past the segment's size target.
            let active = log.segmentInfos.last!
            #expect(fileSize(segmentFiles(store).last!) <= max(4096, Int(active.bytes)))
        }
        let infos = log.segmentInfos
        #expect(infos.filter(\.sealed).count >= 3)
        for (info, path) in zip(infos, segmentFiles(store)) where info.sealed {
            #expect(fileSize(path) == Int(info.bytes), "\(info.name)")
        }
        #expect(try Log.open(at: store, mode: .read).verify().lastSeq == 400)
    }

    /// A failed `fdatasync` inside the reservation leaves no part of the batch.
    @Test func aFailedDataSyncLeavesNoPartOfTheBatch() throws {
        let dir = TemporaryDirectory("reservesync"); defer { dir.remove() }
        let faults = ScriptedFaults()
        let store = dir.sub("s")
        let log = try Log.create(at: store, options: LogOptions(blockTargetBytes: 1024, faults: faults))
        for b in 0..<3 { try log.append(makeRecords(10, from: b * 10)) }
        let end = Int(log.segmentInfos.last!.bytes)
        faults.nextSync = EIO
        #expect(throws: LogError.io(operation: "fdatasync", path: segmentFiles(store)[0], errno: EIO)) {
            try log.append(makeRecords(10, from: 30))
        }
        #expect(log.lastSeq == 30)
        #expect(fileSize(segmentFiles(store)[0]) == end)
        try log.append(makeRecords(10, from: 30))
        log.close()
        let reopened = try Log.open(at: store)
        #expect(reopened.recovery == nil)
        #expect(try reopened.verify().lastSeq == 40)
    }
}

/// Fails every write of 256 KiB or more (only reservations are that large here) with ENOSPC.
final class ZeroWriteFaults: FaultInjector, @unchecked Sendable {
    private let lock = NSLock()
    private var failing = false
    var failLargeWrites: Bool {
        get { lock.lock(); defer { lock.unlock() }; return failing }
        set { lock.lock(); failing = newValue; lock.unlock() }
    }
    func beforeWrite(path: String, offset: Int64, count: Int) -> WriteFault? {
        failLargeWrites && count >= 256 << 10 ? .short(bytes: 1000, errno: ENOSPC) : nil
    }
    func beforeSync(path: String) -> Int32? { nil }
    func reached(_ point: String) {}
}
