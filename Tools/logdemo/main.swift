// logdemo: exercises the storage layer on its own.
//   logdemo demo DIR        append, read back, verify, back up and print what happened
//   logdemo bench DIR [N]   durable append / read / verify throughput (release build)
//   logdemo golden DIR      write the golden fixture store of this format version
//   logdemo verify DIR      verify a store and print the rate
//   logdemo crashloop DIR   append batches forever, printing "acked FIRST LAST" after
//                           each durable append (the crash test kills it at random)
//   logdemo sign N          Ed25519 sign/verify cost of a checkpoint
//   logdemo redact DIR KEY  redact every record stored under KEY (LICHENG_CRASH_AT=point:N
//                           dies at the Nth arrival at a rewrite point, e.g. redact.renamed)
import Foundation
import LichengLog

func say(_ text: String) { print(text) }

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Realistic-looking ~250-byte payloads, like a compact stored event.
func payload(_ i: Int) -> [UInt8] {
    var p = Array("{\"type\":\"course-outcome.uploaded\",\"actor\":\"S11200\(i % 1500)\",\"term\":\"113-1\",\"courseId\":\"C\(i % 97)\",\"title\":\"Lab report \(i)\",\"description\":\"Measured the period of a pendulum and compared it with theory.\",\"files\":[{\"sha256\":\"".utf8)
    var x = UInt64(i) &* 0x9E37_79B9_7F4A_7C15
    while p.count < 240 { x = x &* 6364136223846793005 &+ 1442695040888963407; p.append(UInt8(ascii: "a") + UInt8(x >> 59 % 26)) }
    p += Array("\"}]}".utf8)
    return p
}

func demo(_ dir: String) throws {
    try? FileManager.default.removeItem(atPath: dir)
    say("$ create a store in \(dir)")
    let log = try Log.create(at: dir, options: LogOptions(segmentTargetBytes: 256 << 10))
    let t0: Int64 = 1_733_000_000_000_000
    for b in 0..<20 {
        let batch = (0..<500).map { i in RecordInput(timestamp: t0 + Int64(b * 500 + i), key: "S\((b * 500 + i) % 40)", payload: payload(b * 500 + i)) }
        let range = try log.append(batch)
        if b < 3 || b == 19 { say("  appended batch \(b + 1): seq \(range.lowerBound)–\(range.upperBound)") }
        if b == 3 { say("  …") }
    }
    say("$ segments")
    for s in log.segmentInfos {
        say("  \(s.name)  seq \(s.firstSeq)–\(s.lastSeq)  \(s.bytes) bytes  \(s.sealed ? "sealed" : "active")")
    }
    say("$ read seq 4242: \(String(decoding: try log.record(4242).payload.prefix(60), as: UTF8.self))…")
    say("$ seqs of key S7: \(try log.seqs(forKey: "S7").prefix(8).map(String.init).joined(separator: ", ")) …")
    let report = try log.verify()
    say("$ verify: \(report.records) records in \(report.segments) segments, chain head \(report.chainHead.hex.prefix(16))…  OK")
    let backup = dir + "-backup"
    try? FileManager.default.removeItem(atPath: backup)
    let copied = try log.backup(to: backup)
    say("$ backup to \(backup): \(copied.segments) segments, \(copied.bytes) bytes, up to seq \(copied.lastSeq)")
    let restored = try Log.open(at: backup, mode: .read)
    let again = try restored.verify()
    say("$ verify the backup: \(again.records) records, same chain head: \(again.chainHead == report.chainHead)")
}

func bench(_ dir: String, count: Int) throws {
    try? FileManager.default.removeItem(atPath: dir)
    let payloads = (0..<1000).map(payload)
    let bytesPerRecord = payloads.reduce(0) { $0 + $1.count } / payloads.count
    let log = try Log.create(at: dir)
    let t0: Int64 = 1_733_000_000_000_000
    var batchTimes: [Double] = []
    var batch = [RecordInput](); batch.reserveCapacity(1000)
    let appendTime = try seconds {
        for b in 0..<(count / 1000) {
            batch.removeAll(keepingCapacity: true)
            for i in 0..<1000 { batch.append(RecordInput(timestamp: t0 + Int64(b * 1000 + i), key: "S\((b * 1000 + i) % 100_000)", payload: payloads[i])) }
            batchTimes.append(try seconds { try log.append(batch) })
        }
    }
    batchTimes.sort()
    let onDisk = log.segmentInfos.reduce(Int64(0)) { $0 + $1.bytes }
    log.close()
    let reader = try Log.open(at: dir, mode: .read)
    var sum = 0
    let readTime = try seconds { try reader.forEach { sum &+= $0.payload.count; return true } }
    var report = VerifyReport()
    let verifyTime = try seconds { report = try reader.verify() }
    let n = Double(count)
    say("records: \(count) × ~\(bytesPerRecord) B, batches of 1000, fsync per batch")
    say(String(format: "append: %.0f records/s (%.2f s; batch median %.2f ms, p99 %.2f ms)", n / appendTime, appendTime,
               batchTimes[batchTimes.count / 2] * 1000, batchTimes[batchTimes.count * 99 / 100] * 1000))
    say(String(format: "read:   %.0f records/s (%.2f s, %.0f MB/s of payload)", n / readTime, readTime, Double(sum) / readTime / 1e6))
    say(String(format: "verify: %.0f records/s, %.2f GB/s of uncompressed block bytes (%.2f s)", n / verifyTime,
               Double(report.uncompressedBytes) / verifyTime / 1e9, verifyTime))
    say(String(format: "disk:   %.1f bytes/record (payload %d B; %.1f%% of raw)", Double(onDisk) / n, bytesPerRecord,
               Double(onDisk) / Double(report.uncompressedBytes) * 100))
}

/// The golden fixture: a small store whose every byte is pinned by a test.
func golden(_ dir: String) throws {
    try? FileManager.default.removeItem(atPath: dir)
    let t0: Int64 = 1_735_660_800_000_000  // 2025-01-01T00:00:00+08:00
    let log = try Log.create(at: dir, options: LogOptions(segmentTargetBytes: 2048, blockTargetBytes: 512), now: t0)
    try log.append([RecordInput(timestamp: t0, key: nil, payload: Array("store initialized".utf8))])
    for b in 0..<6 {
        let batch = (0..<8).map { i -> RecordInput in
            let n = b * 8 + i
            return RecordInput(timestamp: t0 + Int64(n + 1) * 1_000_000, key: n % 3 == 2 ? nil : "S\(n % 3)",
                               payload: Array("record \(n + 2): 學習歷程 payload \(String(repeating: "x", count: n))".utf8))
        }
        try log.append(batch)
    }
    try log.append([RecordInput(timestamp: t0 + 100_000_000, key: "S0", payload: [])])
    say("wrote \(log.lastSeq) records in \(log.segmentInfos.count) segments, chain head \(log.chainHead.hex)")
}

/// Appends batches until killed. Every record says which batch it belongs to and
/// the batch's size, so a checker can tell complete batches from partial ones.
func crashloop(_ dir: String) throws {
    var options = LogOptions(segmentTargetBytes: 64 << 10, blockTargetBytes: 2048, indexRefreshBytes: 16 << 10, lockWaitSeconds: 10)
    // LICHENG_CRASH_AT=point:N dies (as if the power failed) the Nth time the
    // writer reaches a named point of a multi-step operation, e.g. roll.after-seal.
    if let spec = ProcessInfo.processInfo.environment["LICHENG_CRASH_AT"] {
        let parts = spec.split(separator: ":")
        options.faults = CrashAtPoint(point: String(parts[0]), hit: parts.count > 1 ? Int(parts[1]) ?? 1 : 1)
    }
    let log = FileManager.default.fileExists(atPath: dir + "/STORE") ? try Log.open(at: dir, options: options) : try Log.create(at: dir, options: options)
    var batch = log.lastSeq
    var time = max(log.lastTimestamp ?? 0, 1_733_000_000_000_000)
    while true {
        batch += 1
        let size = Int(batch % 7) * 13 + 1
        let records = (0..<size).map { i -> RecordInput in
            time += 1
            return RecordInput(timestamp: time, key: "K\(batch % 5)", payload: Array("batch \(batch) record \(i) of \(size) ".utf8) + [UInt8](repeating: UInt8(truncatingIfNeeded: batch), count: Int(batch % 300)))
        }
        let range = try log.append(records)
        FileHandle.standardOutput.write("acked \(range.lowerBound) \(range.upperBound)\n".data(using: .utf8)!)
    }
}

/// Redacts the records of one key (the purge rewrite, without the domain).
func redactKey(_ dir: String, _ key: String) throws {
    var options = LogOptions(segmentTargetBytes: 64 << 10, blockTargetBytes: 2048, lockWaitSeconds: 10)
    if let spec = ProcessInfo.processInfo.environment["LICHENG_CRASH_AT"] {
        let parts = spec.split(separator: ":")
        options.faults = CrashAtPoint(point: String(parts[0]), hit: parts.count > 1 ? Int(parts[1]) ?? 1 : 1)
    }
    let log = try Log.open(at: dir, options: options)
    let report = try log.redact(seqs: Set(try log.seqs(forKey: key)))
    say("redacted \(report.redacted) records in \(report.segments.count) segments")
}

/// Ed25519 sign and verify cost of a checkpoint message (72 bytes).
func signBench(_ count: Int) throws {
    let key = try SigningKey.generate()
    let message = Checkpoint(storeID: [UInt8](repeating: 7, count: 16), seq: 104_187, chainHead: sha256([1, 2, 3]), time: 0).message
    var signature: [UInt8] = []
    let signTime = seconds { for _ in 0..<count { signature = key.sign(message) } }
    var ok = true
    let verifyTime = seconds { for _ in 0..<count { ok = ok && key.publicKey.verify(signature, of: message) } }
    say(String(format: "Ed25519 over a checkpoint: sign %.1f µs, verify %.1f µs (%d each, valid: %@)",
               signTime / Double(count) * 1e6, verifyTime / Double(count) * 1e6, count, ok ? "yes" : "no"))
}

/// Exits the process at the Nth arrival at a named point.
final class CrashAtPoint: FaultInjector, @unchecked Sendable {
    let point: String
    var remaining: Int
    init(point: String, hit: Int) { self.point = point; remaining = hit }
    func beforeWrite(path: String, offset: Int64, count: Int) -> WriteFault? { nil }
    func beforeSync(path: String) -> Int32? { nil }
    func reached(_ name: String) {
        guard name == point else { return }
        remaining -= 1
        if remaining == 0 { _exit(9) }
    }
}

let args = CommandLine.arguments
guard args.count >= 3 else {
    FileHandle.standardError.write("usage: logdemo demo|bench|golden DIR [N]\n".data(using: .utf8)!)
    exit(2)
}
do {
    switch args[1] {
    case "demo": try demo(args[2])
    case "bench": try bench(args[2], count: args.count > 3 ? Int(args[3])! : 1_000_000)
    case "golden": try golden(args[2])
    case "crashloop": try crashloop(args[2])
    case "redact" where args.count > 3: try redactKey(args[2], args[3])
    case "sign": try signBench(Int(args[2]) ?? 10_000)
    case "verify":
        let log = try Log.open(at: args[2], mode: .read)
        var report = VerifyReport()
        let time = try seconds { report = try log.verify() }
        say(String(format: "verify: %llu records, %.2f GB/s of uncompressed block bytes, %.0f records/s (%.2f s)", report.records,
                   Double(report.uncompressedBytes) / time / 1e9, Double(report.records) / time, time))
    default: FileHandle.standardError.write("unknown command \(args[1])\n".data(using: .utf8)!); exit(2)
    }
} catch {
    FileHandle.standardError.write("Error: \(error)\n".data(using: .utf8)!)
    exit(3)
}
