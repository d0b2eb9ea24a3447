#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A one-line progress bar on standard error for long work (replay, import, verify, backup).
/// It draws only when enabled — `Progress.forTerminal` enables it when standard error is a
/// terminal and output is not `--json` — at most ten times a second, and clears its line on
/// `finish()`. Not thread-safe: update it from one task. In hot loops, advance per batch.
///
///     let progress = Progress.forTerminal(label: "Replaying", total: count, console: console, json: json)
///     for batch in batches { apply(batch); progress.advance(by: batch.count) }
///     progress.finish()
public final class Progress {
    public let label: String
    public let total: Int?
    public private(set) var completed = 0
    public let isEnabled: Bool

    private let write: (String) -> Void
    private let now: () -> Double
    private let width: Int
    private let startTime: Double
    private var lastDrawTime: Double
    private var isDrawn = false
    private var isFinished = false

    /// Seconds between redraws.
    public static let redrawInterval = 0.1

    public init(
        label: String, total: Int?, enabled: Bool, width: Int = 80,
        write: @escaping (String) -> Void, now: @escaping () -> Double = Progress.monotonicSeconds
    ) {
        self.label = label
        self.total = total
        self.isEnabled = enabled
        self.width = max(width, 20)
        self.write = write
        self.now = now
        startTime = enabled ? now() : 0
        lastDrawTime = startTime
    }

    /// Enabled only when the console's standard error is a terminal and `json` is false.
    public static func forTerminal(label: String, total: Int?, console: Console, json: Bool) -> Progress {
        Progress(label: label, total: total, enabled: console.errorIsTerminal && !json,
                 width: console.terminalWidth, write: console.writeError)
    }

    public func advance(by count: Int = 1) {
        update(completed: completed + count)
    }

    public func update(completed newValue: Int) {
        completed = newValue
        guard isEnabled && !isFinished else { return }
        let time = now()
        guard time - lastDrawTime >= Self.redrawInterval else { return }
        lastDrawTime = time
        write("\r" + line(at: time) + "\u{1B}[K")
        isDrawn = true
    }

    /// Clears the bar's line, leaving the cursor at its start for what comes next.
    public func finish() {
        guard !isFinished else { return }
        isFinished = true
        if isDrawn { write("\r\u{1B}[K") }
    }

    deinit { finish() }

    /// The text of the bar at `time`, fitted to the width (without the trailing column, so the
    /// terminal does not wrap).
    func line(at time: Double) -> String {
        let elapsed = max(time - startTime, 0.001)
        let rate = Double(completed) / elapsed
        var counts = Self.grouped(completed)
        var tail = "  \(Self.grouped(Int(rate.rounded())))/s"
        if let total, total > 0 {
            counts += "/" + Self.grouped(total)
            let fraction = min(max(Double(completed) / Double(total), 0), 1)
            tail = "  \(Int((fraction * 100).rounded(.down)))%" + tail
            if rate > 0 && completed < total {
                tail += "  ETA " + Self.clock(Double(total - completed) / rate)
            }
            let fixed = DisplayWidth.of(label) + 2 + 2 + 2 + counts.count + tail.count
            let barWidth = width - 1 - fixed
            if barWidth >= 10 {
                let filled = Int((fraction * Double(barWidth)).rounded(.down))
                let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: barWidth - filled)
                return "\(label)  [\(bar)]  \(counts)\(tail)"
            }
        } else {
            tail += "  " + Self.clock(elapsed)
        }
        return "\(label)  \(counts)\(tail)"
    }

    /// 1234567 → "1,234,567"
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return value < 0 ? "-" + result : result
    }

    /// 75 → "1:15", 3725 → "1:02:05"
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.up))
        let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
        let mmss = (hours > 0 && minutes < 10 ? "0" : "") + "\(minutes):" + (secs < 10 ? "0" : "") + "\(secs)"
        return hours > 0 ? "\(hours):\(mmss)" : mmss
    }

    /// Seconds on the monotonic clock.
    public static func monotonicSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
