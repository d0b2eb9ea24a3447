import Licheng
import LichengDomain

let roleList = StaffRole.allCases.map(\.rawValue).joined(separator: ", ")

let initCommand = Command(
    "init", abstract: "Create a new store for a school, with its first account (exam-section).",
    options: [
        .value("school-code", valueName: "code", help: "The school's code.", required: true),
        .value("school-name", valueName: "name", help: "The school's name.", required: true),
        .value("admin", valueName: "id", help: "The first account's staff ID (role exam-section).", required: true),
        .value("admin-name", valueName: "name", help: "The first account's name.", required: true),
    ],
    run: handler { ctx in
        let inv = ctx.inv
        let engine = try Engine.create(at: ctx.store, schoolCode: inv.value("school-code")!, schoolName: inv.value("school-name")!,
                                       adminId: inv.value("admin")!, adminName: inv.value("admin-name")!, options: Context.engineOptions())
        defer { engine.close() }
        let seq = engine.log.lastSeq
        if ctx.json {
            ctx.console.printJSON(.object(JSONObject(["store": .string(ctx.store), "seq": .int(Int64(seq)),
                                                      "schoolCode": .string(inv.value("school-code")!), "admin": .string(inv.value("admin")!)])))
        } else {
            ctx.console.print("Created store '\(ctx.store)' for \(inv.value("school-name")!) (\(inv.value("school-code")!)); first account \(inv.value("admin")!) (exam-section) (seq \(seq)).")
        }
    })

let staffCommand = Command(
    "staff", abstract: "Register staff accounts and record departures, leave and role changes.",
    subcommands: [
        Command("add", abstract: "Register a staff account (staff.registered).",
                arguments: [.required("id", help: "The staff ID, e.g. T0123.")],
                options: [.value("name", help: "Full name.", required: true),
                          .repeating("role", help: "A role; repeat for several (\(roleList)).", required: true),
                          .value("homeroom-class", valueName: "class", help: "The class a homeroom teacher leads.")],
                run: handler { ctx in
                    var d = JSONObject()
                    let id = ctx.inv.argument("id")!
                    d["staffId"] = .string(id)
                    d["name"] = .string(ctx.inv.value("name")!)
                    d["roles"] = .array(try ctx.inv.values("role").map { r throws(UsageError) in .string(try ctx.choice(r, "role", StaffRole.self).rawValue) })
                    d.set("homeroomClass", ctx.inv.value("homeroom-class"))
                    try ctx.append(.staffRegistered, data: d) { "Registered staff \(id) \(seqNote($0))." }
                }),
        Command("depart", abstract: "Record that a staff member leaves (staff.departed).",
                arguments: [.required("id", help: "The staff ID.")],
                options: [.value("effective", valueName: "date", help: "The departure date.", required: true),
                          .value("account-until", valueName: "time", help: "Keep the account usable until this time (default: the departure date).")],
                run: handler { ctx in
                    let id = ctx.inv.argument("id")!
                    var d = JSONObject()
                    d["staffId"] = .string(id)
                    d.set("effectiveOn", try ctx.date("effective"))
                    d.set("accountExpiresAt", try ctx.time("account-until"))
                    try ctx.append(.staffDeparted, data: d) { "Recorded the departure of \(id) \(seqNote($0))." }
                }),
        Command("extend", abstract: "Postpone the expiry of a departed staff member's account (staff.account-extended).",
                arguments: [.required("id", help: "The staff ID.")],
                options: [.value("until", valueName: "time", help: "The new expiry time.", required: true)],
                run: handler { ctx in
                    let id = ctx.inv.argument("id")!
                    var d = JSONObject()
                    d["staffId"] = .string(id)
                    d.set("accountExpiresAt", try ctx.time("until"))
                    try ctx.append(.staffAccountExtended, data: d) { "Extended the account of \(id) \(seqNote($0))." }
                }),
        Command("unavailable", abstract: "Mark a staff member unavailable (leave, illness); proxies take over.",
                arguments: [.required("id", help: "The staff ID.")],
                options: [.value("reason", help: "Why.")],
                run: handler { ctx in
                    let id = ctx.inv.argument("id")!
                    var d = JSONObject()
                    d["staffId"] = .string(id)
                    d.set("reason", ctx.inv.value("reason"))
                    try ctx.append(.staffUnavailable, data: d) { "Marked \(id) unavailable \(seqNote($0))." }
                }),
        Command("available", abstract: "Mark a staff member available again.",
                arguments: [.required("id", help: "The staff ID.")],
                run: handler { ctx in
                    let id = ctx.inv.argument("id")!
                    try ctx.append(.staffAvailable, data: JSONObject(["staffId": .string(id)])) { "Marked \(id) available \(seqNote($0))." }
                }),
        Command("roles", abstract: "Replace a staff member's roles (staff.roles-changed).",
                arguments: [.required("id", help: "The staff ID.")],
                options: [.repeating("role", help: "A role; repeat for several.", required: true),
                          .value("homeroom-class", valueName: "class", help: "The class a homeroom teacher leads.")],
                run: handler { ctx in
                    let id = ctx.inv.argument("id")!
                    var d = JSONObject()
                    d["staffId"] = .string(id)
                    d["roles"] = .array(try ctx.inv.values("role").map { r throws(UsageError) in .string(try ctx.choice(r, "role", StaffRole.self).rawValue) })
                    d.set("homeroomClass", ctx.inv.value("homeroom-class"))
                    try ctx.append(.staffRolesChanged, data: d) { "Changed the roles of \(id) \(seqNote($0))." }
                }),
    ])

let proxyCommand = Command(
    "proxy", abstract: "Set the ordered proxy lists (代理人名單及代理順位).",
    subcommands: [
        Command("set", abstract: "Set the ordered proxies of a staff account or of a role (proxy.assigned).",
                arguments: [.optional("id", help: "The staff ID whose proxies these are (or give --role).")],
                options: [.value("role", help: "The role whose proxies these are (instead of an ID)."),
                          .repeating("proxies", valueName: "ids", help: "Proxy staff IDs in order, comma-separated.", required: true)],
                run: handler { ctx in
                    var d = JSONObject()
                    let id = ctx.inv.argument("id"), role = ctx.inv.value("role")
                    guard (id == nil) != (role == nil) else { throw ctx.usage("Give either a staff ID or '--role <role>', not both or neither") }
                    d.set("staffId", id)
                    if let role { d["role"] = .string(try ctx.choice(role, "role", StaffRole.self).rawValue) }
                    let proxies = ctx.inv.list("proxies")
                    guard !proxies.isEmpty else { throw ctx.usage("'--proxies' names no proxy") }
                    d["proxies"] = .array(proxies.map { .string($0) })
                    try ctx.append(.proxyAssigned, data: d) { "Set the proxies of \(id ?? role!): \(proxies.joined(separator: ", ")) \(seqNote($0))." }
                }),
    ])

let windowCommand = Command(
    "window", abstract: "Publish the schedule (作業期程) of each term.",
    subcommands: [
        Command("set", abstract: "Set the window of a kind of work in a term (schedule.window-set).",
                discussion: "KIND is one of " + WindowKind.allCases.map(\.rawValue).joined(separator: ", ") + ". Times are RFC 3339; a bare date is 00:00 Asia/Taipei.",
                arguments: [.required("term", help: "The term, e.g. 115-1."), .required("kind", help: "The kind of work.")],
                options: [.value("opens", valueName: "time", help: "When the window opens.", required: true),
                          .value("closes", valueName: "time", help: "When the window closes.", required: true),
                          .value("self-check", valueName: "time", help: "The self-check time.")],
                run: handler { ctx in
                    let term = try ctx.term(ctx.inv.argument("term")!, "term")
                    let kind = try ctx.choice(ctx.inv.argument("kind")!, "kind", WindowKind.self)
                    var d = JSONObject()
                    d["term"] = .string(term.description)
                    d["kind"] = .string(kind.rawValue)
                    d.set("opensAt", try ctx.time("opens"))
                    d.set("closesAt", try ctx.time("closes"))
                    d.set("selfCheckAt", try ctx.time("self-check"))
                    try ctx.append(.scheduleWindowSet, data: d) { "Set the \(kind.rawValue) window of term \(term) \(seqNote($0))." }
                }),
    ])

let policyCommand = Command(
    "policy", abstract: "Change quotas and the retention period.",
    subcommands: [
        Command("set", abstract: "Set quota numbers and the retention period (policy.set); absent ones keep their value.",
                options: [.value("course-outcome-uploads", valueName: "n", help: "Course-outcome uploads per student per semester (default 15)."),
                          .value("performance-uploads", valueName: "n", help: "Diverse-performance uploads per student per year (default 30)."),
                          .value("course-outcome-selections", valueName: "n", help: "Course-outcome selections per year (default 6)."),
                          .value("performance-selections", valueName: "n", help: "Diverse-performance selections per year (default 10)."),
                          .value("retention-years", valueName: "n", help: "Years to keep a departed student's data (default 3).")],
                run: handler { ctx in
                    var d = JSONObject()
                    for (option, key) in [("course-outcome-uploads", "courseOutcomeUploads"), ("performance-uploads", "performanceUploads"),
                                          ("course-outcome-selections", "courseOutcomeSelections"), ("performance-selections", "performanceSelections"),
                                          ("retention-years", "retentionYears")] {
                        if let n = try ctx.inv.integer(option, in: 0...1000) { d[key] = .int(Int64(n)) }
                    }
                    guard d.count > 0 else { throw ctx.usage("Nothing to set; give at least one of the options") }
                    try ctx.append(.policySet, data: d) { "Set the policy \(seqNote($0))." }
                }),
    ])

let studentCommand = Command(
    "student", abstract: "Enrol students and record their departure.",
    subcommands: [
        Command("enroll", abstract: "Enrol a student (student.enrolled).",
                arguments: [.required("id", help: "The student ID, e.g. S1120001.")],
                options: [.value("name", help: "Full name.", required: true),
                          .value("class", help: "The class, e.g. 101.", required: true),
                          .value("national-id", valueName: "id", help: "National ID (身分證明號碼)."),
                          .value("admitted", valueName: "date", help: "Admission date.")],
                run: handler { ctx in
                    let id = ctx.inv.argument("id")!
                    var d = JSONObject()
                    d["name"] = .string(ctx.inv.value("name")!)
                    d["class"] = .string(ctx.inv.value("class")!)
                    d.set("nationalId", ctx.inv.value("national-id"))
                    d.set("admittedOn", try ctx.date("admitted"))
                    try ctx.append(.studentEnrolled, student: id, data: d) { "Enrolled student \(id) \(seqNote($0))." }
                }),
        Command("depart", abstract: "Record that a student leaves (student.departed); starts the retention clock.",
                arguments: [.required("id", help: "The student ID.")],
                options: [.value("reason", help: "graduated, withdrawn, transferred-out or other.", required: true),
                          .value("effective", valueName: "date", help: "The departure date.", required: true)],
                run: handler { ctx in
                    let id = ctx.inv.argument("id")!
                    var d = JSONObject()
                    d["reason"] = .string(try ctx.choice(ctx.inv.value("reason")!, "reason", DepartureReason.self).rawValue)
                    d.set("effectiveOn", try ctx.date("effective"))
                    try ctx.append(.studentDeparted, student: id, data: d) { "Recorded the departure of student \(id) \(seqNote($0))." }
                }),
    ])

let courseCommand = Command(
    "course", abstract: "Offer courses.",
    subcommands: [
        Command("add", abstract: "Offer a course in a term (course.offered).",
                arguments: [.required("id", help: "The course ID.")],
                options: [.value("term", help: "The term, e.g. 115-1.", required: true),
                          .value("name", help: "The course name.", required: true),
                          .repeating("teacher", valueName: "id", help: "A teacher's staff ID; repeat for several.", required: true),
                          .value("class", help: "The class it is taught to.")],
                run: handler { ctx in
                    let id = ctx.inv.argument("id")!
                    let term = try ctx.term(ctx.inv.value("term")!, "term")
                    var d = JSONObject()
                    d["courseId"] = .string(id)
                    d["term"] = .string(term.description)
                    d["name"] = .string(ctx.inv.value("name")!)
                    d["teachers"] = .array(ctx.inv.list("teacher").map { .string($0) })
                    d.set("class", ctx.inv.value("class"))
                    try ctx.append(.courseOffered, data: d) { "Offered course \(id) in term \(term) \(seqNote($0))." }
                }),
    ])
