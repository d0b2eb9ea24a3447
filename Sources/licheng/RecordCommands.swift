import Licheng
import LichengDomain

private let studentOption = Option.value("student", valueName: "id", help: "The student.", required: true)
private let termOption = Option.value("term", help: "The term, e.g. 115-1.", required: true)

private func number(_ ctx: Context, _ option: String) throws(UsageError) -> JSONValue? {
    guard let text = ctx.inv.value(option) else { return nil }
    guard let d = Double(text), d.isFinite else { throw ctx.invalid(text, option, "expected a number") }
    return .double(d)
}

private func recordCommand(_ name: String, _ abstract: String, _ type: EventType, student: Bool = true,
                           options: [Option], build: @escaping @Sendable (Context, inout JSONObject) throws -> Void) -> Command {
    Command(name, abstract: abstract, options: (student ? [studentOption] : []) + options, run: handler { ctx in
        var d = JSONObject()
        try build(ctx, &d)
        let s = student ? ctx.inv.value("student") : nil
        try ctx.append(type, student: s, data: d) { "Recorded \(type.rawValue)" + (s.map { " for \($0)" } ?? "") + " \(seqNote($0))." }
    })
}

let recordCommandGroup = Command(
    "record", abstract: "Record registry data, grades, counseling, cadres, trainings and meetings.",
    subcommands: [
        recordCommand("grade", "Record a grade (grade.recorded).", .gradeRecorded,
                      options: [.value("course", valueName: "id", help: "The course ID.", required: true), termOption,
                                .value("score", help: "The score, 0–100.", required: true),
                                .value("credits", help: "Credits, 0–20.", required: true)]) { ctx, d in
            d["courseId"] = .string(ctx.inv.value("course")!)
            d["term"] = .string(try ctx.term(ctx.inv.value("term")!, "term").description)
            d["score"] = try number(ctx, "score")
            d["credits"] = .int(Int64(try ctx.inv.integer("credits")!))
        },
        recordCommand("counseling", "Record a course counseling session (counseling.recorded).", .counselingRecorded,
                      options: [.value("at", valueName: "time", help: "When it was held.", required: true),
                                .value("place", help: "Where.", required: true),
                                .value("content", valueName: "text", help: "What was discussed.", required: true),
                                .value("opinion", valueName: "text", help: "The counselor's opinion.", required: true)]) { ctx, d in
            d.set("heldAt", try ctx.time("at"))
            d["place"] = .string(ctx.inv.value("place")!)
            d["content"] = .string(ctx.inv.value("content")!)
            d["opinion"] = .string(ctx.inv.value("opinion")!)
        },
        recordCommand("course-plan", "Record group exploration and career plan (course-plan.recorded).", .coursePlanRecorded,
                      options: [termOption,
                                .value("group-exploration", valueName: "text", help: "學群探索.", required: true),
                                .value("career-plan", valueName: "text", help: "生涯規劃.", required: true)]) { ctx, d in
            d["term"] = .string(try ctx.term(ctx.inv.value("term")!, "term").description)
            d["groupExploration"] = .string(ctx.inv.value("group-exploration")!)
            d["careerPlan"] = .string(ctx.inv.value("career-plan")!)
        },
        recordCommand("elective", "Register a student's elective courses for a term (elective.registered).", .electiveRegistered,
                      options: [termOption, .repeating("course", valueName: "id", help: "A course ID; repeat or separate with commas.", required: true)]) { ctx, d in
            d["term"] = .string(try ctx.term(ctx.inv.value("term")!, "term").description)
            d["courseIds"] = .array(ctx.inv.list("course").map { .string($0) })
        },
        recordCommand("cadre", "Record a cadre position (幹部經歷, cadre.recorded).", .cadreRecorded,
                      options: [.value("level", help: "school, class or club.", required: true),
                                .value("title", help: "The position.", required: true), termOption,
                                .value("unit", help: "The class, club or office.")]) { ctx, d in
            d["level"] = .string(try ctx.choice(ctx.inv.value("level")!, "level", CadreLevel.self).rawValue)
            d["title"] = .string(ctx.inv.value("title")!)
            d["term"] = .string(try ctx.term(ctx.inv.value("term")!, "term").description)
            d.set("unit", ctx.inv.value("unit"))
        },
        recordCommand("attendance", "Record a term's attendance (attendance.recorded).", .attendanceRecorded,
                      options: [termOption,
                                .value("excused", valueName: "n", help: "Excused periods."),
                                .value("unexcused", valueName: "n", help: "Unexcused periods."),
                                .value("notes", valueName: "text", help: "Notes.")]) { ctx, d in
            d["term"] = .string(try ctx.term(ctx.inv.value("term")!, "term").description)
            d["excusedPeriods"] = .int(Int64(try ctx.inv.integer("excused", in: 0...10000) ?? 0))
            d["unexcusedPeriods"] = .int(Int64(try ctx.inv.integer("unexcused", in: 0...10000) ?? 0))
            d.set("notes", ctx.inv.value("notes"))
        },
        recordCommand("service", "Record public service or volunteer work (service.recorded).", .serviceRecorded,
                      options: [.value("date", help: "The date.", required: true),
                                .value("organization", valueName: "name", help: "Where it was done.", required: true),
                                .value("hours", help: "Hours.", required: true),
                                .value("description", valueName: "text", help: "What was done.")]) { ctx, d in
            d.set("date", try ctx.date("date"))
            d["organization"] = .string(ctx.inv.value("organization")!)
            d["hours"] = try number(ctx, "hours")
            d.set("description", ctx.inv.value("description"))
        },
        recordCommand("training", "Record a training (training.held): orientation, system-training or workshop.", .trainingHeld, student: false,
                      options: [.value("kind", help: "orientation (宣導說明), system-training (系統操作訓練) or workshop (專業研習).", required: true),
                                .value("date", help: "The date.", required: true),
                                .repeating("audience", help: "students, parents, teachers or staff; repeat or separate with commas.", required: true),
                                .repeating("host", valueName: "id", help: "A hosting staff ID; repeat or separate with commas."),
                                .value("title", help: "The title.")]) { ctx, d in
            d["kind"] = .string(try ctx.choice(ctx.inv.value("kind")!, "kind", TrainingKind.self).rawValue)
            d.set("date", try ctx.date("date"))
            d["audience"] = .array(try ctx.inv.list("audience").map { a throws(UsageError) in .string(try ctx.choice(a, "audience", Audience.self).rawValue) })
            d["hosts"] = .array(ctx.inv.list("host").map { .string($0) })
            d.set("title", ctx.inv.value("title"))
        },
        recordCommand("meeting", "Record a working-group meeting (working-group.meeting-held).", .workingGroupMeetingHeld, student: false,
                      options: [.value("date", help: "The date.", required: true), termOption,
                                .value("decisions", valueName: "text", help: "What was decided.")]) { ctx, d in
            d.set("date", try ctx.date("date"))
            d["term"] = .string(try ctx.term(ctx.inv.value("term")!, "term").description)
            d.set("decisions", ctx.inv.value("decisions"))
        },
    ])
