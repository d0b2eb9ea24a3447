import Foundation
import Licheng
import LichengDomain
import LichengLog

struct Config {
    var store = ""
    var seed: UInt64 = 1
    var students = 1500
    var classes = 45
    var years = 1
    var quiet = false
    var printFacts = false
    var batchSize = 2000
    var firstYear = 113
    /// Deliberate compliance gaps in the first year (`--gaps`): `missing-workshop` (no 專業研習
    /// is held) and `late-teacher` (one teacher certifies semester 1 only after the deadline,
    /// in a re-opened window).
    var gaps: Set<String> = []
}

/// One action at a moment of a school day: events appended together, or an attempt expected to be refused.
enum Session {
    case events([Event])
    case reject(Event, String)
}

struct Item {
    var id: String
    var subject: Int8      // course subject index; -1 for a performance
    var semester: Int8
    var status: ItemStatus
    var selected = false
    var reuploaded = false
}

struct Student {
    var id: String
    var name: String
    var slot: Int          // class slot
    var departed = false
    var items: [Item] = []
    var nextC = 1
    var nextP = 1
    var perfThisYear = 0
    var coSelected = 0
    var pfSelected = 0
    var confirmed: Set<String> = []
}

struct ClassSlot {
    var grade: Int         // 1…3
    var number: Int
    var homeroom: String
    var students: [Int] = []
    var id: String { "\(grade)" + (number < 10 ? "0\(number)" : "\(number)") }
}

struct Staff {
    var id: String
    var name: String
    var roles: [StaffRole]
    var homeroomClass: String?
}

let subjects: [(code: String, name: String, credits: Int64)] = [
    ("CHI", "國語文", 4), ("ENG", "英語文", 4), ("MAT", "數學", 4), ("PHY", "物理", 2), ("CHE", "化學", 2),
    ("BIO", "生物", 2), ("EAR", "地球科學", 2), ("HIS", "歷史", 2), ("GEO", "地理", 2), ("CIV", "公民與社會", 2),
    ("ICT", "資訊科技", 2), ("ART", "藝術生活", 2),
]
/// Subjects 10 and 11 are electives (registered by the research section).
let electiveSubjects = [10, 11]

final class Generator {
    let cfg: Config
    var rng: SplitMix64
    let clock: ClockBox
    var engine: Engine!

    // Counters.
    var written: [String: Int] = [:]
    var rejected: [String: Int] = [:]
    var unexpected: [String] = []
    var totalWritten = 0
    var submits = 0
    let started = Date()

    // The day being built.
    var day = LocalDate(days: 0)
    var sessions: [Session] = []

    // School.
    var staff: [Staff] = []
    var admin = "T0001", principal = "T0002", academic = "T0003", studentAffairs = "T0004", counselingDir = "T0005"
    var libraryDir = "T0006", research = "T0007", activities = "T0008", clubs = "T0009", discipline = "T0010"
    var dataSection = "T0011", counselingOffice = "T0012", examDeputy = "T0013", courseCounselors = ["T0014", "T0015"]
    var careerCounselor = "T0016", auditor = "T0017", backupAdmin = "T0018"
    var teachersBySubject: [[String]] = []
    var proxyOf: [String: String] = [:]
    var unavailable: Set<String> = []
    var slots: [ClassSlot] = []
    var students: [Student] = []
    var idWidth = 4
    var files: [(entry: FileEntry, bytes: [UInt8])] = []
    var filesStored = false
    var batchStudents: [String: [String]] = [:]
    var facts: [(String, String)] = []

    init(_ cfg: Config) {
        self.cfg = cfg
        rng = SplitMix64(seed: cfg.seed &* 0x2545_F491_4F6C_DD1D &+ 0x1234_5678)
        clock = ClockBox(Cal.at(Cal.day(cfg.firstYear + 1911, 8, 1), 8, 30))
    }

    // MARK: sessions and batching

    func begin(_ d: LocalDate) {
        finishDay()
        day = d
    }

    func add(_ events: [Event]) { if !events.isEmpty { sessions.append(.events(events)) } }
    func add(_ event: Event) { sessions.append(.events([event])) }
    func attempt(_ event: Event, _ label: String) { sessions.append(.reject(event, label)) }

    /// Spreads the day's sessions between 07:30 and 22:00 and submits them in batches.
    func finishDay() {
        guard !sessions.isEmpty else { return }
        let start = Cal.at(day, 7, 30), span = Int64(14 * 3600 + 30 * 60) * Taipei.microsPerSecond
        let n = Int64(sessions.count)
        let step = span / n
        var pending: [Event] = []
        var pendingTime: Timestamp = 0
        func flush() {
            guard !pending.isEmpty else { return }
            clock.now = max(clock.now, pendingTime)
            submit(pending)
            pending.removeAll(keepingCapacity: true)
        }
        for (k, s) in sessions.enumerated() {
            let jitter = step > 1 ? Int64(rng.next() % UInt64(step)) : 0
            let t = start + Int64(k) * step + jitter
            switch s {
            case .events(let es):
                pending.append(contentsOf: es)
                pendingTime = t
                if pending.count >= cfg.batchSize { flush() }
            case .reject(let e, let label):
                flush()
                clock.now = max(clock.now, t)
                do {
                    let r = try engine.submit([e])
                    unexpected.append("accepted although expected to be refused (\(label)): \(r[0].type.rawValue) seq \(r[0].seq)")
                    count(r)
                } catch {
                    if case .rejected(let rej, _) = error { rejected["\(rej.rule.rawValue): \(label)", default: 0] += 1 } else {
                        fatal("storage failure: \(error)")
                    }
                }
            }
        }
        flush()
        sessions.removeAll(keepingCapacity: true)
    }

    func submit(_ events: [Event]) {
        var batch = events
        while !batch.isEmpty {
            do {
                let blobs = !filesStored && batch.contains(where: { $0.type == .courseOutcomeUploaded || $0.type == .performanceUploaded })
                    ? files.map(\.bytes) : []
                let r = try engine.submit(batch, blobs: blobs)
                if !blobs.isEmpty { filesStored = true }
                submits += 1
                count(r)
                return
            } catch {
                guard case .rejected(let rej, let index) = error else { fatal("storage failure: \(error)") }
                // A generator bug: drop the offending event, note it, and keep the rest.
                let i = index ?? 0
                unexpected.append("unexpected rejection of \(batch[i].type.rawValue) by \(batch[i].actor): \(rej)")
                if unexpected.count > 200 { fatal("too many unexpected rejections; first: \(unexpected[0])") }
                batch.remove(at: i)
            }
        }
    }

    func count(_ events: [Event]) {
        for e in events {
            written[e.type.rawValue, default: 0] += 1
            if case .submissionMade(let d) = e.body, let id = d.batchId { batchStudents[id] = d.students }
        }
        totalWritten += events.count
    }

    func fatal(_ message: String) -> Never {
        FileHandle.standardError.write(Data(("generate: " + message + "\n").utf8))
        exit(3)
    }

    // MARK: helpers

    func ev(_ actor: String, _ body: EventBody, student: String? = nil, onBehalfOf: String? = nil) -> Event {
        Event(actor: actor, onBehalfOf: onBehalfOf, student: student, body: body)
    }

    func studentId(admitted year: Int, _ n: Int) -> String {
        let s = String(n)
        return "S\(year)" + String(repeating: "0", count: max(0, idWidth - s.count)) + s
    }

    func courseId(_ term: Term, _ slot: Int, _ subject: Int) -> String {
        "\(term.year.value)\(term.semester)-\(slots[slot].id)-\(subjects[subject].code)"
    }

    func teacher(slot: Int, subject: Int) -> String {
        let list = teachersBySubject[subject]
        return list[(slot / 6) % list.count]
    }

    func makeFiles() {
        let kinds: [(String, String)] = [("pdf", "application/pdf"), ("jpg", "image/jpeg"), ("png", "image/png")]
        for i in 0..<64 {
            let (ext, type) = kinds[i % 3]
            var bytes: [UInt8] = ext == "pdf" ? Array("%PDF-1.4\n".utf8) : ext == "png" ? [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] : [0xFF, 0xD8, 0xFF, 0xE0]
            let size = 1024 + rng.int(6 * 1024)
            while bytes.count < size { bytes.append(UInt8(truncatingIfNeeded: rng.next())) }
            let digest = LichengLog.sha256(bytes).hex
            files.append((FileEntry(name: "file\(i).\(ext)", mediaType: type, size: Int64(bytes.count), sha256: digest), bytes))
        }
    }

    func file(_ name: String) -> FileEntry {
        var f = rng.pick(files).entry
        let ext = f.name.split(separator: ".").last.map(String.init) ?? "pdf"
        f.name = name + "." + ext
        return f
    }

    // MARK: the run

    func run() throws {
        makeFiles()
        var options = Engine.Options()
        let clock = self.clock
        options.clock = { clock.now }
        if cfg.students > 20_000 { options.snapshotInterval = 2_000_000 }
        idWidth = max(4, String(cfg.students).count)
        day = LocalDate(containing: clock.now)
        do {
            engine = try Engine.create(at: cfg.store, schoolCode: "170301", schoolName: "基隆市立中山高級中學",
                                       adminId: admin, adminName: "陳試務", options: options)
        } catch { fatal("cannot create the store: \(error)") }
        count([try engine.event(at: 1)])
        setupSchool()
        for y in 0..<cfg.years {
            let year = cfg.firstYear + y
            startYear(year, first: y == 0)
            runTerm(Term(year, 1), lastYear: y == cfg.years - 1)
            runTerm(Term(year, 2), lastYear: y == cfg.years - 1)
            progress("year \(year) done")
        }
        finishDay()
        collectFacts()
    }

    func progress(_ what: String) {
        guard !cfg.quiet else { return }
        let secs = Date().timeIntervalSince(started)
        print("  \(what): \(totalWritten) events, \(submits) submits, \(String(format: "%.1f", secs)) s, \(Int(Double(totalWritten) / max(secs, 0.001))) events/s")
        fflush(nil)  // progress shows up promptly even when stdout is a file
    }
}
