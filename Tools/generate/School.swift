import Foundation
import Licheng
import LichengDomain

extension Generator {
    // MARK: staff, working group, proxies

    func setupSchool() {
        let perGrade = (cfg.classes + 2) / 3
        for i in 0..<cfg.classes { slots.append(ClassSlot(grade: 1 + i / perGrade, number: i % perGrade + 1, homeroom: "")) }
        var n = 1
        func nextId() -> String { n += 1; let s = String(n); return "T" + String(repeating: "0", count: max(0, 4 - s.count)) + s }
        let admins: [(StaffRole, [StaffRole])] = [
            (.principal, [.principal]), (.academicDirector, [.academicDirector]), (.studentAffairsDirector, [.studentAffairsDirector]),
            (.counselingDirector, [.counselingDirector]), (.libraryDirector, [.libraryDirector]), (.researchSection, [.researchSection]),
            (.activitiesSection, [.activitiesSection]), (.clubsSection, [.clubsSection]), (.disciplineSection, [.disciplineSection]),
            (.dataSection, [.dataSection]), (.counselingOffice, [.counselingOffice]), (.examSection, [.examSection]),
            (.courseCounselor, [.courseCounselor, .subjectTeacher]), (.courseCounselor, [.courseCounselor]),
            (.careerCounselor, [.careerCounselor]), (.auditor, [.auditor]), (.backupAdmin, [.backupAdmin]),
        ]
        for (_, roles) in admins { staff.append(Staff(id: nextId(), name: Names.person(&rng), roles: roles)) }
        let perSubject = max(1, (cfg.classes + 5) / 6)
        teachersBySubject = Array(repeating: [], count: subjects.count)
        for k in 0..<perSubject {
            for s in 0..<subjects.count {
                let id = nextId()
                teachersBySubject[s].append(id)
                staff.append(Staff(id: id, name: Names.person(&rng), roles: [.subjectTeacher]))
                _ = k
            }
        }
        // Homeroom teachers (導師): one per class, interleaved over subjects.
        for i in 0..<cfg.classes {
            let t = teachersBySubject[i % subjects.count][i / subjects.count]
            slots[i].homeroom = t
            let idx = staff.firstIndex { $0.id == t }!
            staff[idx].roles = [.homeroomTeacher, .subjectTeacher]
            staff[idx].homeroomClass = slots[i].id
        }
        add(staff.map { s in ev(admin, .staffRegistered(StaffRegistered(staffId: s.id, name: s.name, roles: s.roles, homeroomClass: s.homeroomClass))) })

        begin(Cal.schoolDay(onOrAfter: day.adding(days: 3)))
        var members: [WorkingGroupMember] = [
            .init(name: name(principal), position: "校長（召集人）", staffId: principal),
            .init(name: name(academic), position: "教務主任（執行秘書）", staffId: academic),
            .init(name: name(studentAffairs), position: "學務主任", staffId: studentAffairs),
            .init(name: name(counselingDir), position: "輔導主任", staffId: counselingDir),
            .init(name: name(libraryDir), position: "圖書館主任", staffId: libraryDir),
            .init(name: name(research), position: "實驗研究組長", staffId: research),
            .init(name: name(admin), position: "試務組長", staffId: admin),
            .init(name: name(clubs), position: "社團活動組長", staffId: clubs),
            .init(name: name(dataSection), position: "資料組長", staffId: dataSection),
            .init(name: name(courseCounselors[0]), position: "課程諮詢教師代表", staffId: courseCounselors[0]),
        ]
        for g in 1...3 {
            // A grade's homeroom teacher represents it; a small school without that grade yet
            // still fills the seat (rules 2: 15 members) with another teacher.
            let rep = slots.first(where: { $0.grade == g })?.homeroom
                ?? teachersBySubject.joined().first { t in !members.contains { $0.staffId == t } && !slots.contains { $0.homeroom == t } }
            if let rep { members.append(.init(name: name(rep), position: "高\(["一", "二", "三"][g - 1])導師代表", staffId: rep)) }
        }
        members.append(.init(name: Names.person(&rng), position: "家長會代表"))
        members.append(.init(name: Names.person(&rng), position: "學生代表"))
        add(ev(principal, .workingGroupMemberSet(WorkingGroupMemberSet(members: members))))
        // 代理人名單及代理順位 (rules 7(1)2, 7(3)).
        add(ev(academic, .proxyAssigned(ProxyAssigned(role: .examSection, proxies: [examDeputy]))))
        add(ev(academic, .proxyAssigned(ProxyAssigned(role: .academicDirector, proxies: [principal]))))
        add(ev(academic, .proxyAssigned(ProxyAssigned(role: .activitiesSection, proxies: [clubs, studentAffairs]))))
        add(ev(academic, .proxyAssigned(ProxyAssigned(role: .clubsSection, proxies: [activities, studentAffairs]))))
        for s in 0..<subjects.count {
            let list = teachersBySubject[s]
            for (i, t) in list.enumerated() {
                let p = list.count > 1 ? list[(i + 1) % list.count] : teachersBySubject[(s + 1) % subjects.count][0]
                let q = courseCounselors[0]
                if i < 2 || rng.chance(0.2) {
                    proxyOf[t] = p
                    add(ev(academic, .proxyAssigned(ProxyAssigned(staffId: t, proxies: [p, q]))))
                }
            }
        }
        add(ev(academic, .policySet(PolicySet(courseOutcomeUploads: 15, performanceUploads: 30, courseOutcomeSelections: 6,
                                              performanceSelections: 10, retentionYears: 3))))
    }

    func name(_ id: String) -> String { staff.first { $0.id == id }?.name ?? id }

    // MARK: a school year

    func date(_ term: Term, _ m: Int, _ d: Int) -> LocalDate {
        Cal.day(term.year.value + 1911 + (m >= 8 ? 0 : 1), m, d)
    }

    func startYear(_ year: Int, first: Bool) {
        let t1 = Term(year, 1)
        if !first {
            // Promotion: classes move up a grade; the graduated classes take the new cohort.
            begin(Cal.schoolDay(onOrAfter: date(t1, 8, 2)))
            for i in slots.indices {
                slots[i].grade = slots[i].grade == 3 ? 1 : slots[i].grade + 1
                add(ev(admin, .staffRolesChanged(StaffRolesChanged(staffId: slots[i].homeroom, roles: [.homeroomTeacher, .subjectTeacher], homeroomClass: slots[i].id))))
                if slots[i].grade == 1 { slots[i].students = []; continue }
                let cls = slots[i].id
                add(slots[i].students.filter { !students[$0].departed }.map { s in
                    ev(admin, .studentRecordUpdated(StudentRecordUpdated(class: cls)), student: students[s].id)
                })
            }
        }
        for i in students.indices {
            students[i].items = []; students[i].perfThisYear = 0; students[i].coSelected = 0; students[i].pfSelected = 0
        }
        // Enrolment (試務組 registers name, national ID and class).
        begin(Cal.schoolDay(onOrAfter: date(t1, 8, 5)))
        let per = cfg.students / cfg.classes, extra = cfg.students % cfg.classes
        var counters: [Int: Int] = [:]
        for i in slots.indices where first || slots[i].grade == 1 {
            let admitted = year - (slots[i].grade - 1)
            var batch: [Event] = []
            for _ in 0..<(per + (i < extra ? 1 : 0)) {
                let k = (counters[admitted] ?? 0) + 1
                counters[admitted] = k
                let id = studentId(admitted: admitted, k)
                let st = Student(id: id, name: Names.person(&rng), slot: i)
                students.append(st)
                slots[i].students.append(students.count - 1)
                batch.append(ev(admin, .studentEnrolled(StudentEnrolled(name: st.name, class: slots[i].id, nationalId: Names.nationalId(&rng),
                                                                        admittedOn: Cal.day(admitted + 1911, 8, 1))), student: id))
            }
            add(batch)
        }
        progress("year \(year) enrolled")
    }

    func setWindows(_ term: Term) {
        let sem1 = term.semester == 1
        func w(_ kind: WindowKind, _ o: (Int, Int), _ c: (Int, Int), _ s: (Int, Int)) -> Event {
            ev(academic, .scheduleWindowSet(ScheduleWindowSet(
                term: term, kind: kind, opensAt: Instant(date(term, o.0, o.1).start),
                closesAt: Instant(Cal.at(date(term, c.0, c.1), 23, 59, 59)), selfCheckAt: Instant(Cal.at(date(term, s.0, s.1), 12)))))
        }
        add(sem1 ? [
            w(.courseOutcomeUpload, (10, 1), (1, 10), (12, 15)), w(.certification, (10, 1), (1, 20), (1, 10)),
            w(.performanceUpload, (9, 1), (1, 20), (12, 31)), w(.selection, (1, 6), (1, 25), (1, 20)),
            w(.submission, (1, 21), (1, 31), (1, 27)), w(.receiptConfirmation, (1, 22), (1, 31), (1, 29)),
        ] : [
            w(.courseOutcomeUpload, (3, 1), (6, 5), (5, 20)), w(.certification, (3, 1), (6, 20), (6, 13)),
            w(.performanceUpload, (2, 15), (6, 30), (6, 1)), w(.selection, (6, 16), (7, 8), (7, 1)),
            w(.submission, (7, 9), (7, 18), (7, 15)), w(.receiptConfirmation, (7, 10), (7, 31), (7, 25)),
        ])
    }

    func active(_ s: Int) -> Bool { !students[s].departed }

    // MARK: a term, day by day

    func runTerm(_ term: Term, lastYear: Bool) {
        let s1 = term.semester == 1
        let d = { (m: Int, dd: Int) in self.date(term, m, dd) }
        let uploadDays = Cal.schoolDays(s1 ? d(10, 15) : d(3, 10), s1 ? d(12, 20) : d(5, 20))
        let certDays1 = Cal.schoolDays(s1 ? d(12, 21) : d(5, 21), s1 ? d(12, 31) : d(5, 30))
        let fixDays = Cal.schoolDays(s1 ? d(1, 2) : d(6, 2), s1 ? d(1, 8) : d(6, 5))
        let certDays2 = Cal.schoolDays(s1 ? d(1, 13) : d(6, 9), s1 ? d(1, 17) : d(6, 13))
        let perfDays = Cal.schoolDays(s1 ? d(9, 15) : d(2, 17), s1 ? d(12, 20) : d(5, 29))
        let recordDays = Cal.schoolDays(s1 ? d(10, 1) : d(3, 2), s1 ? d(12, 20) : d(5, 29))
        let selectDays = Cal.schoolDays(s1 ? d(1, 6) : d(6, 16), s1 ? d(1, 20) : d(7, 8))
        let gradeDays = Cal.schoolDays(s1 ? d(1, 13) : d(6, 23), s1 ? d(1, 17) : d(6, 27))
        let seniorGradeDays = Cal.schoolDays(d(6, 2), d(6, 6))
        let graduation = Cal.schoolDay(onOrAfter: d(6, 10))
        let confirmDays = Cal.schoolDays(d(7, 14), d(7, 25))

        // Plans: which student does what on which day.
        var uploadPlan: [Int32: [(Int, Int)]] = [:]
        var perfPlan: [Int32: [(Int, Int)]] = [:]
        var recordPlan: [Int32: [(Int, Int)]] = [:]   // (student, kind 0 counseling 1 service 2 course plan 3 autobiography)
        var selectPlan: [Int32: [Int]] = [:]
        var confirmPlan: [Int32: [Int]] = [:]
        var planned15: Set<Int> = []
        for s in students.indices where active(s) {
            let r = rng.double()
            let n = r < 0.06 ? 0 : r < 0.09 ? 15 : rng.int(2...9)
            if n == 15 { planned15.insert(s) }
            if n > 0 {
                let k = min(n, rng.int(1...3))
                var left = n
                for j in 0..<k {
                    let c = j == k - 1 ? left : max(1, left / (k - j))
                    left -= c
                    uploadPlan[rng.pick(uploadDays).days, default: []].append((s, c))
                }
            }
            let p = rng.chance(0.2) ? 0 : rng.int(1...5)
            if p > 0 { perfPlan[rng.pick(perfDays).days, default: []].append((s, p)) }
            if rng.chance(0.1) { recordPlan[rng.pick(recordDays).days, default: []].append((s, 0)) }
            if rng.chance(0.2) { recordPlan[rng.pick(recordDays).days, default: []].append((s, 1)) }
            let g = slots[students[s].slot].grade
            if s1 && g == 1 { recordPlan[rng.pick(recordDays).days, default: []].append((s, 2)) }
            if s1 && g == 3 && rng.chance(0.8) { recordPlan[rng.pick(recordDays).days, default: []].append((s, 3)) }
            if !s1 || rng.chance(0.35) { selectPlan[rng.pick(selectDays).days, default: []].append(s) }
            if !s1 { confirmPlan[rng.pick(confirmDays).days, default: []].append(s) }
        }
        var courseDay1: [Int: Int32] = [:], courseDay2: [Int: Int32] = [:]
        for c in 0..<(cfg.classes * subjects.count) {
            // A teacher certifies all their courses on one day of each round.
            let t = (c / subjects.count / 6) * 5 + (c % subjects.count) * 3
            courseDay1[c] = certDays1[t % certDays1.count].days
            courseDay2[c] = certDays2[(t + 1) % certDays2.count].days
        }
        var budget = ["quota16": 1, "wrongTeacher": 1, "outside": 1, "uncertified": 1, "seventh": 1, "withdrawCertified": 1, "wrongHomeroom": 1]
        let proxyScenario = term.semester == 1 && term.year.value == cfg.firstYear
        let absentTeacher = teachersBySubject[2][0]

        var dayIter = term.start == 0 ? LocalDate(days: 0) : LocalDate(containing: term.start)
        let end = LocalDate(containing: term.end - 1)
        if s1 {
            begin(Cal.schoolDay(onOrAfter: d(8, 8)))
            setWindows(term)
        }
        while dayIter <= end {
            let today = dayIter
            dayIter = dayIter.adding(days: 1)
            guard Cal.isSchoolDay(today), today > day || (today == day) else { continue }
            begin(today)
            let key = today.days

            // Schedule, courses, trainings, meetings.
            if !s1 && today == Cal.schoolDay(onOrAfter: d(2, 3)) { setWindows(term) }
            if today == Cal.schoolDay(onOrAfter: s1 ? d(8, 15) : d(2, 5)) { offerCourses(term) }
            if today == Cal.schoolDay(onOrAfter: s1 ? d(9, 2) : d(2, 17)) { registerElectives(term) }
            if s1 && today == Cal.schoolDay(onOrAfter: d(9, 6)) {
                add(ev(dataSection, .trainingHeld(TrainingHeld(kind: .orientation, date: today, audience: [.students, .parents, .teachers, .staff],
                                                              hosts: [dataSection], title: "學習歷程檔案宣導說明會"))))
            }
            if s1 && today == Cal.schoolDay(onOrAfter: d(10, 2)) {
                add(ev(admin, .trainingHeld(TrainingHeld(kind: .systemTraining, date: today, audience: [.students, .teachers],
                                                        hosts: [admin, careerCounselor], title: "學習歷程學校平臺系統操作訓練"))))
            }
            if !s1 && today == Cal.schoolDay(onOrAfter: d(3, 12)) && !(cfg.gaps.contains("missing-workshop") && term.year.value == cfg.firstYear) {
                add(ev(research, .trainingHeld(TrainingHeld(kind: .workshop, date: today, audience: [.students, .teachers],
                                                           hosts: [research, courseCounselors[0]], title: "課程學習成果撰寫增能研習"))))
            }
            if today == Cal.schoolDay(onOrAfter: s1 ? d(9, 10) : d(2, 24)) {
                add(ev(principal, .workingGroupMeetingHeld(WorkingGroupMeetingHeld(date: today, term: term,
                    decisions: "一、通過\(term)學期各項作業期程及自我檢核時間。二、確認分工權責及代理人名單。"))))
            }
            if today == Cal.schoolDay(onOrAfter: s1 ? d(9, 16) : d(3, 2)) { recordCadres(term, &budget) }
            if s1 && today == Cal.schoolDay(onOrAfter: d(11, 15)) {
                for s in students.indices where active(s) && rng.chance(0.002) {
                    students[s].departed = true
                    add(ev(admin, .studentDeparted(StudentDeparted(reason: rng.chance(0.5) ? .withdrawn : .transferredOut, effectiveOn: today)), student: students[s].id))
                }
            }

            // Records by counselors and units.
            for (s, kind) in recordPlan[key] ?? [] where active(s) { recordFor(s, kind, term, today) }

            // Uploads.
            for (s, n) in uploadPlan[key] ?? [] where active(s) { uploadCourseOutcomes(s, n, term, final: planned15.contains(s), &budget) }
            for (s, n) in perfPlan[key] ?? [] where active(s) { uploadPerformances(s, n, term, today) }

            // Certification rounds.
            if let i = certDays1.firstIndex(of: today) {
                if i == 0 {
                    if proxyScenario { add(ev(academic, .staffUnavailable(StaffUnavailable(staffId: absentTeacher, reason: "病假"))));  unavailable.insert(absentTeacher) }
                    wrongTeacherAttempt(term, &budget)
                }
                certify(term, day: key, courseDay: courseDay1, second: false)
            }
            if fixDays.contains(today) && today == fixDays[0] { reupload(term) }
            if let i = certDays2.firstIndex(of: today) {
                if i == 0, budget["outside"]! > 0, s1 { outsideWindowAttempt(term); budget["outside"] = 0 }
                certify(term, day: key, courseDay: courseDay2, second: true)
                if i == certDays2.count - 1 && proxyScenario && unavailable.contains(absentTeacher) {
                    add(ev(academic, .staffAvailable(StaffAvailable(staffId: absentTeacher)))); unavailable.remove(absentTeacher)
                }
            }

            if isLate(term) && today == Cal.schoolDay(onOrAfter: d(1, 22)) { lateCertification(term) }

            // Selections.
            for s in selectPlan[key] ?? [] { select(s, term, final: !s1, &budget) }

            // Grades and attendance.
            for slot in slots.indices {
                let days = !s1 && slots[slot].grade == 3 ? seniorGradeDays : gradeDays
                if days[slot % days.count] == today { recordGrades(slot, term) }
            }
            if !s1 && today == graduation {
                for slot in slots.indices where slots[slot].grade == 3 {
                    add(slots[slot].students.filter(active).map { s in
                        students[s].departed = true
                        return ev(admin, .studentDeparted(StudentDeparted(reason: .graduated, effectiveOn: today)), student: students[s].id)
                    })
                }
            }

            // Submissions and receipts.
            let y = term.year.value
            if today == Cal.schoolDay(onOrAfter: s1 ? d(1, 21) : d(7, 9)) {
                add(ev(admin, .submissionMade(SubmissionMade(batchId: "\(y)-enrolment-and-grades-\(term.semester)", kind: .enrolmentAndGrades, year: term.year, term: term))))
            }
            if !s1 && today == Cal.schoolDay(onOrAfter: d(7, 10)) {
                add(ev(admin, .submissionMade(SubmissionMade(batchId: "\(y)-course-outcomes", kind: .courseOutcomes, year: term.year))))
                add(ev(activities, .submissionMade(SubmissionMade(batchId: "\(y)-cadres", kind: .cadres, year: term.year))))
                add(ev(clubs, .submissionMade(SubmissionMade(batchId: "\(y)-performances", kind: .performances, year: term.year))))
            }
            if today == Cal.schoolDay(onOrAfter: s1 ? d(1, 22) : d(7, 11)) {
                let ids = s1 ? ["\(y)-enrolment-and-grades-1"] : ["\(y)-enrolment-and-grades-2", "\(y)-course-outcomes", "\(y)-cadres", "\(y)-performances"]
                for id in ids where batchStudents[id] != nil {
                    add(ev(admin, .receiptConfirmed(ReceiptConfirmed(batchId: id, method: .platform, note: "收訖明細已核對"))))
                }
            }
            if !s1 { confirmReceipts(confirmPlan[key] ?? [], term, today) }
            if !s1 && today == Cal.schoolDay(onOrAfter: d(7, 28)) { mailReceipts(term) }
        }
        finishDay()
        progress("term \(term) done")
    }
}
