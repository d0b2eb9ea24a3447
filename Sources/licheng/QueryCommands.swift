import Foundation
import Licheng
import LichengDomain

private let asOfOption = Option.value("as-of", valueName: "time|seq:N", help: "Answer as of an RFC 3339 time or a seq (seq:N).")

/// The state a query reads: the store opened for reading, the seq it answers as of, the shared
/// state then, the reader, and the time the answer is about.
struct QueryState {
    let engine: Engine
    let seq: UInt64
    let shared: SharedState
    let reader: String
    let asOf: AsOf?
    /// The time judged "now": the clock, or the as-of point.
    let now: Timestamp

    init(_ ctx: Context, schoolWide: Bool = false) throws {
        reader = try ctx.actor()
        asOf = try ctx.asOf()
        engine = try ctx.openRead()
        seq = try engine.resolve(asOf)
        shared = schoolWide ? try engine.schoolState(through: seq) : try engine.coreState(through: seq)
        switch asOf {
        case nil: now = engine.now
        case .time(let t)?: now = t
        case .seq?: now = shared.lastRecordedAt
        }
    }

    /// The student's state as of the query's seq, when the reader may read it. Read
    /// authorization is judged with today's accounts, roles and classes.
    @discardableResult
    func requireRead(student: String) throws -> StudentState {
        let today = try engine.studentState(student)
        let then = seq == engine.log.lastSeq ? today : try engine.studentState(student, through: seq)
        guard then.isKnown || today.isKnown else {
            throw EngineError.notFound("There is no student \(student)" + (asOf == nil ? "." : " as of seq \(seq)."))
        }
        guard ReadAccess.mayRead(actor: reader, student: today, shared: engine.core, now: engine.now) else {
            throw EngineError.forbidden("\(reader) may not read the records of student \(student).")
        }
        return then
    }

    func requireSchoolWide(_ what: String) throws {
        guard ReadAccess.mayReadSchoolWide(actor: reader, shared: engine.core, now: engine.now) else {
            throw EngineError.forbidden("\(reader) may not read \(what); it needs the role principal, academic-director, exam-section or auditor.")
        }
    }

    func student(_ id: String) throws -> StudentState { try engine.studentState(id, through: seq) }
}

func kindLabel(_ kind: ItemKind) -> String { kind == .courseOutcome ? "課程學習成果 course outcome" : "多元表現 performance" }

func counterCell(_ c: QuotaCounter) -> String { "\(c.used)/\(c.limit)" }

let portfolioCommand = Command(
    "portfolio", abstract: "Show a student's portfolio: registry data, records and every item with its state.",
    arguments: [.required("student", help: "The student ID.")], options: [asOfOption],
    run: handler { ctx in
        let q = try QueryState(ctx)
        defer { q.engine.close() }
        let id = ctx.inv.argument("student")!
        let p = Portfolio(student: try q.requireRead(student: id), shared: q.shared)
        if ctx.json { ctx.console.printJSON(.object(p.jsonObject())); return }
        var kv = KeyValueBlock()
        kv.add("學號 Student", id)
        if let r = p.registry {
            kv.add("姓名 Name", r.name)
            kv.add("班級 Class", r.class)
            if let d = r.admittedOn { kv.add("入學 Admitted", d.description) }
            if let d = r.departedOn { kv.add("離校 Departed", d.description + (r.departureReason.map { " (\($0.rawValue))" } ?? "")) }
        }
        kv.add("成績 Grades", "\(p.grades.count)")
        kv.add("幹部 Cadres", "\(p.cadres.count)")
        kv.add("諮詢 Counseling", "\(p.counseling.count)")
        kv.add("截至 As of", "seq \(p.asOfSeq)")
        var out = kv.render()
        var table = Table(columns: [.init("項目 Item"), .init("類別 Kind"), .init("學期 Term"), .init("標題 Title"), .init("狀態 State"), .init("檔案 Files", alignment: .right)])
        for item in p.items {
            let i = item.item
            table.addRow([i.itemId, kindLabel(i.kind), i.term?.description ?? String(i.year.value), i.title, item.state, "\(i.content.fileCount)"])
        }
        out += "\n" + (p.items.isEmpty ? "No items.\n" : table.render())
        ctx.console.writeOutput(out)
    })

let quotaCommand = Command(
    "quota", abstract: "Show a student's quota counters: used and remaining uploads and selections.",
    arguments: [.required("student", help: "The student ID.")],
    options: [.value("term", help: "The term (default: the current one)."), asOfOption],
    run: handler { ctx in
        let q = try QueryState(ctx)
        defer { q.engine.close() }
        let id = ctx.inv.argument("student")!
        let student = try q.requireRead(student: id)
        let term = try ctx.inv.value("term").map { t throws(UsageError) in try ctx.term(t, "term") } ?? Term.containing(q.now)
        let c = QuotaCounters(student: student, shared: q.shared, term: term)
        if ctx.json { ctx.console.printJSON(.object(c.jsonObject())); return }
        var table = Table(columns: [.init("額度 Quota"), .init("期間 Period"), .init("已用 Used", alignment: .right), .init("上限 Limit", alignment: .right), .init("剩餘 Remaining", alignment: .right)])
        for (label, period, counter) in [("課程學習成果上傳 course-outcome uploads", term.description, c.courseOutcomeUploads),
                                         ("多元表現上傳 performance uploads", String(term.year.value), c.performanceUploads),
                                         ("課程學習成果勾選 course-outcome selections", String(term.year.value), c.courseOutcomeSelections),
                                         ("多元表現勾選 performance selections", String(term.year.value), c.performanceSelections)] {
            table.addRow([label, period, "\(counter.used)", "\(counter.limit)", "\(counter.remaining)"])
        }
        ctx.console.writeOutput("學號 Student \(id)\n\n" + table.render())
    })

let auditCommand = Command(
    "audit", abstract: "Show the audit trail: every event, filtered by student, actor, type and time.",
    discussion: "With --json the output is JSON Lines: one event document per line.",
    options: [.value("student", valueName: "id", help: "Only events about this student."),
              .value("actor", valueName: "id", help: "Only events by this actor or on their behalf."),
              .repeating("type", help: "Only events of this type; repeat for several."),
              .value("from", valueName: "time", help: "Only events recorded at or after this time."),
              .value("until", valueName: "time", help: "Only events recorded before this time."),
              asOfOption],
    run: handler { ctx in
        let q = try QueryState(ctx)
        defer { q.engine.close() }
        var filter = AuditFilter()
        filter.student = ctx.inv.value("student")
        filter.actor = ctx.inv.value("actor")
        let types = try ctx.inv.list("type").map { t throws(UsageError) in try ctx.choice(t, "type", EventType.self) }
        if !types.isEmpty { filter.types = Set(types) }
        filter.from = try ctx.time("from").flatMap(Taipei.parse)
        filter.until = try ctx.time("until").flatMap(Taipei.parse)
        filter.throughSeq = q.seq
        var table = Table(columns: [.init("序 Seq", alignment: .right), .init("時間 Recorded at"), .init("事件 Type"), .init("執行者 Actor"), .init("代理 On behalf of"), .init("學生 Student")])
        var count = 0
        let emit: (Event) -> Void = { e in
            count += 1
            if ctx.json { ctx.console.print(e.jsonString()) } else {
                table.addRow([String(e.seq), Taipei.format(e.recordedAt), e.type.rawValue, e.actor, e.onBehalfOf ?? "", e.student ?? ""])
            }
        }
        if let s = filter.student {
            try q.requireRead(student: s)
            for e in try q.engine.studentEvents(s, through: q.seq) where filter.matches(e) { emit(e) }
        } else {
            try q.requireSchoolWide("the audit trail of the whole school (give --student to read one student's)")
            try q.engine.forEachEvent(through: q.seq) { e in
                if filter.matches(e) { emit(e) }
                return true
            }
        }
        if !ctx.json { ctx.console.writeOutput(count == 0 ? "No events match.\n" : table.render()) }
    })

let todoCommand = Command(
    "todo", abstract: "Show pending work of an actor or a role, including what passed to them as a proxy.",
    arguments: [.optional("actor", help: "Whose work (default: the --as actor).")],
    options: [.value("role", help: "Pending work of a role."),
              .value("within-days", valueName: "n", help: "Windows closing within this many days (default 7)."),
              asOfOption],
    run: handler { ctx in
        let q = try QueryState(ctx, schoolWide: true)
        defer { q.engine.close() }
        let role = try ctx.inv.value("role").map { r throws(UsageError) in try ctx.choice(r, "role", StaffRole.self) }
        var actor = ctx.inv.argument("actor")
        if actor == nil && role == nil { actor = q.reader }
        if actor != q.reader || role != nil {
            let ownRole = role.map { r in q.engine.core.staff[q.reader]?.has(r) ?? false } ?? true
            if !(actor == q.reader && ownRole) { try q.requireSchoolWide("the pending work of others") }
        }
        let days = try ctx.inv.integer("within-days", in: 0...3650) ?? 7
        let w = PendingWork(actor: actor, role: role, shared: q.shared, now: q.now, withinDays: days)
        if ctx.json { ctx.console.printJSON(.object(w.jsonObject())); return }
        var out = "待辦 Pending work of \(actor ?? "")\(role.map { " role \($0.rawValue)" } ?? "")\n\n"
        if !w.replacing.isEmpty {
            out += "代理 Acting as proxy (代理人) for:\n"
            for r in w.replacing { out += "  \(r.staffId) \(r.name) — \(r.reason)\n" }
            out += "\n"
        }
        out += "待認證 Awaiting certification (認證): \(w.certifications.count)\n"
        if !w.certifications.isEmpty {
            var t = Table(columns: [.init("項目 Item"), .init("學生 Student"), .init("課程 Course"), .init("學期 Term"), .init("代理 On behalf of")])
            for c in w.certifications { t.addRow([c.itemId, c.student, c.courseId, c.term.description, c.onBehalfOf ?? ""]) }
            out += t.render()
        }
        out += "\n即將截止 Windows closing within \(days) days: \(w.closingWindows.count)\n"
        if !w.closingWindows.isEmpty {
            var t = Table(columns: [.init("學期 Term"), .init("作業 Kind"), .init("截止 Closes at")])
            for x in w.closingWindows { t.addRow([x.term.description, x.kind.rawValue, Taipei.format(x.closesAt)]) }
            out += t.render()
        }
        out += "\n待提交 Submissions due: \(w.submissionsDue.count)\n"
        for d in w.submissionsDue { out += "  \(d.kind.rawValue)  \(d.term)  closes \(Taipei.format(d.closesAt))\(d.onBehalfOf.map { "  (for \($0))" } ?? "")\n" }
        out += "\n待確認收訖 Receipts (收訖明細) to confirm: \(w.receiptsToConfirm.count)\n"
        for b in w.receiptsToConfirm { out += "  \(b)\n" }
        if !w.mailReceipts.isEmpty {
            out += "\n離校生郵寄收訖 Receipts of students who left, to confirm by mail: \(w.mailReceipts.count)\n"
            for m in w.mailReceipts { out += "  \(m.batchId)  \(m.student)\n" }
        }
        out += "\n待處理申訴 Disputes to resolve: \(w.disputesToResolve.count)\n"
        for d in w.disputesToResolve { out += "  \(d.batchId)  \(d.student)\n" }
        ctx.console.writeOutput(out)
    })

let reportCommand = Command(
    "report", abstract: "School-wide reports.",
    subcommands: [
        Command("compliance", abstract: "The compliance report of an academic year (working group, meetings, trainings, windows, certification, submissions).",
                discussion: "The evidence for the working group's yearly checks and the staff evaluation (rules 2, 3, 4, 6, 10, 11). --html FILE also writes one self-contained page with charts (inline SVG, no network) for reading or printing.",
                options: [.value("year", help: "The academic year, e.g. 115.", required: true),
                          .value("html", valueName: "file", help: "Also write the report as a self-contained HTML page to this file."),
                          asOfOption],
                run: handler { ctx in
                    let year = try ctx.year()
                    let q = try QueryState(ctx, schoolWide: true)
                    defer { q.engine.close() }
                    try q.requireSchoolWide("the compliance report")
                    let r = ComplianceReport(year: year, shared: q.shared, now: q.now)
                    if let path = ctx.inv.value("html") {
                        let page = ComplianceHTML.render(r, schoolName: q.shared.store?.schoolName ?? "", asOfSeq: q.seq, generatedAt: q.engine.now)
                        guard FileManager.default.createFile(atPath: path, contents: Data(page.utf8)) else {
                            throw ToolError("Cannot write the HTML report to '\(path)': check that its directory exists and is writable.", exitCode: .storageFailure)
                        }
                    }
                    if ctx.json { ctx.console.printJSON(.object(r.jsonObject())); return }
                    var out = "學年度 Academic year \(year) compliance report (seq \(q.seq))\n\n"
                    let wg = r.workingGroup
                    out += "工作小組 Working group: \(wg.filled)/\(ComplianceReport.WorkingGroupCheck.seats) seats filled\n\n"
                    var m = Table(columns: [.init("學期 Term"), .init("工作小組會議 Meetings", alignment: .right)])
                    for t in year.terms { m.addRow([t.description, "\(r.meetings[t]?.count ?? 0)"]) }
                    out += m.render() + "\n"
                    var tr = Table(columns: [.init("研習 Training"), .init("場次 Held", alignment: .right), .init("主辦單位符合 By the named units", alignment: .right)])
                    for k in TrainingKind.allCases { tr.addRow([k.rawValue, "\(r.trainings[k]?.count ?? 0)", "\(r.trainings[k]?.filter(\.requiredHosts).count ?? 0)"]) }
                    out += tr.render() + "\n"
                    var w = Table(columns: [.init("學期 Term"), .init("作業 Kind"), .init("公告 Published"), .init("自我檢核 Self-check")])
                    for x in r.windows { w.addRow([x.term.description, x.kind.rawValue, x.published ? "yes" : "NO", x.selfCheckAt.map { Taipei.format($0) } ?? (x.published ? "NONE" : "")]) }
                    out += w.render() + "\n"
                    var c = Table(columns: [.init("教師 Teacher"), .init("學期 Term"), .init("認證 Decisions", alignment: .right), .init("期限內 On time", alignment: .right),
                                            .init("逾期 Late", alignment: .right), .init("未完成 Missing", alignment: .right), .init("待認證 Pending", alignment: .right), .init("代理 By proxy", alignment: .right)])
                    for x in r.certification { c.addRow([x.teacher, x.term.description, "\(x.decisions)", "\(x.onTime)", "\(x.late)", "\(x.missing)", "\(x.pending)", "\(x.byProxy)"]) }
                    if !r.certification.isEmpty { out += c.render() + "\n" }
                    var s = Table(columns: [.init("提交 Submission"), .init("單位 Unit"), .init("批次 Batches", alignment: .right), .init("收訖 Confirmed", alignment: .right),
                                            .init("學生確認 Students confirmed", alignment: .right), .init("郵寄 By mail", alignment: .right)])
                    for x in r.submissions {
                        s.addRow([x.kind.rawValue, x.unit.rawValue, "\(x.batches.count)", "\(x.confirmed.count)",
                                  "\(x.batches.reduce(0) { $0 + $1.studentsConfirmed })", "\(x.batches.reduce(0) { $0 + $1.confirmedByMail })"])
                    }
                    out += s.render() + "\n"
                    out += "待改善 Findings: \(r.findings.count)\n" + r.findings.map { "  - [\($0.section.rawValue)] \($0.message)\n" }.joined()
                    if let path = ctx.inv.value("html") { out += "\nHTML report written to \(path)\n" }
                    ctx.console.writeOutput(out)
                }),
    ])

let classCommand = Command(
    "class", abstract: "Class overview for a homeroom teacher: per student, uploads and selections against quota.",
    arguments: [.required("class", help: "The class, e.g. 101.")],
    options: [.value("term", help: "The term (default: the current one)."), asOfOption],
    run: handler { ctx in
        let q = try QueryState(ctx, schoolWide: true)
        defer { q.engine.close() }
        let className = ctx.inv.argument("class")!
        let term = try ctx.inv.value("term").map { t throws(UsageError) in try ctx.term(t, "term") } ?? Term.containing(q.now)
        let infos = q.shared.students(inClass: className)
        let isHomeroom = q.engine.core.staff[q.reader].map { $0.has(.homeroomTeacher) && $0.homeroomClass == className && !$0.isExpired(at: q.engine.now) } ?? false
        if !isHomeroom && !ReadAccess.mayReadSchoolWide(actor: q.reader, shared: q.engine.core, now: q.engine.now) {
            guard !infos.isEmpty, try infos.allSatisfy({ ReadAccess.mayRead(actor: q.reader, student: try q.engine.studentState($0.id), shared: q.engine.core, now: q.engine.now) }) else {
                throw EngineError.forbidden("\(q.reader) may not read class \(className); it needs to be its homeroom teacher or hold a school-wide role.")
            }
        }
        var states = IDMap<StudentState>()
        for info in infos { states[info.id] = try q.student(info.id) }
        let overview = ClassOverview(className: className, shared: q.shared, students: states, term: term)
        if ctx.json { ctx.console.printJSON(.object(overview.jsonObject())); return }
        var t = Table(columns: [.init("學號 Student"), .init("姓名 Name"), .init("課程學習成果 Uploads", alignment: .right), .init("多元表現 Performances", alignment: .right),
                                .init("勾選成果 CO selected", alignment: .right), .init("勾選表現 Perf. selected", alignment: .right),
                                .init("待認證 Awaiting cert.", alignment: .right), .init("退回 Returned", alignment: .right)])
        for row in overview.rows {
            t.addRow([row.studentId, q.shared.students[row.studentId]?.name ?? "", counterCell(row.courseOutcomeUploads), counterCell(row.performanceUploads),
                      counterCell(row.courseOutcomeSelections), counterCell(row.performanceSelections),
                      "\(overview.awaitingCertification[row.studentId]?.count ?? 0)", "\(overview.returned[row.studentId] ?? 0)"])
        }
        ctx.console.writeOutput("班級 Class \(className), term \(term)\n\n" + (overview.rows.isEmpty ? "No students.\n" : t.render()))
    })

let queryCommands: [Command] = [portfolioCommand, quotaCommand, auditCommand, todoCommand, reportCommand, classCommand]
