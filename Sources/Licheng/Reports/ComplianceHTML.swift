// The compliance report as one self-contained HTML page (`licheng report compliance --html FILE`):
// inline CSS and SVG charts, no scripts, no network, readable on screen and in print.
// Every string that comes from the store (names, IDs, titles, messages) goes through `esc`.

import LichengDomain

public enum ComplianceHTML {
    /// Escapes text for HTML element content and attribute values.
    public static func esc(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Control characters other than tab and newline have no place in a report.
                if c.value < 0x20 && c != "\t" && c != "\n" { out += "\u{FFFD}" } else { out.unicodeScalars.append(c) }
            }
        }
        return out
    }

    static let green = "#2e7d32", orange = "#ef6c00", red = "#c62828", grey = "#9e9e9e", blue = "#1565c0", lightBlue = "#90caf9"

    static let kindLabels: [TrainingKind: String] = [.orientation: "宣導說明 Orientation", .systemTraining: "系統操作訓練 System training", .workshop: "專業研習 Workshop"]
    static let windowLabels: [WindowKind: String] = [
        .courseOutcomeUpload: "成果上傳 Outcome upload", .certification: "認證 Certification", .performanceUpload: "多元表現上傳 Performance upload",
        .selection: "勾選 Selection", .submission: "提交 Submission", .receiptConfirmation: "收訖確認 Receipt",
    ]
    static let submissionLabels: [SubmissionKind: String] = [
        .enrolmentAndGrades: "學籍及成績 Enrolment & grades", .courseOutcomes: "課程學習成果 Course outcomes",
        .cadres: "幹部經歷 Cadres", .performances: "多元表現 Performances",
    ]
    static let sectionLabels: [ComplianceReport.Finding.Section: String] = [
        .workingGroup: "工作小組 Working group", .meetings: "會議 Meetings", .trainings: "研習 Trainings", .windows: "作業期程 Windows",
        .lateCertification: "逾期認證 Late certification", .missingCertification: "未完成認證 Missing certification",
        .submissions: "提交 Submissions", .receipts: "收訖 Receipts",
    ]

    /// One horizontal bar row: a label and stacked segments (value, colour, legend name).
    struct BarRow {
        var label: String
        var segments: [(value: Int, color: String, name: String)]
        var total: Int { segments.reduce(0) { $0 + $1.value } }
    }

    /// A horizontal (stacked) bar chart as inline SVG. `threshold` draws a dashed line (the
    /// required minimum). Each bar has a `<title>` for hovering and its numbers printed beside it.
    static func barChart(_ rows: [BarRow], id: String, caption: String, threshold: Int? = nil, labelWidth: Int = 230) -> String {
        let rowH = 22, barMax = 420, top = 8
        let maxValue = max(1, rows.map(\.total).max() ?? 0, threshold ?? 0)
        let width = labelWidth + barMax + 90
        let height = top + rows.count * rowH + 24
        var s = "<svg class=\"chart\" id=\"\(esc(id))\" role=\"img\" aria-label=\"\(esc(caption))\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\">"
        s += "<title>\(esc(caption))</title>"
        for (i, r) in rows.enumerated() {
            let y = top + i * rowH
            s += "<text x=\"\(labelWidth - 6)\" y=\"\(y + 15)\" text-anchor=\"end\" class=\"lbl\">\(esc(r.label))</text>"
            var x = labelWidth
            for seg in r.segments where seg.value > 0 {
                let w = max(2, seg.value * barMax / maxValue)
                s += "<rect class=\"bar\" x=\"\(x)\" y=\"\(y + 3)\" width=\"\(w)\" height=\"\(rowH - 6)\" fill=\"\(seg.color)\"><title>\(esc(r.label)): \(esc(seg.name)) \(seg.value)</title></rect>"
                x += w
            }
            let numbers = r.segments.count == 1 ? "\(r.total)" : r.segments.map { "\($0.value)" }.joined(separator: "/")
            s += "<text x=\"\(x + 6)\" y=\"\(y + 15)\" class=\"num\">\(esc(numbers))</text>"
        }
        if let t = threshold {
            let x = labelWidth + t * barMax / maxValue
            s += "<line x1=\"\(x)\" y1=\"\(top - 4)\" x2=\"\(x)\" y2=\"\(top + rows.count * rowH + 2)\" class=\"threshold\"/>"
            s += "<text x=\"\(x + 3)\" y=\"\(height - 6)\" class=\"num\">≥ \(t)</text>"
        }
        s += "</svg>"
        return s
    }

    static func legend(_ items: [(String, String)]) -> String {
        "<p class=\"legend\">" + items.map { "<span><i style=\"background:\($0.1)\"></i>\(esc($0.0))</span>" }.joined(separator: " ") + "</p>"
    }

    /// "2025-01-20 23:59" (Asia/Taipei): minutes are enough on a page people read.
    static func short(_ t: Timestamp) -> String {
        let f = Taipei.format(t)
        return String(f.prefix(10)) + " " + String(f.dropFirst(11).prefix(5))
    }

    static func ok(_ good: Bool) -> String { good ? "<span class=\"ok\">✔</span>" : "<span class=\"bad\">✘</span>" }

    /// A timeline of one term's windows: a bar from open to close, a diamond at the self-check
    /// time, a red tick at a deadline the window was re-opened after.
    static func timeline(_ windows: [ComplianceReport.WindowCheck], term: Term) -> String {
        let labelWidth = 230, span = 440, rowH = 22, top = 22
        let start = term.start, end = term.end
        let total = Double(end - start)
        func x(_ t: Timestamp) -> Int { labelWidth + Int(Double(min(max(t, start), end) - start) / total * Double(span)) }
        let height = top + windows.count * rowH + 8
        let width = labelWidth + span + 20
        var s = "<svg class=\"chart timeline\" id=\"timeline-\(esc(term.description))\" role=\"img\" aria-label=\"作業期程 windows \(esc(term.description))\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\">"
        s += "<title>作業期程 Windows of term \(esc(term.description))</title>"
        // Month ticks.
        var d = LocalDate(containing: start)
        while d.start < end {
            let c = d.components
            if c.day == 1 {
                s += "<line x1=\"\(x(d.start))\" y1=\"\(top - 6)\" x2=\"\(x(d.start))\" y2=\"\(height - 6)\" class=\"grid\"/>"
                s += "<text x=\"\(x(d.start) + 2)\" y=\"\(top - 9)\" class=\"num\">\(c.month)月</text>"
            }
            d = d.adding(days: 1)
        }
        for (i, w) in windows.enumerated() {
            let y = top + i * rowH
            s += "<text x=\"\(labelWidth - 6)\" y=\"\(y + 15)\" text-anchor=\"end\" class=\"lbl\">\(esc(windowLabels[w.kind] ?? w.kind.rawValue))</text>"
            guard let o = w.opensAt, let c = w.closesAt else {
                s += "<text x=\"\(labelWidth + 4)\" y=\"\(y + 15)\" class=\"num bad\">未公告 not published</text>"
                continue
            }
            s += "<rect class=\"bar\" x=\"\(x(o))\" y=\"\(y + 4)\" width=\"\(max(2, x(c) - x(o)))\" height=\"\(rowH - 8)\" fill=\"\(lightBlue)\"><title>\(esc(w.kind.rawValue)) \(esc(short(o))) – \(esc(short(c)))</title></rect>"
            if let sc = w.selfCheckAt {
                let cx = x(sc), cy = y + rowH / 2
                s += "<path class=\"selfcheck\" d=\"M\(cx) \(cy - 6) L\(cx + 6) \(cy) L\(cx) \(cy + 6) L\(cx - 6) \(cy) Z\" fill=\"\(blue)\"><title>自我檢核 self-check \(esc(short(sc)))</title></path>"
            } else {
                s += "<text x=\"\(x(c) + 4)\" y=\"\(y + 15)\" class=\"num bad\">無自我檢核 no self-check</text>"
            }
            if let r = w.reopenedAfter {
                s += "<line x1=\"\(x(r))\" y1=\"\(y + 1)\" x2=\"\(x(r))\" y2=\"\(y + rowH - 1)\" stroke=\"\(red)\" stroke-width=\"3\"><title>原截止 published deadline \(esc(short(r)))</title></line>"
            }
        }
        s += "</svg>"
        return s
    }

    /// The page. `schoolName` and `asOf` label the header; `generatedAt` is printed as given.
    public static func render(_ r: ComplianceReport, schoolName: String, asOfSeq: UInt64, generatedAt: Timestamp) -> String {
        let y = r.year
        var h = """
        <!DOCTYPE html>
        <html lang="zh-Hant">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(esc(schoolName)) \(y) 學年度學習歷程檔案作業成效報告 Compliance report</title>
        <style>
        body { font-family: "Noto Sans CJK TC", "Noto Sans TC", "PingFang TC", "Microsoft JhengHei", sans-serif; margin: 2em auto; max-width: 60em; color: #212121; line-height: 1.45; padding: 0 1em; }
        h1 { font-size: 1.5em; margin-bottom: .2em; } h2 { font-size: 1.15em; border-bottom: 2px solid #1565c0; padding-bottom: .15em; margin-top: 1.6em; }
        .meta { color: #555; margin-top: 0; }
        .cards { display: flex; flex-wrap: wrap; gap: .6em; margin: 1em 0; }
        .card { border: 1px solid #ccc; border-radius: 6px; padding: .5em .8em; min-width: 9em; }
        .card b { display: block; font-size: 1.4em; }
        .card.good { border-left: 6px solid \(green); } .card.badc { border-left: 6px solid \(red); }
        table { border-collapse: collapse; margin: .5em 0; font-size: .92em; }
        th, td { border: 1px solid #ccc; padding: .2em .5em; text-align: left; vertical-align: top; }
        th { background: #eef3fb; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
        .ok { color: \(green); font-weight: bold; } .bad { color: \(red); font-weight: bold; }
        svg.chart { display: block; max-width: 100%; height: auto; margin: .4em 0; }
        svg .lbl { font-size: 12px; fill: #212121; } svg .num { font-size: 11px; fill: #424242; } svg .num.bad { fill: \(red); }
        svg .threshold { stroke: \(red); stroke-width: 1.5; stroke-dasharray: 4 3; } svg .grid { stroke: #e0e0e0; }
        .legend span { margin-right: 1em; white-space: nowrap; } .legend i { display: inline-block; width: .9em; height: .9em; margin-right: .3em; vertical-align: -1px; }
        ul.findings li { margin: .2em 0; }
        @media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } svg.chart, table { break-inside: avoid; } * { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
        </style>
        </head>
        <body>
        <h1>\(esc(schoolName))<br>\(y) 學年度 學生學習歷程檔案 作業成效報告<br><small>Learning-portfolio compliance report, academic year \(y)</small></h1>
        <p class="meta">截至 As of seq \(asOfSeq), \(esc(short(r.now))) · 產生 Generated \(esc(short(generatedAt))) · 依據補充規定第二、三、四、六、七、十、十一點 (rules 2, 3, 4, 6, 7, 10, 11)</p>

        """

        // Summary cards.
        let filled = r.workingGroup.filled
        let meetingsOK = y.terms.allSatisfy { !(r.meetings[$0] ?? []).isEmpty }
        let trainingsOK = r.findings(.trainings).isEmpty
        let windowsOK = r.findings(.windows).isEmpty
        let late = r.certification.reduce(0) { $0 + $1.late }, missing = r.certification.reduce(0) { $0 + $1.missing }
        let subsOK = r.findings(.submissions).isEmpty && r.findings(.receipts).isEmpty
        func card(_ title: String, _ value: String, _ good: Bool) -> String {
            "<div class=\"card \(good ? "good" : "badc")\">\(esc(title))<b>\(esc(value))</b>\(ok(good))</div>"
        }
        h += "<div class=\"cards\" id=\"summary\">"
        h += card("工作小組席次 Seats", "\(filled)/\(ComplianceReport.WorkingGroupCheck.seats)", r.findings(.workingGroup).isEmpty)
        h += card("每學期會議 Meetings", y.terms.map { "\(r.meetings[$0]?.count ?? 0)" }.joined(separator: " + "), meetingsOK)
        h += card("研習 Trainings", TrainingKind.allCases.map { "\(r.trainings[$0]?.count ?? 0)" }.joined(separator: "/"), trainingsOK)
        h += card("作業期程 Windows", "\(r.windows.filter(\.published).count)/\(r.windows.count)", windowsOK)
        h += card("逾期/未完成認證 Late/missing", "\(late)/\(missing)", late == 0 && missing == 0)
        h += card("提交與收訖 Submissions", "\(r.submissions.reduce(0) { $0 + $1.confirmed.count })/\(r.submissions.reduce(0) { $0 + $1.batches.count })", subsOK)
        h += card("待改善 Findings", "\(r.findings.count)", r.findings.isEmpty)
        h += "</div>\n"

        // Findings first, one line per section: what the working group has to act on. The full
        // list is at the end of the page.
        h += "<h2 id=\"findings\">待改善事項 Findings (\(r.findings.count))</h2>\n"
        if r.findings.isEmpty {
            h += "<p class=\"ok\">全部符合 Every requirement is met.</p>\n"
        } else {
            h += "<ul class=\"findings\">"
            for section in ComplianceReport.Finding.Section.allCases {
                let fs = r.findings(section)
                guard !fs.isEmpty else { continue }
                let label = "<b>\(esc(sectionLabels[section] ?? section.rawValue))</b>"
                if fs.count <= 3 {
                    for f in fs { h += "<li>\(label): \(esc(f.message))</li>" }
                } else {
                    let subjects = fs.prefix(8).map { esc($0.subject) }.joined(separator: ", ") + (fs.count > 8 ? ", …" : "")
                    h += "<li>\(label): \(fs.count) findings — \(subjects) (<a href=\"#all-findings\">全部 all</a>)</li>"
                }
            }
            h += "</ul>\n"
        }

        // Working group and meetings (rules 2, 3).
        h += "<h2 id=\"working-group\">工作小組與會議 Working group and meetings (rules 2, 3)</h2>\n"
        h += barChart([BarRow(label: "席次 Seats filled", segments: [(filled, filled >= ComplianceReport.WorkingGroupCheck.seats ? green : orange, "filled")])],
                      id: "chart-seats", caption: "工作小組席次 working-group seats filled", threshold: ComplianceReport.WorkingGroupCheck.seats)
        h += barChart(y.terms.map { t in
            let n = r.meetings[t]?.count ?? 0
            return BarRow(label: "\(t) 會議 meetings", segments: [(n, n >= 1 ? green : red, "meetings")])
        }, id: "chart-meetings", caption: "每學期工作小組會議 meetings per semester", threshold: 1)
        h += "<table><tr><th>學期 Term</th><th>會議日期 Meeting dates</th></tr>"
        for t in y.terms { h += "<tr><td>\(t)</td><td>\((r.meetings[t] ?? []).map { esc($0.description) }.joined(separator: ", "))</td></tr>" }
        h += "</table>\n"
        if !r.workingGroup.members.isEmpty {
            h += "<details><summary>成員 Members (\(r.workingGroup.members.count))</summary><table><tr><th>職稱 Position</th><th>姓名 Name</th><th>帳號 Account</th></tr>"
            for m in r.workingGroup.members { h += "<tr><td>\(esc(m.position))</td><td>\(esc(m.name))</td><td>\(esc(m.staffId ?? ""))</td></tr>" }
            h += "</table></details>\n"
        }

        // Trainings (rule 10).
        h += "<h2 id=\"trainings\">研習與說明 Trainings (rule 10)</h2>\n"
        h += barChart(TrainingKind.allCases.map { k in
            let sessions = r.trainings[k] ?? []
            let good = sessions.filter(\.requiredHosts).count
            return BarRow(label: kindLabels[k] ?? k.rawValue, segments: [(good, green, "hosted by the named units"), (sessions.count - good, orange, "other hosts")])
        }, id: "chart-trainings", caption: "每學年研習場次 trainings per kind", threshold: 1)
        h += legend([("主辦單位符合 hosted by the units the rules name", green), ("主辦單位不符 other hosts", orange)])
        h += "<table><tr><th>類別 Kind</th><th>日期 Date</th><th>名稱 Title</th><th>主辦 Hosts</th><th>符合 OK</th></tr>"
        for k in TrainingKind.allCases {
            for s in r.trainings[k] ?? [] {
                h += "<tr><td>\(esc(kindLabels[k] ?? k.rawValue))</td><td>\(esc(s.date.description))</td><td>\(esc(s.title ?? ""))</td><td>\(esc(s.hosts.joined(separator: ", ")))</td><td>\(ok(s.requiredHosts))</td></tr>"
            }
        }
        h += "</table>\n"

        // Windows (rule 4).
        h += "<h2 id=\"windows\">作業期程與自我檢核 Windows and self-check times (rule 4)</h2>\n"
        for t in y.terms { h += timeline(r.windows.filter { $0.term == t }, term: t) }
        h += legend([("作業期間 open", lightBlue), ("自我檢核 self-check", blue), ("重新開放前的原截止 deadline before re-opening", red)])
        h += "<table><tr><th>學期 Term</th><th>作業 Kind</th><th>開始 Opens</th><th>截止 Closes</th><th>自我檢核 Self-check</th><th>原截止 Re-opened after</th></tr>"
        for w in r.windows {
            h += "<tr><td>\(w.term)</td><td>\(esc(windowLabels[w.kind] ?? w.kind.rawValue))</td>"
            if w.published {
                h += "<td>\(w.opensAt.map { esc(short($0)) } ?? "")</td><td>\(w.closesAt.map { esc(short($0)) } ?? "")</td>"
                h += "<td>\(w.selfCheckAt.map { esc(short($0)) } ?? "<span class=\"bad\">✘ 無 none</span>")</td><td>\(w.reopenedAfter.map { "<span class=\"bad\">\(esc(short($0)))</span>" } ?? "")</td></tr>"
            } else {
                h += "<td colspan=\"4\" class=\"bad\">✘ 未公告 not published</td></tr>"
            }
        }
        h += "</table>\n"

        // Certification (rules 5(3)2, 11).
        h += "<h2 id=\"certification\">任課教師認證 Certification per teacher (rules 5(3), 11)</h2>\n"
        var perTeacher: [String: (name: String, onTime: Int, late: Int, missing: Int, pending: Int, proxy: Int)] = [:]
        for c in r.certification {
            var x = perTeacher[c.teacher] ?? (c.name, 0, 0, 0, 0, 0)
            x.onTime += c.onTime; x.late += c.late; x.missing += c.missing; x.pending += c.pending; x.proxy += c.byProxy
            perTeacher[c.teacher] = x
        }
        // Teachers with late or missing work first, then by ID.
        let order = perTeacher.keys.sorted { a, b in
            let pa = perTeacher[a]!, pb = perTeacher[b]!
            let ka = pa.late + pa.missing, kb = pb.late + pb.missing
            return ka != kb ? ka > kb : a < b
        }
        if order.isEmpty {
            h += "<p>本學年無課程學習成果 No course outcomes this year.</p>\n"
        } else {
            h += legend([("期限內 on time", green), ("逾期 late", orange), ("未完成 missing", red), ("尚在期限內 pending", grey)])
            // A large school has hundreds of teachers: the chart shows the first `chartRows` (late and
            // missing first); the table below lists everyone.
            let chartRows = 40
            if order.count > chartRows {
                h += "<p class=\"meta\">圖表列出 \(chartRows) / \(order.count) 位教師（逾期、未完成者優先），下表列出全部。The chart shows \(chartRows) of \(order.count) teachers, late and missing first; the table lists all.</p>"
            }
            h += barChart(order.prefix(chartRows).map { t in
                let x = perTeacher[t]!
                return BarRow(label: x.name.isEmpty ? t : "\(t) \(x.name)", segments: [(x.onTime, green, "on time"), (x.late, orange, "late"), (x.missing, red, "missing"), (x.pending, grey, "pending")])
            }, id: "chart-certification", caption: "每位教師認證件數 certification per teacher (on time / late / missing / pending)")
            h += "<table><tr><th>教師 Teacher</th><th>學期 Term</th><th>認證 Decisions</th><th>期限內 On time</th><th>逾期 Late</th><th>未完成 Missing</th><th>尚在期限內 Pending</th><th>代理 By proxy</th></tr>"
            for c in r.certification.sorted(by: { ($0.late + $0.missing, $1.teacher, $1.term.description) > ($1.late + $1.missing, $0.teacher, $0.term.description) }) {
                h += "<tr><td>\(esc(c.teacher)) \(esc(c.name))</td><td>\(c.term)</td><td class=\"n\">\(c.decisions)</td><td class=\"n\">\(c.onTime)</td>"
                h += "<td class=\"n\(c.late > 0 ? " bad" : "")\">\(c.late)</td><td class=\"n\(c.missing > 0 ? " bad" : "")\">\(c.missing)</td><td class=\"n\">\(c.pending)</td><td class=\"n\">\(c.byProxy)</td></tr>"
            }
            h += "</table>\n"
        }

        // Submissions and receipts (rules 6, 7(3)3).
        h += "<h2 id=\"submissions\">資料提交與收訖確認 Submissions and receipts (rules 6, 7(3)3)</h2>\n"
        h += legend([("已確認收訖 receipt confirmed", green), ("未確認 not confirmed", red)])
        h += barChart(r.submissions.map { s in
            BarRow(label: submissionLabels[s.kind] ?? s.kind.rawValue, segments: [(s.confirmed.count, green, "confirmed"), (s.batches.count - s.confirmed.count, red, "not confirmed")])
        }, id: "chart-submissions", caption: "各單位提交批次與收訖 batches per unit", threshold: 1)
        h += "<table><tr><th>提交 Kind</th><th>單位 Unit</th><th>批次 Batch</th><th>時間 At</th><th>學生 Students</th><th>項目 Items</th><th>學校收訖 School receipt</th><th>學生確認 Students confirmed</th><th>郵寄 By mail</th><th>申訴中 Disputes</th></tr>"
        for s in r.submissions {
            if s.batches.isEmpty {
                h += "<tr><td>\(esc(submissionLabels[s.kind] ?? s.kind.rawValue))</td><td>\(esc(s.unit.rawValue))</td><td colspan=\"8\" class=\"bad\">未提交 not submitted</td></tr>"
            }
            for b in s.batches {
                h += "<tr><td>\(esc(submissionLabels[s.kind] ?? s.kind.rawValue))</td><td>\(esc(s.unit.rawValue))</td><td>\(esc(b.batchId))</td><td>\(esc(short(b.at)))</td>"
                h += "<td class=\"n\">\(b.students)</td><td class=\"n\">\(b.items)</td><td>\(ok(b.schoolConfirmed))</td><td class=\"n\">\(b.studentsConfirmed)</td><td class=\"n\">\(b.confirmedByMail)</td><td class=\"n\">\(b.openDisputes)</td></tr>"
            }
        }
        h += "</table>\n"
        if !r.findings.isEmpty {
            h += "<h2 id=\"all-findings\">全部待改善事項 All findings</h2>\n<table><tr><th>類別 Section</th><th>對象 Subject</th><th>說明 Finding</th></tr>"
            for f in r.findings {
                h += "<tr><td>\(esc(sectionLabels[f.section] ?? f.section.rawValue))</td><td>\(esc(f.subject))</td><td>\(esc(f.message))</td></tr>"
            }
            h += "</table>\n"
        }
        h += "<p class=\"meta\">Licheng 歷程 · 本頁不需網路 This page is self-contained: no scripts, no network.</p>\n</body>\n</html>\n"
        return h
    }
}
