// Timing, statistics and the one comparison table.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = now()
    try body()
    return Double(now() - start) / 1e9
}

/// The CPU time (user + system, every thread) this process has used, in seconds.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return s(usage.ru_utime) + s(usage.ru_stime)
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// What a metric measures, and so which way is better and how to print it.
enum Unit {
    case rate(String)      // per second, higher is better ("events/s")
    case bytesRate         // bytes per second, higher is better
    case millis            // lower is better
    case bytes             // lower is better
    case mebibytes         // lower is better (input in bytes)

    var higherIsBetter: Bool {
        switch self { case .rate, .bytesRate: return true; default: return false }
    }

    func format(_ v: Double) -> String {
        switch self {
        case .rate(let u):
            if v >= 1e6 { return String(format: "%.2fM %@", v / 1e6, u) }
            if v >= 1e3 { return String(format: "%.1fk %@", v / 1e3, u) }
            return String(format: "%.0f %@", v, u)
        case .bytesRate: return String(format: "%.2f GB/s", v / 1e9)
        case .millis: return v >= 1000 ? String(format: "%.2f s", v / 1000) : (v >= 10 ? String(format: "%.1f ms", v) : String(format: "%.2f ms", v))
        case .bytes: return String(format: "%.1f B", v)
        case .mebibytes: return String(format: "%.0f MiB", v / 1_048_576)
        }
    }

    func formatShort(_ v: Double) -> String {
        switch self {
        case .rate:
            if v >= 1e6 { return String(format: "%.2fM", v / 1e6) }
            if v >= 1e3 { return String(format: "%.1fk", v / 1e3) }
            return String(format: "%.0f", v)
        case .bytesRate: return String(format: "%.2f", v / 1e9)
        case .millis: return v >= 10 ? String(format: "%.1f", v) : String(format: "%.2f", v)
        case .bytes: return String(format: "%.1f", v)
        case .mebibytes: return String(format: "%.0f", v / 1_048_576)
        }
    }
}

/// Samples of one side of one metric (nil: not measured for this side).
struct Samples {
    var values: [Double]
    var med: Double { median(values) }
}

/// A target the issue sets: on Licheng's median alone, on the ratio, or both.
struct Target {
    var text: String
    var check: (_ licheng: Double, _ ratio: Double?) -> Bool
}

struct Row {
    var metric: String
    var unit: Unit
    var licheng: Samples?
    var sqlite: Samples?
    var runs: String
    var target: Target?

    /// How many times better Licheng is (> 1: Licheng wins).
    var ratio: Double? {
        guard let l = licheng?.med, let s = sqlite?.med, l > 0, s > 0 else { return nil }
        return unit.higherIsBetter ? l / s : s / l
    }

    func cell(_ s: Samples?) -> String {
        guard let s else { return "—" }
        if s.values.count == 1 { return unit.format(s.med) }
        return unit.format(s.med) + " (" + unit.formatShort(s.values.min()!) + "–" + unit.formatShort(s.values.max()!) + ")"
    }

    var met: String {
        guard let target, let l = licheng?.med else { return "" }
        return target.check(l, ratio) ? "yes" : "**no**"
    }
}

final class Report {
    var rows: [Row] = []
    var notes: [String] = []
    let title: String

    init(title: String) { self.title = title }

    func add(_ row: Row) {
        rows.append(row)
        // Progress on stderr so a long run shows where it is.
        let r = row.ratio.map(formatRatio) ?? "—"
        FileHandle.standardError.write(Data("  \(row.metric): Licheng \(row.cell(row.licheng)) | SQLite \(row.cell(row.sqlite)) | \(r)\n".utf8))
    }

    func note(_ s: String) {
        notes.append(s)
        FileHandle.standardError.write(Data("  note: \(s)\n".utf8))
    }

    /// The table as Markdown (pasted as is into docs/PERFORMANCE.md).
    func markdown() -> String {
        var out = "### \(title)\n\n"
        out += "Medians, (min–max) over the runs; ratio = how many times better Licheng is than SQLite (> 1: Licheng wins), from medians of the same run.\n\n"
        out += "| metric | Licheng | SQLite | ratio | runs | target | met |\n| --- | --- | --- | --- | --- | --- | --- |\n"
        for r in rows {
            let ratio = r.ratio.map(formatRatio) ?? "—"
            out += "| \(r.metric) | \(r.cell(r.licheng)) | \(r.cell(r.sqlite)) | \(ratio) | \(r.runs) | \(r.target?.text ?? "") | \(r.met) |\n"
        }
        if !notes.isEmpty {
            out += "\n"
            for n in notes { out += "- \(n)\n" }
        }
        return out
    }
}

func formatRatio(_ r: Double) -> String {
    r >= 0.1 ? String(format: "%.2f×", r) : String(format: "%.4f×", r)
}

/// Peak resident set of this process (VmHWM), in bytes.
func peakRSS() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let digits = line.split(separator: " ").compactMap { Double($0) }
        if let kib = digits.first { return kib * 1024 }
    }
    return 0
}

/// Runs a program to completion and returns its wall time in seconds and exit status.
/// Standard output goes to `stdoutPath` (default /dev/null).
func spawnAndWait(_ argv: [String], stdoutPath: String = "/dev/null") throws -> (seconds: Double, status: Int32) {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let cargs = argv.map { strdup($0) } + [nil]
    defer { for p in cargs { free(p) } }
    var pid: pid_t = 0
    let start = now()
    let rc = posix_spawn(&pid, argv[0], &actions, nil, cargs, environ)
    guard rc == 0 else { throw BenchError("could not start \(argv[0]): \(String(cString: strerror(rc)))") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let elapsed = Double(now() - start) / 1e9
    let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return (elapsed, exitCode)
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// The running executable, for child processes (re-exec with a subcommand).
let selfPath: String = {
    var buf = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buf, buf.count - 1)
    return n > 0 ? String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
}()

func directoryBytes(_ path: String, excluding: Set<String> = []) -> Int64 {
    var total: Int64 = 0
    guard let e = FileManager.default.enumerator(atPath: path) else { return 0 }
    for case let f as String in e {
        if let top = f.split(separator: "/").first, excluding.contains(String(top)) { continue }
        var st = stat()
        if lstat(path + "/" + f, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG { total += Int64(st.st_size) }
    }
    return total
}

func fileBytes(_ path: String) -> Int64 {
    var st = stat()
    return stat(path, &st) == 0 ? Int64(st.st_size) : 0
}
