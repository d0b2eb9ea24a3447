import Testing
@testable import Licheng

/// A clock and an output that tests control.
final class FakeTerminal {
    var time = 100.0
    var written: [String] = []
}

@Suite struct ProgressTests {
    func makeProgress(total: Int?, enabled: Bool = true, width: Int = 80) -> (Progress, FakeTerminal) {
        let terminal = FakeTerminal()
        let progress = Progress(label: "Replaying", total: total, enabled: enabled, width: width,
                                write: { terminal.written.append($0) }, now: { terminal.time })
        return (progress, terminal)
    }

    @Test func drawsAtMostTenTimesASecondAndClearsOnFinish() {
        let (progress, terminal) = makeProgress(total: 1000)
        progress.advance(by: 10)  // at start: too soon to draw
        #expect(terminal.written.isEmpty)
        terminal.time += 0.5
        progress.advance(by: 490)
        #expect(terminal.written.count == 1)
        terminal.time += 0.0625
        progress.advance(by: 100)  // 62.5 ms after the last draw: skipped
        #expect(terminal.written.count == 1)
        terminal.time += 0.0625
        progress.advance(by: 100)
        #expect(terminal.written.count == 2)
        progress.finish()
        #expect(terminal.written.last == "\r\u{1B}[K")
        progress.finish()
        #expect(terminal.written.count == 3)
    }

    @Test func barShowsCountPercentRateAndETA() {
        let (progress, terminal) = makeProgress(total: 100_000)
        terminal.time += 2
        progress.update(completed: 25_000)
        let line = terminal.written[0]
        #expect(line == "\rReplaying  [######-------------------]  25,000/100,000  25%  12,500/s  ETA 0:06\u{1B}[K")
        #expect(DisplayWidth.of(line.dropFirst().dropLast(3)) == 79)
    }

    @Test func withoutTotalShowsCountRateAndElapsed() {
        let (progress, terminal) = makeProgress(total: nil)
        terminal.time += 75
        progress.update(completed: 1_500)
        #expect(terminal.written == ["\rReplaying  1,500  20/s  1:15\u{1B}[K"])
    }

    @Test func disabledProgressWritesNothing() {
        let (progress, terminal) = makeProgress(total: 10, enabled: false)
        terminal.time += 5
        progress.advance(by: 5)
        progress.finish()
        #expect(terminal.written.isEmpty)
        #expect(progress.completed == 5)
    }

    @Test func forTerminalIsOffForJSONAndForPipes() {
        let (console, captured) = Console.capturing()
        #expect(!Progress.forTerminal(label: "x", total: 1, console: console, json: false).isEnabled)
        var terminal = console
        terminal.errorIsTerminal = true
        #expect(Progress.forTerminal(label: "x", total: 1, console: terminal, json: false).isEnabled)
        #expect(!Progress.forTerminal(label: "x", total: 1, console: terminal, json: true).isEnabled)
        #expect(captured.error == "")
    }

    @Test func numberAndClockFormatting() {
        #expect(Progress.grouped(0) == "0")
        #expect(Progress.grouped(999) == "999")
        #expect(Progress.grouped(1_234_567) == "1,234,567")
        #expect(Progress.clock(5) == "0:05")
        #expect(Progress.clock(3725) == "1:02:05")
    }
}
