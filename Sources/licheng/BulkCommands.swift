import Licheng
import LichengDomain

/// Appends a batch; a rejection names the input line of the event that broke the rule.
func appendBatch(_ ctx: Context, _ events: [Event], lines: [Int], source: String) throws {
    guard !events.isEmpty else { throw ToolError("\(source) holds no events; nothing was written.") }
    let engine = try ctx.openWrite()
    defer { engine.close() }
    let progress = Progress.forTerminal(label: "Appending", total: events.count, console: ctx.console, json: ctx.json)
    let result = Result { () throws(EngineError) -> [Event] in try engine.submit(events) }
    progress.finish()
    guard case .success(let stored) = result else {
        guard case .failure(let error) = result, case .rejected(let rejection, let index) = error else { _ = try result.get(); return }
        let i = index ?? 0
        throw ToolError("\(source) line \(lines[i]) (\(events[i].type.rawValue)) was rejected; nothing was written. \(rejection)", exitCode: .rejected)
    }
    progress.update(completed: events.count)
    progress.finish()
    let first = stored.map(\.seq).min() ?? 0, last = stored.map(\.seq).max() ?? 0
    if ctx.json {
        ctx.console.printJSON(.object(JSONObject(["events": .int(Int64(stored.count)), "firstSeq": .int(Int64(first)),
                                                  "lastSeq": .int(Int64(last)), "seq": .int(Int64(last))])))
    } else {
        ctx.console.print("Appended \(stored.count) event(s) from \(source) (seq \(first)–\(last)).")
    }
}

let appendCommand = Command(
    "append", abstract: "Append JSON Lines of event documents as one atomic batch.",
    discussion: "Each line is an event document with the envelope fields type, actor, onBehalfOf, student, requestId and data (docs/EVENTS.md); seq and recordedAt are assigned by the store. All events are appended, or none: a malformed line or a rejected event names its line and nothing is written.",
    arguments: [.required("file", help: "The JSON Lines file, or - for standard input.")],
    run: handler { ctx in
        let path = ctx.inv.argument("file")!
        let bytes = try readInput(path)
        let source = path == "-" ? "standard input" : "'\(path)'"
        var events: [Event] = [], lines: [Int] = []
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            lineNumber += 1
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            var slice = bytes[start..<end]
            if slice.last == UInt8(ascii: "\r") { slice = slice.dropLast() }
            start = end + 1
            if slice.allSatisfy({ $0 == 32 || $0 == 9 }) { continue }
            do throws(InputError) {
                events.append(try Event.parseJSONLine(Array(slice), line: lineNumber))
            } catch {
                throw ToolError("\(source) \(error) Nothing was written.")
            }
            lines.append(lineNumber)
        }
        try appendBatch(ctx, events, lines: lines, source: source)
    })

let importCommand = Command(
    "import", abstract: "Import a CSV file (students, courses, grades, cadres, staff) as one atomic batch.",
    discussion: """
    Columns (optional ones in brackets; lists separated by ';'):
    students: id,name,class,[national_id],[admitted_on]
    courses: course_id,term,name,teachers,[class]
    grades: student,course_id,term,score,credits
    cadres: student,level,title,term,[unit]
    staff: id,name,roles,[homeroom_class]
    A bad field names its line and column, and nothing is written.
    """,
    arguments: [.required("kind", help: "students, courses, grades, cadres or staff."),
                .required("file", help: "The CSV file, or - for standard input.")],
    run: handler { ctx in
        let kind = try ctx.choice(ctx.inv.argument("kind")!, "kind", ImportKind.self)
        let path = ctx.inv.argument("file")!
        let actor = try ctx.actor()
        let bytes = try readInput(path)
        let batch = try CSVImport.events(kind, csv: bytes, actor: actor)
        try appendBatch(ctx, batch.events, lines: batch.lines, source: path == "-" ? "standard input" : "'\(path)'")
    })
