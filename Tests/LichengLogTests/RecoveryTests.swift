import Foundation
import Testing
import TestSupport
@testable import LichengLog

/// Attacks on the files: torn tails, bit flips, edited records, missing and
/// foreign segments, failed writes.
@Suite struct RecoveryTests {
    /// A store with batches in small blocks; returns the seqs that end each batch.
    func buildStore(_ path: String, options: LogOptions, batches: Int = 6, perBatch: Int = 12) throws -> [UInt64] {
        let log = try Log.create(at: path, options: options)
        var ends: [UInt64] = []
        for b in 0..<batches { ends.append(try log.append(makeRecords(perBatch, from: b * perBatch, payloadBytes: 40)).upperBound) }
        log.close()
        return ends
    }

    @Test func truncatedTailAtEveryOffsetRecovers() throws {
        let dir = TemporaryDirectory("torn"); defer { dir.remove() }
        let options = LogOptions(blockTargetBytes: 256)
        let original = dir.sub("original")
        let batchEnds = try buildStore(original, options: options)
        try FileManager.default.removeItem(atPath: original + "/index")
        let segment = segmentFiles(original).last!
        let full = readFileBytes(segment)
        let blocks = SegmentSurgery(path: segment).blocks
        // Every offset from the start of the second-to-last block to the end.
        let from = blocks[blocks.count - 2].offset
        let expectedAll = try Log.open(at: original, mode: .read).read(1...batchEnds.last!)
        let work = dir.sub("work")
        for cut in from...full.count {
            try? FileManager.default.removeItem(atPath: work)
            try copyTree(original, work)
            writeFileBytes(segmentFiles(work).last!, Array(full[0..<cut]))
            let log = try Log.open(at: work, options: options)
            // What survives is exactly the batches wholly before the cut.
            let kept = batchEnds.last { end in
                blocks.first { $0.records.last!.seq == end }.map { b in cut >= b.offset + b.headerBytes.count + 1 && isBlockComplete(b, in: full, cut: cut) } ?? false
            } ?? 0
            #expect(log.lastSeq == kept, "cut at \(cut)")
            if cut < full.count {
                #expect(log.recovery != nil, "cut at \(cut) was not reported")
                #expect(log.recovery?.droppedBytes == Int64(cut) - log.recovery!.offset)
            } else {
                #expect(log.recovery == nil)
            }
            #expect(try log.read(1...max(1, kept)) == Array(expectedAll.prefix(Int(kept))))
            #expect(try log.verify().lastSeq == kept)
            // The store takes new appends after recovery.
            try log.append([RecordInput(timestamp: Int64.max / 2, key: "after", payload: [1, 2, 3])])
            #expect(try log.verify().lastSeq == kept + 1)
        }
    }

    /// True when the block `b` lies wholly before `cut`.
    func isBlockComplete(_ b: RawBlock, in bytes: [UInt8], cut: Int) -> Bool {
        let stored = Int(bytes.le(UInt32.self, at: b.offset + 8)!)
        return b.offset + Format.blockHeaderLength + stored <= cut
    }

    @Test func bitFlipInSealedSegmentIsReported() throws {
        let dir = TemporaryDirectory("bitflip"); defer { dir.remove() }
        let options = LogOptions(segmentTargetBytes: 8 << 10, blockTargetBytes: 1024)
        let original = dir.sub("original")
        _ = try buildStore(original, options: options, batches: 20, perBatch: 20)
        let sealed = segmentFiles(original).dropLast()
        #expect(sealed.count >= 2)
        var random = SeededGenerator(seed: 42)
        let work = dir.sub("work")
        let trials = Int(ProcessInfo.processInfo.environment["LICHENG_BITFLIPS"] ?? "") ?? 60
        for trial in 0..<trials {
            try? FileManager.default.removeItem(atPath: work)
            try copyTree(original, work)
            let victimIndex = Int.random(in: 0..<sealed.count, using: &random)
            let victim = segmentFiles(work)[victimIndex]
            var bytes = readFileBytes(victim)
            let offset = Int.random(in: 0..<bytes.count, using: &random)
            bytes[offset] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &random)
            writeFileBytes(victim, bytes)
            let name = (victim as NSString).lastPathComponent
            // Either opening refuses (header/footer damage) or verify names the segment.
            let found = detectDamage(work, options: options)
            #expect(found.verifyError?.contains(name) == true, "trial \(trial): flip at \(offset) of \(name): \(found)")
            // Reading the damaged region through the normal path fails too, unless the
            // flip hit only the footer (which reads do not use).
            if found.opened && offset >= Format.segmentHeaderLength && offset < bytes.count - Format.footerLength {
                #expect(found.readError != nil, "trial \(trial): read of damaged \(name) at \(offset)")
            }
        }
    }

    /// Opens, verifies and reads a store, returning what each step said.
    func detectDamage(_ path: String, options: LogOptions) -> (opened: Bool, verifyError: String?, readError: String?) {
        let log: Log
        do { log = try Log.open(at: path, mode: .read, options: options) } catch { return (false, error.description, error.description) }
        var verifyError: String?, readError: String?
        do { _ = try log.verify() } catch { verifyError = error.description }
        do { _ = try log.read(1...max(1, log.lastSeq)) } catch { readError = error.description }
        return (true, verifyError, readError)
    }

    @Test func editedRecordWithFixedChecksumFailsChain() throws {
        let dir = TemporaryDirectory("edit"); defer { dir.remove() }
        let options = LogOptions(segmentTargetBytes: 8 << 10, blockTargetBytes: 1024)
        let store = dir.sub("s")
        _ = try buildStore(store, options: options, batches: 20, perBatch: 20)
        let victim = segmentFiles(store)[1]
        var surgery = SegmentSurgery(path: victim)
        let block = 2
        let seq = surgery.blocks[block].records[3].seq
        surgery.blocks[block].records[3].payload[0] ^= 0x20  // "record" -> "Record"
        writeFileBytes(victim, surgery.encode())
        let log = try Log.open(at: store, mode: .read, options: options)
        // Every checksum is right, so reads succeed: only the chain can tell.
        #expect(try log.record(seq).payload[0] == UInt8(ascii: "R"))
        let name = (victim as NSString).lastPathComponent
        let first = surgery.blocks[block].records.first!.seq, last = surgery.blocks[block].records.last!.seq
        #expect(throws: LogError.chainMismatch(segment: name, offset: Int64(surgery.blocks[block].offset), firstSeq: first, lastSeq: last)) {
            _ = try log.verify()
        }
    }

    @Test(arguments: ["drop", "duplicate", "reorder"])
    func droppedDuplicatedOrReorderedRecordsFailChain(_ attack: String) throws {
        let dir = TemporaryDirectory("reorder"); defer { dir.remove() }
        let options = LogOptions(segmentTargetBytes: 8 << 10, blockTargetBytes: 1024)
        let store = dir.sub("s")
        _ = try buildStore(store, options: options, batches: 20, perBatch: 20)
        let victim = segmentFiles(store)[1]
        var surgery = SegmentSurgery(path: victim)
        var records = surgery.blocks[1].records
        switch attack {
        case "drop": records.remove(at: 2)
        case "duplicate": records.insert(records[2], at: 3)
        default: records.swapAt(2, 3)
        }
        // Renumber so every seq and time check passes; only the chain remains.
        let firstSeq = records[0].seq
        for i in records.indices { records[i].seq = firstSeq + UInt64(i); records[i].timestamp = surgery.blocks[1].records[0].timestamp }
        let shift = Int64(records.count) - Int64(surgery.blocks[1].records.count)
        surgery.blocks[1].records = records
        for b in 2..<surgery.blocks.count {
            for i in surgery.blocks[b].records.indices { surgery.blocks[b].records[i].seq = UInt64(Int64(surgery.blocks[b].records[i].seq) + shift) }
        }
        writeFileBytes(victim, surgery.encode())
        let found = detectDamage(store, options: options)
        let name = (victim as NSString).lastPathComponent
        #expect(found.verifyError?.contains(name) == true, "\(attack): \(found)")
    }

    @Test func missingMiddleSegmentIsNamed() throws {
        let dir = TemporaryDirectory("missing"); defer { dir.remove() }
        let options = LogOptions(segmentTargetBytes: 8 << 10, blockTargetBytes: 1024)
        let store = dir.sub("s")
        _ = try buildStore(store, options: options, batches: 20, perBatch: 20)
        let files = segmentFiles(store)
        try FileManager.default.removeItem(atPath: files[1])
        let next = (files[2] as NSString).lastPathComponent
        #expect { try Log.open(at: store, mode: .read) } throws: { error in
            guard case LogError.segmentSequence(let segment, let reason) = error else { return false }
            return segment == next && reason.contains("missing")
        }
    }

    @Test func segmentFromAnotherStoreIsNamed() throws {
        let dir = TemporaryDirectory("foreign"); defer { dir.remove() }
        let options = LogOptions(segmentTargetBytes: 8 << 10, blockTargetBytes: 1024)
        let a = dir.sub("a"), b = dir.sub("b")
        _ = try buildStore(a, options: options, batches: 20, perBatch: 20)
        _ = try buildStore(b, options: options, batches: 20, perBatch: 20)
        let victim = segmentFiles(a)[1]
        try FileManager.default.removeItem(atPath: victim)
        try FileManager.default.copyItem(atPath: segmentFiles(b)[1], toPath: victim)
        #expect { try Log.open(at: a, mode: .read) } throws: { error in
            guard case LogError.segmentSequence(let segment, let reason) = error else { return false }
            return segment == (victim as NSString).lastPathComponent && reason.contains("another store")
        }
    }

    @Test func damageBeforeALaterWriteInTheActiveSegmentIsCorruptionNotATornTail() throws {
        let dir = TemporaryDirectory("activecorrupt"); defer { dir.remove() }
        let options = LogOptions(blockTargetBytes: 256)
        let store = dir.sub("s")
        _ = try buildStore(store, options: options)
        try FileManager.default.removeItem(atPath: store + "/index")
        let segment = segmentFiles(store).last!
        let blocks = SegmentSurgery(path: segment).blocks
        var bytes = readFileBytes(segment)
        let target = blocks[2].offset + Format.blockHeaderLength + 3
        bytes[target] ^= 0x01
        writeFileBytes(segment, bytes)
        let name = (segment as NSString).lastPathComponent
        #expect(throws: LogError.corrupt(segment: name, offset: Int64(blocks[2].offset), reason: "the block payload checksum does not match")) {
            try Log.open(at: store, options: options)
        }
        #expect(readFileBytes(segment) == bytes)  // nothing was truncated
    }

    /// A writer that closes with a small unindexed tail records the committed end instead of
    /// rewriting the index; damage or a cut before that end is then corruption (nothing is
    /// truncated), where without the record it would be taken for a torn write.
    @Test func committedEndRecordedAtCloseMakesDamageAtTheEndCorruption() throws {
        let dir = TemporaryDirectory("committedend"); defer { dir.remove() }
        let options = LogOptions(blockTargetBytes: 256)
        let store = dir.sub("s")
        let ends = try buildStore(store, options: options)
        let segment = segmentFiles(store).last!
        let name = (segment as NSString).lastPathComponent
        let marker = store + "/index/" + name.replacingOccurrences(of: ".lseg", with: ".ltail")
        #expect(FileManager.default.fileExists(atPath: marker))
        #expect(!FileManager.default.fileExists(atPath: store + "/index/" + name.replacingOccurrences(of: ".lseg", with: ".lidx")),
                "a small tail should not rewrite the index at close")
        #expect(try Log.open(at: store, mode: .read).lastSeq == ends.last!)
        let original = readFileBytes(segment)
        let last = SegmentSurgery(path: segment).blocks.last!

        // A bit flip in the last block.
        var flipped = original
        flipped[original.count - 5] ^= 0x01
        writeFileBytes(segment, flipped)
        for mode in [AccessMode.read, .write] {
            #expect(throws: LogError.corrupt(segment: name, offset: Int64(last.offset), reason: "the block payload checksum does not match")) {
                try Log.open(at: store, mode: mode, options: options)
            }
        }
        #expect(readFileBytes(segment) == flipped)

        // The file cut short inside the last block, or exactly before it: acknowledged records are missing.
        let cut = Array(original.prefix(original.count - 10))
        writeFileBytes(segment, cut)
        #expect(throws: LogError.self) { try Log.open(at: store, options: options) }
        #expect(readFileBytes(segment) == cut)
        writeFileBytes(segment, Array(original.prefix(last.offset)))
        var message = ""
        do { _ = try Log.open(at: store, options: options) } catch { message = error.description }
        #expect(message.contains(name) && message.contains("were committed"), "\(message)")
        #expect(readFileBytes(segment).count == last.offset)
        writeFileBytes(segment, cut)

        // A damaged record of the committed end is ignored: the cut is then a torn write.
        var badMarker = readFileBytes(marker)
        badMarker[30] ^= 0x01
        writeFileBytes(marker, badMarker)
        let recovered = try Log.open(at: store, options: options)
        #expect(recovered.lastSeq == ends[ends.count - 2] && recovered.recovery != nil)
    }

    /// Index files are checked chunk by chunk as lookups read them: a flipped byte anywhere in
    /// a sealed segment's index never yields wrong seqs; the index is rebuilt from the segment.
    @Test func indexByteFlipsNeverGiveWrongSeqs() throws {
        let dir = TemporaryDirectory("indexflip"); defer { dir.remove() }
        let store = dir.sub("s")
        let options = LogOptions(segmentTargetBytes: 24 << 10, blockTargetBytes: 1024)
        let log = try Log.create(at: store, options: options)
        for b in 0..<12 { try log.append(makeRecords(40, from: b * 40, keys: 300, payloadBytes: 60)) }
        log.close()
        let keys = (0..<300).map { "S\($0)" }
        let truth = try keys.map { try Log.open(at: store, mode: .read).seqs(forKey: $0) }
        let sealed = segmentFiles(store).dropLast().first!
        let indexFile = store + "/index/" + ((sealed as NSString).lastPathComponent).replacingOccurrences(of: ".lseg", with: ".lidx")
        let original = readFileBytes(indexFile)
        #expect(original.count > 8192, "the index should span several chunks")
        var random = SeededGenerator(seed: 11)
        var offsets = Array(stride(from: 0, to: original.count, by: 7)) + [original.count - 1]
        offsets.shuffle(using: &random)
        for offset in offsets.prefix(600) {
            var bytes = original
            bytes[offset] ^= UInt8.random(in: 1...255, using: &random)
            writeFileBytes(indexFile, bytes)
            let reader = try Log.open(at: store, mode: .read)
            for (i, key) in keys.enumerated() where i % 7 == offset % 7 || i == 0 {
                #expect(try reader.seqs(forKey: key) == truth[i], "byte \(offset) flipped: wrong seqs for \(key)")
            }
        }
        writeFileBytes(indexFile, original)
    }

    @Test func copiedStoreOpensAndVerifies() throws {
        let dir = TemporaryDirectory("copy"); defer { dir.remove() }
        let options = LogOptions(segmentTargetBytes: 8 << 10, blockTargetBytes: 1024)
        let store = dir.sub("s")
        let ends = try buildStore(store, options: options, batches: 20, perBatch: 20)
        try copyTree(store, dir.sub("copy"))
        let copy = try Log.open(at: dir.sub("copy"), options: options)
        let report = try copy.verify()
        #expect(report.lastSeq == ends.last!)
        #expect(report.chainHead == (try Log.open(at: store, mode: .read).chainHead))
        #expect(try copy.read(1...ends.last!) == (try Log.open(at: store, mode: .read).read(1...ends.last!)))
    }

    @Test func backupWhileWritingIsAVerifiedPrefix() throws {
        let dir = TemporaryDirectory("backup"); defer { dir.remove() }
        let options = LogOptions(segmentTargetBytes: 16 << 10, blockTargetBytes: 1024)
        let log = try Log.create(at: dir.sub("s"), options: options)
        try log.append(makeRecords(100))
        let backups = LockedArray<BackupReport>()
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            if worker == 0 {
                for b in 1..<40 { _ = try! log.append(makeRecords(25, from: 100 + b * 25)) }
            } else {
                for i in 0..<5 { backups.append(try! log.backup(to: dir.sub("backup\(i)"))) }
            }
        }
        for (i, report) in backups.values.enumerated() {
            let copy = try Log.open(at: dir.sub("backup\(i)"), mode: .read)
            let verified = try copy.verify()
            #expect(verified.lastSeq == report.lastSeq)
            #expect(try copy.read(1...report.lastSeq) == (try log.read(1...report.lastSeq)))
        }
        #expect(throws: LogError.notEmpty(path: dir.sub("backup0"))) { try log.backup(to: dir.sub("backup0")) }
    }

    @Test(arguments: [ENOSPC, EIO])
    func failedWriteLeavesNoPartOfTheBatchAndTheStoreGoesOn(_ code: Int32) throws {
        let dir = TemporaryDirectory("enospc"); defer { dir.remove() }
        let faults = ScriptedFaults()
        let store = dir.sub("s")
        let log = try Log.create(at: store, options: LogOptions(blockTargetBytes: 512, faults: faults))
        try log.append(makeRecords(10))
        let size = readFileBytes(segmentFiles(store)[0]).count
        faults.nextWrite = .short(bytes: 700, errno: code)
        #expect(throws: LogError.io(operation: "write", path: segmentFiles(store)[0], errno: code)) {
            try log.append(makeRecords(20, from: 10))
        }
        #expect(log.lastSeq == 10)
        #expect(readFileBytes(segmentFiles(store)[0]).count == size)
        faults.nextSync = code
        #expect(throws: LogError.self) { try log.append(makeRecords(20, from: 10)) }
        #expect(log.lastSeq == 10)
        #expect(readFileBytes(segmentFiles(store)[0]).count == size)
        // Space is back: appends go on, and a reopened store agrees.
        try log.append(makeRecords(20, from: 10))
        log.close()
        let reopened = try Log.open(at: store)
        #expect(reopened.recovery == nil)
        #expect(try reopened.verify().lastSeq == 30)
    }
}

extension RecoveryTests {
    @Test func failedSealOfASegmentFailsTheAppendAndReopeningRecovers() throws {
        let dir = TemporaryDirectory("rollfail"); defer { dir.remove() }
        let faults = ScriptedFaults()
        let store = dir.sub("s")
        let options = LogOptions(segmentTargetBytes: 4096, blockTargetBytes: 512, faults: faults)
        let log = try Log.create(at: store, options: options)
        var acknowledged: UInt64 = 0
        while log.segmentInfos.count == 1 { acknowledged = try log.append(makeRecords(10, from: Int(acknowledged), payloadBytes: 60)).upperBound }
        // The active segment is now past its target: the next append seals it first.
        while log.segmentInfos.last!.bytes < 4096 { acknowledged = try log.append(makeRecords(10, from: Int(acknowledged), payloadBytes: 60)).upperBound }
        faults.nextSync = EIO
        #expect(throws: LogError.self) { try log.append(makeRecords(10, from: Int(acknowledged))) }
        #expect(throws: LogError.self) { try log.append(makeRecords(10, from: Int(acknowledged))) }
        log.close()
        let reopened = try Log.open(at: store, options: LogOptions(segmentTargetBytes: 4096, blockTargetBytes: 512))
        #expect(try reopened.verify().lastSeq == acknowledged)
        try reopened.append(makeRecords(10, from: Int(acknowledged), payloadBytes: 60))
        #expect(try reopened.verify().lastSeq == acknowledged + 10)
    }
}

/// Fails the next write or sync once, as told.
final class ScriptedFaults: FaultInjector, @unchecked Sendable {
    private let lock = NSLock()
    private var write: WriteFault?
    private var sync: Int32?
    var nextWrite: WriteFault? { get { nil } set { lock.lock(); write = newValue; lock.unlock() } }
    var nextSync: Int32? { get { nil } set { lock.lock(); sync = newValue; lock.unlock() } }
    func beforeWrite(path: String, offset: Int64, count: Int) -> WriteFault? {
        lock.lock(); defer { write = nil; lock.unlock() }
        return path.hasSuffix(".lseg") ? write : nil
    }
    func beforeSync(path: String) -> Int32? {
        lock.lock(); defer { lock.unlock() }
        guard path.hasSuffix(".lseg"), let s = sync else { return nil }
        sync = nil
        return s
    }
    func reached(_ point: String) {}
}

extension RecoveryTests {
    /// Random damage anywhere in any file of a store (segments, index, STORE):
    /// opening, reading and verifying either succeed or throw; nothing traps.
    @Test func hostileStoreFilesNeverTrap() throws {
        let dir = TemporaryDirectory("hostile"); defer { dir.remove() }
        let options = LogOptions(segmentTargetBytes: 8 << 10, blockTargetBytes: 1024, indexRefreshBytes: 2048)
        let original = dir.sub("original")
        _ = try buildStore(original, options: options, batches: 12, perBatch: 15)
        let files = (try FileManager.default.subpathsOfDirectory(atPath: original)).filter {
            !$0.hasSuffix("LOCK") && !FS.isDirectory(original + "/" + $0)
        }
        var random = SeededGenerator(seed: 99)
        let work = dir.sub("work")
        let rounds = Int(ProcessInfo.processInfo.environment["LICHENG_FUZZ_ROUNDS"] ?? "").map { $0 / 20 } ?? 150
        for _ in 0..<rounds {
            try? FileManager.default.removeItem(atPath: work)
            try copyTree(original, work)
            let victim = work + "/" + files.randomElement(using: &random)!
            var bytes = readFileBytes(victim)
            for _ in 0..<Int.random(in: 1...3, using: &random) where !bytes.isEmpty {
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                case 1: bytes.removeLast(Int.random(in: 0..<bytes.count, using: &random))
                default: bytes.insert(contentsOf: [UInt8](repeating: UInt8.random(in: 0...255, using: &random), count: Int.random(in: 1...64, using: &random)),
                                      at: Int.random(in: 0...bytes.count, using: &random))
                }
            }
            writeFileBytes(victim, bytes)
            _ = detectDamage(work, options: options)
            if let log = try? Log.open(at: work, options: options) {
                _ = try? log.seqs(forKey: "S1")
                _ = try? log.firstSeq(atOrAfter: 1_700_000_000_050_000)
                _ = try? log.append(makeRecords(3, from: 900, time: Int64.max / 4))
            }
        }
    }
}
