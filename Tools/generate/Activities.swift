import Foundation
import Licheng
import LichengDomain

let cadreTitles = ["班長", "副班長", "學藝股長", "風紀股長", "衛生股長", "總務股長", "康樂股長", "輔導股長"]
let schoolCadres = ["班聯會會長", "班聯會副會長", "班聯會秘書", "糾察隊隊長", "儀隊隊長", "畢聯會主席"]
let clubNames = ["熱音社", "吉他社", "熱舞社", "桌遊社", "天文社", "程式設計社", "攝影社", "童軍社", "籃球社", "羽球社"]
let topics = ["期末專題報告", "實驗報告", "小組簡報", "閱讀心得", "學習單", "作品集", "田野調查", "口頭報告", "程式作品", "創作"]
let perfTitles: [PerformanceCategory: [String]] = [
    .cadre: ["擔任社團幹部"], .competition: ["校內科展", "英文演講比賽", "全國學生美術比賽", "數學競試"],
    .certificate: ["全民英檢中級", "TOEIC 證書", "電腦軟體應用丙級"], .serviceLearning: ["淨灘志工", "圖書館志工", "社區關懷服務"],
    .flexibleLearning: ["自主學習計畫"], .groupActivity: ["社團成果發表"], .workplaceLearning: ["職場參訪"],
    .work: ["個人攝影作品"], .advancedPlacement: ["大學先修微積分"], .other: ["校外營隊"],
]

extension Generator {
    func offerCourses(_ term: Term) {
        for slot in slots.indices {
            var exam: [Event] = [], res: [Event] = []
            for s in subjects.indices {
                let e = ev(electiveSubjects.contains(s) ? research : admin, .courseOffered(CourseOffered(
                    courseId: courseId(term, slot, s), term: term, name: subjects[s].name, teachers: [teacher(slot: slot, subject: s)], class: slots[slot].id)))
                if electiveSubjects.contains(s) { res.append(e) } else { exam.append(e) }
            }
            add(exam); add(res)
        }
    }

    func registerElectives(_ term: Term) {
        for slot in slots.indices {
            let ids = electiveSubjects.map { courseId(term, slot, $0) }
            add(slots[slot].students.filter(active).map { s in
                ev(research, .electiveRegistered(ElectiveRegistered(term: term, courseIds: ids)), student: students[s].id)
            })
        }
    }

    func recordCadres(_ term: Term, _ budget: inout [String: Int]) {
        for slot in slots.indices {
            var members = slots[slot].students.filter(active)
            rng.shuffle(&members)
            add(zip(cadreTitles, members).map { (title, s) in
                ev(slots[slot].homeroom, .cadreRecorded(CadreRecorded(level: .class, title: title, term: term, unit: slots[slot].id)), student: students[s].id)
            })
        }
        if budget["wrongHomeroom"]! > 0, slots.count > 1, let s = slots[1].students.first(where: active) {
            attempt(ev(slots[0].homeroom, .cadreRecorded(CadreRecorded(level: .class, title: "班長", term: term)), student: students[s].id),
                    "class cadre recorded by another class's homeroom teacher")
            budget["wrongHomeroom"] = 0
        }
        let all = students.indices.filter(active)
        guard !all.isEmpty else { return }
        add((0..<min(all.count, max(6, all.count / 75))).map { i in
            ev(activities, .cadreRecorded(CadreRecorded(level: .school, title: schoolCadres[i % schoolCadres.count], term: term, unit: "學生會")), student: students[rng.pick(all)].id)
        })
        add((0..<min(all.count, max(10, all.count / 40))).map { i in
            ev(clubs, .cadreRecorded(CadreRecorded(level: .club, title: i % 2 == 0 ? "社長" : "副社長", term: term, unit: clubNames[i / 2 % clubNames.count])), student: students[rng.pick(all)].id)
        })
    }

    func recordFor(_ s: Int, _ kind: Int, _ term: Term, _ today: LocalDate) {
        let id = students[s].id
        switch kind {
        case 0:
            add(ev(rng.pick(courseCounselors), .counselingRecorded(CounselingRecorded(
                heldAt: Instant(Cal.at(today.adding(days: -1), 12, 10)), place: "課程諮詢室",
                content: "討論選修課程與\(rng.pick(["自然組", "社會組", "資訊學群", "醫藥衛生學群", "管理學群"]))方向", opinion: "建議先修習相關加深加廣選修")), student: id))
        case 1:
            add(ev(activities, .serviceRecorded(ServiceRecorded(date: today.adding(days: -rng.int(3...20)), organization: rng.pick(["基隆市立圖書館", "基隆長庚醫院", "和平島淨灘隊", "社區關懷據點"]),
                                                               hours: Double(rng.int(2...8)), description: "志工服務")), student: id))
        case 2:
            add(ev(counselingOffice, .coursePlanRecorded(CoursePlanRecorded(term: term, groupExploration: rng.pick(["資訊學群", "工程學群", "醫藥衛生學群", "文史哲學群", "財經學群"]),
                                                                         careerPlan: "升學後依興趣探索相關職涯")), student: id))
        default:
            add(ev(id, .autobiographyRecorded(AutobiographyRecorded(sections: [
                AutobiographySection(heading: "自傳", text: "我是\(students[s].name)，來自基隆。"),
                AutobiographySection(heading: "讀書計畫", text: "高中階段培養基礎能力，大學專注本科學習。"),
            ])), student: id))
        }
    }

    func counted(_ s: Int, _ semester: Int8) -> Int {
        students[s].items.reduce(0) { $0 + ($1.subject >= 0 && $1.semester == semester && $1.status != .withdrawn ? 1 : 0) }
    }

    func uploadCourseOutcomes(_ s: Int, _ n: Int, _ term: Term, final: Bool, _ budget: inout [String: Int]) {
        let sem = Int8(term.semester)
        let id = students[s].id
        var events: [Event] = []
        let room = 15 - counted(s, sem)
        for _ in 0..<min(n, room) {
            let subject = rng.int(subjects.count)
            let itemId = "\(id)-C\(students[s].nextC)"
            students[s].nextC += 1
            students[s].items.append(Item(id: itemId, subject: Int8(subject), semester: sem, status: .uploaded))
            events.append(ev(id, .courseOutcomeUploaded(CourseOutcomeUploaded(
                itemId: itemId, term: term, courseId: courseId(term, students[s].slot, subject),
                title: "\(subjects[subject].name)\(rng.pick(topics))", description: "\(term)學期\(subjects[subject].name)課程之\(rng.pick(topics))",
                files: rng.chance(0.2) ? [file("成果"), file("附件")] : [file("成果")])), student: id))
        }
        if rng.chance(0.05), let i = students[s].items.lastIndex(where: { $0.subject >= 0 && $0.semester == sem && $0.status == .uploaded }) {
            students[s].items[i].status = .withdrawn
            events.append(ev(id, .courseOutcomeWithdrawn(ItemWithdrawn(itemId: students[s].items[i].id, reason: "上傳錯誤檔案")), student: id))
        }
        add(events)
        if final, counted(s, sem) == 15, budget["quota16"]! > 0 {
            budget["quota16"] = 0
            attempt(ev(id, .courseOutcomeUploaded(CourseOutcomeUploaded(itemId: "\(id)-C\(students[s].nextC)", term: term,
                courseId: courseId(term, students[s].slot, 0), title: "第16件成果", description: "超過上限", files: [file("成果")])), student: id),
                    "16th course-outcome upload in a semester")
        }
    }

    func uploadPerformances(_ s: Int, _ n: Int, _ term: Term, _ today: LocalDate) {
        let id = students[s].id
        var events: [Event] = []
        for _ in 0..<min(n, 30 - students[s].perfThisYear) {
            let cat = rng.pick(PerformanceCategory.allCases)
            let itemId = "\(id)-P\(students[s].nextP)"
            students[s].nextP += 1
            students[s].perfThisYear += 1
            students[s].items.append(Item(id: itemId, subject: -1, semester: Int8(term.semester), status: .uploaded))
            let started = today.adding(days: -rng.int(10...40))
            events.append(ev(id, .performanceUploaded(PerformanceUploaded(
                itemId: itemId, year: term.year, category: cat, title: rng.pick(perfTitles[cat] ?? ["其他表現"]),
                description: "參與活動之紀錄與心得", startedOn: started, endedOn: started.adding(days: rng.int(0...7)), files: [file("證明")])), student: id))
        }
        if rng.chance(0.02), let i = students[s].items.lastIndex(where: { $0.subject < 0 && $0.status == .uploaded && !$0.selected }) {
            students[s].items[i].status = .withdrawn
            students[s].perfThisYear -= 1
            events.append(ev(id, .performanceWithdrawn(ItemWithdrawn(itemId: students[s].items[i].id)), student: id))
        }
        add(events)
    }

    /// The teacher who acts for a course: the teacher, or their proxy while they are unavailable.
    func certifier(_ slot: Int, _ subject: Int) -> (String, String?) {
        let t = teacher(slot: slot, subject: subject)
        if unavailable.contains(t), let p = proxyOf[t] { return (p, t) }
        return (t, nil)
    }

    func certify(_ term: Term, day: Int32, courseDay: [Int: Int32], second: Bool) {
        let sem = Int8(term.semester)
        var byCourse: [Int: [(Int, Int)]] = [:]
        for s in students.indices {
            for (i, it) in students[s].items.enumerated() where it.subject >= 0 && it.semester == sem && it.status == .uploaded {
                let c = students[s].slot * subjects.count + Int(it.subject)
                if courseDay[c] == day { byCourse[c, default: []].append((s, i)) }
            }
        }
        for c in byCourse.keys.sorted() {
            if isLate(term), teacher(slot: c / subjects.count, subject: c % subjects.count) == lateTeacher { continue }
            let (actor, behalf) = certifier(c / subjects.count, c % subjects.count)
            var events: [Event] = []
            for (s, i) in byCourse[c]! {
                let it = students[s].items[i]
                let r = rng.double()
                let decision: CertificationDecision?
                if second { decision = it.reuploaded ? (r < 0.95 ? .certified : nil) : (r < 0.6 ? .certified : nil) }
                else { decision = r < 0.88 ? .certified : r < 0.93 ? .returned : nil }
                guard let decision else { continue }
                students[s].items[i].status = decision == .certified ? .certified : .returned
                events.append(ev(actor, .courseOutcomeCertified(CourseOutcomeCertified(
                    itemId: it.id, decision: decision, reason: decision == .returned ? rng.pick([.wrongCourse, .notOwnWork]) : nil,
                    comment: decision == .returned ? "請確認檔案與課程是否相符後重新上傳" : nil)), student: students[s].id, onBehalfOf: behalf))
            }
            add(events)
        }
    }

    func wrongTeacherAttempt(_ term: Term, _ budget: inout [String: Int]) {
        guard budget["wrongTeacher"]! > 0 else { return }
        let sem = Int8(term.semester)
        for s in students.indices {
            if let it = students[s].items.first(where: { $0.subject >= 0 && $0.semester == sem && $0.status == .uploaded }) {
                let wrong = teacher(slot: students[s].slot, subject: (Int(it.subject) + 1) % subjects.count)
                attempt(ev(wrong, .courseOutcomeCertified(CourseOutcomeCertified(itemId: it.id)), student: students[s].id),
                        "certification by a teacher who does not teach the course")
                budget["wrongTeacher"] = 0
                return
            }
        }
    }

    func outsideWindowAttempt(_ term: Term) {
        guard let s = students.indices.first(where: active) else { return }
        let id = students[s].id
        attempt(ev(id, .courseOutcomeUploaded(CourseOutcomeUploaded(itemId: "\(id)-C\(students[s].nextC)", term: term,
            courseId: courseId(term, students[s].slot, 1), title: "逾期上傳", description: "上傳期限後補傳", files: [file("成果")])), student: id),
                "course-outcome upload after the window closed")
    }

    /// The teacher who certifies late in the `late-teacher` gap (not the one who falls ill).
    var lateTeacher: String { teachersBySubject[0][0] }

    func isLate(_ term: Term) -> Bool { cfg.gaps.contains("late-teacher") && term == Term(cfg.firstYear, 1) }

    /// The `late-teacher` gap: the academic director re-opens the certification window after its
    /// deadline, and the late teacher certifies everything still waiting in their courses.
    func lateCertification(_ term: Term) {
        add(ev(academic, .scheduleWindowSet(ScheduleWindowSet(
            term: term, kind: .certification, opensAt: Instant(date(term, 10, 1).start),
            closesAt: Instant(Cal.at(date(term, 1, 31), 23, 59, 59)), selfCheckAt: Instant(Cal.at(date(term, 1, 10), 12))))))
        let sem = Int8(term.semester)
        var events: [Event] = []
        for s in students.indices {
            for i in students[s].items.indices {
                let it = students[s].items[i]
                guard it.subject >= 0, it.semester == sem, it.status == .uploaded,
                      teacher(slot: students[s].slot, subject: Int(it.subject)) == lateTeacher else { continue }
                students[s].items[i].status = .certified
                events.append(ev(lateTeacher, .courseOutcomeCertified(CourseOutcomeCertified(itemId: it.id, decision: .certified)), student: students[s].id))
            }
        }
        add(events)
    }

    func reupload(_ term: Term) {
        let sem = Int8(term.semester)
        for s in students.indices where active(s) {
            var events: [Event] = []
            for i in students[s].items.indices where students[s].items[i].semester == sem && students[s].items[i].status == .returned {
                let it = students[s].items[i]
                students[s].items[i].status = .uploaded
                students[s].items[i].reuploaded = true
                events.append(ev(students[s].id, .courseOutcomeUploaded(CourseOutcomeUploaded(
                    itemId: it.id, term: term, courseId: courseId(term, students[s].slot, Int(it.subject)),
                    title: "\(subjects[Int(it.subject)].name)\(rng.pick(topics))（修正版）", description: "依任課教師意見修正後重新上傳", files: [file("成果修正")])), student: students[s].id))
            }
            add(events)
        }
    }

    func select(_ s: Int, _ term: Term, final: Bool, _ budget: inout [String: Int]) {
        let id = students[s].id
        var events: [Event] = []
        if budget["uncertified"]! > 0, let it = students[s].items.first(where: { $0.subject >= 0 && $0.status == .uploaded }) {
            budget["uncertified"] = 0
            attempt(ev(id, .itemSelected(ItemRef(itemId: it.id)), student: id), "selection of an uncertified course outcome")
        }
        let coTarget = final ? rng.int(3...6) : rng.int(1...2)
        var certified = students[s].items.indices.filter { students[s].items[$0].subject >= 0 && students[s].items[$0].status == .certified && !students[s].items[$0].selected }
        rng.shuffle(&certified)
        for i in certified where students[s].coSelected < min(6, coTarget) {
            students[s].items[i].selected = true
            students[s].coSelected += 1
            events.append(ev(id, .itemSelected(ItemRef(itemId: students[s].items[i].id)), student: id))
        }
        if rng.chance(0.05), let i = students[s].items.lastIndex(where: { $0.selected && $0.subject >= 0 }) {
            students[s].items[i].selected = false
            students[s].coSelected -= 1
            events.append(ev(id, .itemDeselected(ItemRef(itemId: students[s].items[i].id)), student: id))
        }
        if final {
            let pfTarget = rng.int(2...10)
            for i in students[s].items.indices where students[s].items[i].subject < 0 && students[s].items[i].status == .uploaded
                && !students[s].items[i].selected && students[s].pfSelected < pfTarget {
                students[s].items[i].selected = true
                students[s].pfSelected += 1
                events.append(ev(id, .itemSelected(ItemRef(itemId: students[s].items[i].id)), student: id))
            }
        }
        add(events)
        if students[s].coSelected == 6, budget["seventh"]! > 0,
           let it = students[s].items.first(where: { $0.subject >= 0 && $0.status == .certified && !$0.selected }) {
            budget["seventh"] = 0
            attempt(ev(id, .itemSelected(ItemRef(itemId: it.id)), student: id), "7th course-outcome selection in a year")
        }
        if budget["withdrawCertified"]! > 0, let it = students[s].items.first(where: { $0.status == .certified && !$0.selected }) {
            budget["withdrawCertified"] = 0
            attempt(ev(id, .courseOutcomeWithdrawn(ItemWithdrawn(itemId: it.id)), student: id), "withdrawal of a certified course outcome")
        }
    }

    func recordGrades(_ slot: Int, _ term: Term) {
        var events: [Event] = []
        var attendance: [Event] = []
        for s in slots[slot].students where active(s) {
            let base = rng.int(55...90)
            for subj in subjects.indices {
                let score = Double(min(100, max(20, base + rng.int(-15...12))))
                events.append(ev(admin, .gradeRecorded(GradeRecorded(courseId: courseId(term, slot, subj), term: term, score: score, credits: subjects[subj].credits)), student: students[s].id))
            }
            attendance.append(ev(discipline, .attendanceRecorded(AttendanceRecorded(term: term, excusedPeriods: Int64(rng.int(0...20)), unexcusedPeriods: Int64(rng.int(0...3)))), student: students[s].id))
        }
        add(events); add(attendance)
    }

    func confirmReceipts(_ plan: [Int], _ term: Term, _ today: LocalDate) {
        let y = term.year.value
        for s in plan {
            let id = students[s].id
            var events: [Event] = []
            for b in ["\(y)-course-outcomes", "\(y)-performances"] {
                guard let carried = batchStudents[b], carried.contains(id) else { continue }
                if rng.chance(0.08) { continue }  // never confirms
                if rng.chance(0.004) {
                    add(ev(id, .receiptDisputed(ReceiptDisputed(batchId: b, reason: "收訖明細缺少一件已勾選的成果")), student: id))
                    add(ev(b.hasSuffix("performances") ? clubs : admin, .receiptDisputeResolved(ReceiptDisputeResolved(batchId: b, resolution: "經查明細正確，已向學生說明")), student: id))
                }
                events.append(ev(id, .receiptConfirmed(ReceiptConfirmed(batchId: b, method: .platform)), student: id))
                students[s].confirmed.insert(b)
            }
            add(events)
        }
    }

    /// 7(3)3: graduates who did not confirm on the platform are asked by mail; the exam section records it.
    func mailReceipts(_ term: Term) {
        let b = "\(term.year.value)-course-outcomes"
        guard let carried = batchStudents[b] else { return }
        let set = Set(carried)
        var events: [Event] = []
        for s in students.indices where students[s].departed && set.contains(students[s].id) && !students[s].confirmed.contains(b) {
            students[s].confirmed.insert(b)
            events.append(ev(admin, .receiptConfirmed(ReceiptConfirmed(batchId: b, method: .mail, note: "紙本郵寄確認")), student: students[s].id))
        }
        add(events)
    }

    func collectFacts() {
        let lastYear = cfg.firstYear + cfg.years - 1
        let term = Term(lastYear, 2)
        facts.append(("store", cfg.store))
        facts.append(("schoolCode", "170301"))
        facts.append(("year", "\(lastYear)"))
        facts.append(("term", "\(term)"))
        facts.append(("admin", admin))
        facts.append(("academicDirector", academic))
        facts.append(("auditor", auditor))
        facts.append(("backupAdmin", backupAdmin))
        if let s = students.indices.first(where: { i in students[i].items.filter { $0.status == .certified }.count >= 2 && active(i) }) {
            facts.append(("studentWithCertified", students[s].id))
            facts.append(("studentWithCertifiedClass", slots[students[s].slot].id))
            if let it = students[s].items.first(where: { $0.status == .certified }) { facts.append(("certifiedItem", it.id)) }
        }
        for sem in [Int8(1), Int8(2)] {
            let n = students.reduce(0) { $0 + $1.items.filter { $0.subject >= 0 && $0.semester == sem && $0.status == .uploaded }.count }
            facts.append(("awaitingCertification\(lastYear)-\(sem)", "\(n)"))
        }
        // Prefer an item of the latest semester and of a student still at school.
        outer: for (sem, onlyActive) in [(Int8(2), true), (Int8(1), true), (Int8(2), false), (Int8(1), false)] { for s in students.indices where active(s) || !onlyActive {
            for it in students[s].items where it.subject >= 0 && it.status == .uploaded && it.semester == sem {
                let t = Term(lastYear, Int(it.semester))
                facts.append(("itemAwaitingCertification", it.id))
                facts.append(("itemAwaitingCertificationStudent", students[s].id))
                facts.append(("itemAwaitingCertificationCourse", courseId(t, students[s].slot, Int(it.subject))))
                facts.append(("itemAwaitingCertificationTerm", "\(t)"))
                facts.append(("courseTeacher", teacher(slot: students[s].slot, subject: Int(it.subject))))
                break outer
            }
        } }
        if let slot = slots.first { facts.append(("homeroomTeacher", slot.homeroom)); facts.append(("homeroomClass", slot.id)) }
        if let (t, p) = proxyOf.sorted(by: { $0.key < $1.key }).first { facts.append(("teacherWithProxy", t)); facts.append(("proxy", p)) }
        if cfg.gaps.contains("late-teacher") { facts.append(("lateTeacher", lateTeacher)) }
        if cfg.gaps.contains("missing-workshop") { facts.append(("missingTraining", "workshop")) }
        facts.append(("firstYear", "\(cfg.firstYear)"))
        let b = "\(lastYear)-course-outcomes"
        if let carried = batchStudents[b] {
            facts.append(("batchId", b))
            if let s = carried.first { facts.append(("batchStudent", s)) }
        }
        if batchStudents["\(lastYear)-performances"] != nil { facts.append(("performanceBatchId", "\(lastYear)-performances")) }
        facts.append(("lastSeq", "\(engine.log.lastSeq)"))
    }
}
