import Foundation
import Licheng
import LichengDomain
import LichengLog

/// The media type of an uploaded file, from its extension.
func mediaType(of path: String) -> String {
    switch (path as NSString).pathExtension.lowercased() {
    case "pdf": "application/pdf"
    case "jpg", "jpeg": "image/jpeg"
    case "png": "image/png"
    case "mp3": "audio/mpeg"
    case "mp4": "video/mp4"
    default: "application/octet-stream"
    }
}

/// Reads `--file` paths: their entries for the event and their contents for the file store.
func readFiles(_ paths: [String]) throws -> (entries: [JSONValue], blobs: [[UInt8]]) {
    var entries: [JSONValue] = [], blobs: [[UInt8]] = []
    for path in paths {
        let bytes = try readInput(path)
        let entry = FileEntry(name: (path as NSString).lastPathComponent, mediaType: mediaType(of: path),
                              size: Int64(bytes.count), sha256: LichengLog.sha256(bytes).hex)
        entries.append(.object(entry.jsonObject()))
        blobs.append(bytes)
    }
    return (entries, blobs)
}

/// The kind of an existing item, for commands that name only its ID.
func itemKind(_ engine: Engine, _ itemId: String) throws(EngineError) -> ItemKind {
    guard let student = studentID(ofItem: itemId), let item = try engine.studentState(student).items[itemId] else {
        throw .notFound("Rule 5 (reference): there is no item \(itemId).")
    }
    return item.kind
}

let uploadCommand = Command(
    "upload", abstract: "Upload a course outcome (課程學習成果) or a diverse performance (多元表現).",
    subcommands: [
        Command("course-outcome", abstract: "Upload a course outcome (課程學習成果); prints its item ID.",
                options: [.value("student", valueName: "id", help: "The student.", required: true),
                          .value("term", help: "The term, e.g. 115-1.", required: true),
                          .value("course", valueName: "id", help: "The course ID.", required: true),
                          .value("title", help: "The title.", required: true),
                          .value("description", valueName: "text", help: "A short description (簡述, at most 100 characters)."),
                          .repeating("file", valueName: "path", help: "A file (PDF, JPG, PNG, MP3, MP4); repeat for several.")],
                run: handler { ctx in
                    let term = try ctx.term(ctx.inv.value("term")!, "term")
                    let files = try readFiles(ctx.inv.values("file"))
                    var d = JSONObject()
                    d["term"] = .string(term.description)
                    d["courseId"] = .string(ctx.inv.value("course")!)
                    d["title"] = .string(ctx.inv.value("title")!)
                    d.set("description", ctx.inv.value("description"))
                    d["files"] = .array(files.entries)
                    try ctx.append(.courseOutcomeUploaded, student: ctx.inv.value("student")!, data: d, blobs: files.blobs) { e in
                        if case .courseOutcomeUploaded(let u) = e.body { return u.itemId ?? "" }
                        return ""
                    }
                }),
        Command("performance", abstract: "Upload a diverse performance (多元表現); prints its item ID.",
                discussion: "CATEGORY is one of " + PerformanceCategory.allCases.map(\.rawValue).joined(separator: ", ") + ".",
                options: [.value("student", valueName: "id", help: "The student.", required: true),
                          .value("year", help: "The academic year, e.g. 115.", required: true),
                          .value("category", help: "The category.", required: true),
                          .value("title", help: "The title.", required: true),
                          .value("description", valueName: "text", help: "A short description (簡述, at most 100 characters)."),
                          .value("started", valueName: "date", help: "When it started."),
                          .value("ended", valueName: "date", help: "When it ended."),
                          .repeating("file", valueName: "path", help: "A file (PDF, JPG, PNG, MP3, MP4); repeat for several.")],
                run: handler { ctx in
                    let year = try ctx.year()
                    let category = try ctx.choice(ctx.inv.value("category")!, "category", PerformanceCategory.self)
                    let files = try readFiles(ctx.inv.values("file"))
                    var d = JSONObject()
                    d["year"] = .int(Int64(year.value))
                    d["category"] = .string(category.rawValue)
                    d["title"] = .string(ctx.inv.value("title")!)
                    d.set("description", ctx.inv.value("description"))
                    d.set("startedOn", try ctx.date("started"))
                    d.set("endedOn", try ctx.date("ended"))
                    d["files"] = .array(files.entries)
                    try ctx.append(.performanceUploaded, student: ctx.inv.value("student")!, data: d, blobs: files.blobs) { e in
                        if case .performanceUploaded(let u) = e.body { return u.itemId ?? "" }
                        return ""
                    }
                }),
    ])

let withdrawCommand = Command(
    "withdraw", abstract: "Withdraw an uploaded item (before it is certified).",
    arguments: [.required("item", help: "The item ID.")],
    options: [.value("reason", help: "Why.")],
    run: handler { ctx in
        let item = ctx.inv.argument("item")!
        try ctx.append(human: { "Withdrew \(item) \(seqNote($0))." }) { engine in
            let kind = try itemKind(engine, item)
            var d = JSONObject(["itemId": .string(item)])
            d.set("reason", ctx.inv.value("reason"))
            return (kind == .courseOutcome ? .courseOutcomeWithdrawn : .performanceWithdrawn, nil, d)
        }
    })

let certifyCommand = Command(
    "certify", abstract: "Certify (認證) a course outcome, or return it with --return --reason.",
    arguments: [.required("item", help: "The item ID.")],
    options: [.flag("return", help: "Return the outcome instead of certifying it."),
              .value("reason", help: "Why it is returned: not-own-work or wrong-course."),
              .value("comment", valueName: "text", help: "Free text for the student.")],
    run: handler { ctx in
        let item = ctx.inv.argument("item")!
        let returning = ctx.inv.flag("return")
        var d = JSONObject(["itemId": .string(item), "decision": .string(returning ? "returned" : "certified")])
        if returning {
            let reason = try ctx.inv.requiredValue("reason")
            d["reason"] = .string(try ctx.choice(reason, "reason", ReturnReason.self).rawValue)
        } else if ctx.inv.value("reason") != nil {
            throw ctx.usage("'--reason' goes with '--return'")
        }
        d.set("comment", ctx.inv.value("comment"))
        try ctx.append(.courseOutcomeCertified, data: d) { (returning ? "Returned " : "Certified ") + "\(item) \(seqNote($0))." }
    })

let selectCommand = Command(
    "select", abstract: "Select (勾選) an item for submission.",
    arguments: [.required("item", help: "The item ID.")],
    run: handler { ctx in
        let item = ctx.inv.argument("item")!
        try ctx.append(.itemSelected, data: JSONObject(["itemId": .string(item)])) { "Selected \(item) \(seqNote($0))." }
    })

let deselectCommand = Command(
    "deselect", abstract: "Remove an item from the selection (勾選).",
    arguments: [.required("item", help: "The item ID.")],
    run: handler { ctx in
        let item = ctx.inv.argument("item")!
        try ctx.append(.itemDeselected, data: JSONObject(["itemId": .string(item)])) { "Deselected \(item) \(seqNote($0))." }
    })

let submitCommand = Command(
    "submit", abstract: "Submit a kind of data for an academic year; prints the batch ID.",
    discussion: "KIND is one of " + SubmissionKind.allCases.map(\.rawValue).joined(separator: ", ") + ".",
    arguments: [.required("kind", help: "What to submit.")],
    options: [.value("year", help: "The academic year, e.g. 115.", required: true),
              .value("term", help: "Only this term of the year."),
              .value("replaces", valueName: "batch", help: "The earlier batch this one corrects.")],
    run: handler { ctx in
        let kind = try ctx.choice(ctx.inv.argument("kind")!, "kind", SubmissionKind.self)
        let year = try ctx.year()
        var d = JSONObject(["kind": .string(kind.rawValue), "year": .int(Int64(year.value))])
        if let t = ctx.inv.value("term") { d["term"] = .string(try ctx.term(t, "term").description) }
        d.set("replaces", ctx.inv.value("replaces"))
        try ctx.append(.submissionMade, data: d) { e in
            if case .submissionMade(let s) = e.body { return s.batchId ?? "" }
            return ""
        }
    })

let receiptCommand = Command(
    "receipt", abstract: "Confirm or dispute the receipt details (收訖明細) of a submitted batch.",
    subcommands: [
        Command("confirm", abstract: "Confirm the receipt of a batch, for the school or for one student.",
                arguments: [.required("batch", help: "The batch ID.")],
                options: [.value("student", valueName: "id", help: "The student whose receipt this is."),
                          .value("method", help: "platform (default) or mail (for a student who has left)."),
                          .value("note", valueName: "text", help: "A note.")],
                run: handler { ctx in
                    let batch = ctx.inv.argument("batch")!
                    var d = JSONObject(["batchId": .string(batch)])
                    if let m = ctx.inv.value("method") { d["method"] = .string(try ctx.choice(m, "method", ReceiptMethod.self).rawValue) }
                    d.set("note", ctx.inv.value("note"))
                    try ctx.append(.receiptConfirmed, student: ctx.inv.value("student"), data: d) { "Confirmed the receipt of \(batch) \(seqNote($0))." }
                }),
        Command("dispute", abstract: "Dispute a student's receipt of a batch.",
                arguments: [.required("batch", help: "The batch ID.")],
                options: [.value("student", valueName: "id", help: "The student.", required: true),
                          .value("reason", help: "What is wrong.", required: true)],
                run: handler { ctx in
                    let batch = ctx.inv.argument("batch")!
                    let d = JSONObject(["batchId": .string(batch), "reason": .string(ctx.inv.value("reason")!)])
                    try ctx.append(.receiptDisputed, student: ctx.inv.value("student")!, data: d) { "Disputed the receipt of \(batch) \(seqNote($0))." }
                }),
        Command("resolve", abstract: "Resolve a student's dispute of a batch.",
                arguments: [.required("batch", help: "The batch ID.")],
                options: [.value("student", valueName: "id", help: "The student.", required: true),
                          .value("resolution", valueName: "text", help: "How it was resolved.")],
                run: handler { ctx in
                    let batch = ctx.inv.argument("batch")!
                    var d = JSONObject(["batchId": .string(batch)])
                    d.set("resolution", ctx.inv.value("resolution"))
                    try ctx.append(.receiptDisputeResolved, student: ctx.inv.value("student")!, data: d) { "Resolved the dispute of \(batch) \(seqNote($0))." }
                }),
    ])
