import Foundation
import Licheng
import LichengDomain

let usage = """
usage: generate --store DIR [--seed N] [--students 1500] [--classes 45] [--years 1] [--scale national]
                [--batch N] [--quiet] [--print-facts] [--gaps missing-workshop,late-teacher]
Writes a realistic, deterministic school history into a fresh store through the real engine.
"""

func parseArguments() -> Config {
    var cfg = Config()
    var args = Array(CommandLine.arguments.dropFirst())
    var explicitBatch = false
    func fail(_ m: String) -> Never {
        FileHandle.standardError.write(Data("generate: \(m)\n\(usage)\n".utf8)); exit(2)
    }
    func int(_ name: String, _ v: String?) -> Int {
        guard let v, let n = Int(v), n > 0 else { fail("--\(name) needs a positive number") }
        return n
    }
    while !args.isEmpty {
        let a = args.removeFirst()
        var value: String? { args.isEmpty ? nil : args.removeFirst() }
        switch a {
        case "--store": guard let v = value else { fail("--store needs a directory") }; cfg.store = v
        case "--seed": guard let v = value, let n = UInt64(v) else { fail("--seed needs a number") }; cfg.seed = n
        case "--students": cfg.students = int("students", value)
        case "--classes": cfg.classes = int("classes", value)
        case "--years": cfg.years = int("years", value)
        case "--batch": cfg.batchSize = int("batch", value); explicitBatch = true
        case "--scale":
            guard value == "national" else { fail("--scale takes: national") }
            cfg.students = 100_000; cfg.years = 3
            cfg.classes = 2_499
        case "--gaps":
            guard let v = value else { fail("--gaps needs a list") }
            let known: Set<String> = ["missing-workshop", "late-teacher"]
            for g in v.split(separator: ",").map(String.init) {
                guard known.contains(g) else { fail("unknown gap \(g); known: \(known.sorted().joined(separator: ", "))") }
                cfg.gaps.insert(g)
            }
        case "--quiet": cfg.quiet = true
        case "--print-facts": cfg.printFacts = true
        case "--help", "-h": print(usage); exit(0)
        default: fail("unknown argument \(a)")
        }
    }
    if cfg.store.isEmpty { fail("--store is required") }
    if cfg.classes > cfg.students { fail("--classes must not exceed --students") }
    if cfg.classes > 4_800 { fail("at most 4800 classes") }
    if !explicitBatch && cfg.students > 20_000 { cfg.batchSize = 20_000 }
    return cfg
}

func directorySize(_ path: String) -> Int64 {
    var total: Int64 = 0
    if let e = FileManager.default.enumerator(atPath: path) {
        for case let f as String in e {
            if let a = try? FileManager.default.attributesOfItem(atPath: path + "/" + f), (a[.type] as? FileAttributeType) == .typeRegular {
                total += (a[.size] as? NSNumber)?.int64Value ?? 0
            }
        }
    }
    return total
}

let cfg = parseArguments()
let gen = Generator(cfg)
if !cfg.quiet { print("generate: \(cfg.students) students, \(cfg.classes) classes, \(cfg.years) year(s), seed \(cfg.seed) → \(cfg.store)") }
do { try gen.run() } catch { gen.fatal("\(error)") }
gen.engine.close()
let elapsed = Date().timeIntervalSince(gen.started)
let size = directorySize(cfg.store)
let rate = Int(Double(gen.totalWritten) / max(elapsed, 0.001))
let rejectedTotal = gen.rejected.values.reduce(0, +)
if !cfg.quiet {
    print("events written by type:")
    for (t, n) in gen.written.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
        print("  " + t.padding(toLength: 28, withPad: " ", startingAt: 0) + String(n))
    }
    print("rejected attempts by rule (expected, not written):")
    for (r, n) in gen.rejected.sorted(by: { $0.key < $1.key }) { print("  \(r): \(n)") }
    if !gen.unexpected.isEmpty {
        print("UNEXPECTED (\(gen.unexpected.count)):")
        for u in gen.unexpected.prefix(20) { print("  " + u) }
    }
}
print("summary: events=\(gen.totalWritten) rejected=\(rejectedTotal) unexpected=\(gen.unexpected.count) submits=\(gen.submits) elapsed=\(String(format: "%.2f", elapsed))s events/s=\(rate) storeBytes=\(size)")
if cfg.printFacts { for (k, v) in gen.facts { print("\(k)=\(v)") } }
exit(gen.unexpected.isEmpty ? 0 : 1)
