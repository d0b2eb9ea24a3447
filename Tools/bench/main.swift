// bench: measures the engine on an existing store (release build).
//   bench replay STORE [RUNS]        full replay of every event into all projections
//   bench student STORE S [RUNS]     open + one student's portfolio now, and as of half-way
import Foundation
import Licheng
import LichengDomain
import LichengLog

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s[s.count / 2] }

func summary(_ label: String, _ xs: [Double], scale: Double = 1000, unit: String = "ms") -> String {
    String(format: "%@: median %.2f %@ (min %.2f, max %.2f, %d runs)", label, median(xs) * scale, unit,
           xs.min()! * scale, xs.max()! * scale, xs.count)
}

let args = CommandLine.arguments
guard args.count >= 3 else { print("usage: bench replay STORE [RUNS] | bench student STORE S [RUNS]"); exit(2) }
do {
    switch args[1] {
    case "replay":
        let runs = args.count > 3 ? Int(args[3])! : 3
        let engine = try Engine.open(at: args[2], mode: .read)
        var times: [Double] = []
        var count = 0
        for _ in 0..<runs {
            var school = SchoolState()
            count = 0
            times.append(try seconds {
                try engine.forEachEvent { e in school.apply(e); count += 1; return true }
            })
        }
        print("replay of \(count) events into the shared and every student's state")
        print(summary("time", times, scale: 1, unit: "s"))
        print(String(format: "rate: median %.0f events/s", Double(count) / median(times)))
    case "student":
        let student = args[3]
        let runs = args.count > 4 ? Int(args[4])! : 20
        var openTimes: [Double] = [], nowTimes: [Double] = [], asOfTimes: [Double] = []
        var items = 0
        for _ in 0..<runs {
            var engine: Engine!
            openTimes.append(try seconds { engine = try Engine.open(at: args[2], mode: .read) })
            nowTimes.append(try seconds {
                let shared = engine.shared
                let p = Portfolio(student: try engine.studentState(student, through: engine.log.lastSeq, shared: shared), shared: shared)
                items = p.jsonObject()["items"]?.arrayValue?.count ?? 0
            })
            asOfTimes.append(try seconds {
                let seq = engine.log.lastSeq / 2
                let shared = try engine.sharedState(through: seq)
                _ = Portfolio(student: try engine.studentState(student, through: seq, shared: shared), shared: shared).jsonObject()
            })
        }
        print("store of \(try Engine.open(at: args[2], mode: .read).log.lastSeq) events; student \(student) with \(items) items")
        print(summary("open (snapshot + tail)", openTimes))
        print(summary("portfolio now", nowTimes))
        print(summary("portfolio as of half-way", asOfTimes))
    case "record":
        // Diagnostics: the raw record at a seq.
        let log = try Log.open(at: args[2], mode: .read)
        let r = try log.record(UInt64(args[3])!)
        print("seq \(r.seq) key \(r.key ?? "-") payload \(r.payload.count) bytes, first: \(r.payload.prefix(48).map { String($0, radix: 16) }.joined(separator: " "))")
        do { _ = try Event.decodeStored(r.payload, seq: r.seq, recordedAt: r.timestamp) } catch { print("decode: \(error)") }
    default:
        print("unknown command \(args[1])"); exit(2)
    }
} catch {
    FileHandle.standardError.write("Error: \(error)\n".data(using: .utf8)!)
    exit(3)
}
