import LichengDomain

/// Bulk CSV imports (`licheng import KIND FILE.csv`): each data row becomes one proposed event;
/// the whole file is appended as one atomic batch. Column names match case-insensitively.
///
/// | kind | columns (optional in brackets) | event |
/// | --- | --- | --- |
/// | `students` | `id,name,class,[national_id],[admitted_on]` | `student.enrolled` |
/// | `courses` | `course_id,term,name,teachers,[class]` (teachers separated by `;`) | `course.offered` |
/// | `grades` | `student,course_id,term,score,credits` | `grade.recorded` |
/// | `cadres` | `student,level,title,term,[unit]` | `cadre.recorded` |
/// | `staff` | `id,name,roles,[homeroom_class]` (roles separated by `;`) | `staff.registered` |
public enum ImportKind: String, CaseIterable, Sendable {
    case students, courses, grades, cadres, staff

    /// Every documented column, in order.
    public var columns: [String] {
        switch self {
        case .students: ["id", "name", "class", "national_id", "admitted_on"]
        case .courses: ["course_id", "term", "name", "teachers", "class"]
        case .grades: ["student", "course_id", "term", "score", "credits"]
        case .cadres: ["student", "level", "title", "term", "unit"]
        case .staff: ["id", "name", "roles", "homeroom_class"]
        }
    }

    /// Columns the header must have.
    public var requiredColumns: [String] {
        switch self {
        case .students: ["id", "name", "class"]
        case .courses: ["course_id", "term", "name", "teachers"]
        case .grades: ["student", "course_id", "term", "score", "credits"]
        case .cadres: ["student", "level", "title", "term"]
        case .staff: ["id", "name", "roles"]
        }
    }

    /// The CSV column each event data field (or envelope field) comes from, to name it in errors.
    var columnOfField: [String: String] {
        switch self {
        case .students: ["student": "id", "name": "name", "class": "class", "nationalId": "national_id", "admittedOn": "admitted_on"]
        case .courses: ["courseId": "course_id", "term": "term", "name": "name", "teachers": "teachers", "class": "class"]
        case .grades: ["student": "student", "courseId": "course_id", "term": "term", "score": "score", "credits": "credits"]
        case .cadres: ["student": "student", "level": "level", "title": "title", "term": "term", "unit": "unit"]
        case .staff: ["staffId": "id", "name": "name", "roles": "roles", "homeroomClass": "homeroom_class"]
        }
    }
}

/// The events of a CSV import and the line each came from.
public struct ImportBatch: Sendable {
    public var events: [Event]
    /// `lines[i]` is the CSV line of `events[i]`.
    public var lines: [Int]
}

public enum CSVImport {
    /// Maps a CSV file to proposed events by `actor`. Throws a `CSVError` naming the line and
    /// column of the first bad field; no event is returned then.
    public static func events(_ kind: ImportKind, csv bytes: [UInt8], actor: String) throws(CSVError) -> ImportBatch {
        let document = try CSVReader.parse(bytes, requiredColumns: kind.requiredColumns)
        for name in document.header.names where !name.isEmpty && !kind.columns.contains(name.lowercased()) {
            throw CSVError(line: 1, column: name, reason: "unknown column; the columns of a \(kind.rawValue) import are \(kind.columns.joined(separator: ","))")
        }
        var batch = ImportBatch(events: [], lines: [])
        batch.events.reserveCapacity(document.records.count)
        for record in document.records {
            batch.events.append(try event(kind, record, actor: actor))
            batch.lines.append(record.line)
        }
        return batch
    }

    static func list(_ text: String) -> [JSONValue] {
        text.split(separator: ";").map { String($0).trimmingCharacters() }.filter { !$0.isEmpty }.map { .string($0) }
    }

    static func event(_ kind: ImportKind, _ r: CSVRecord, actor: String) throws(CSVError) -> Event {
        var data = JSONObject()
        var student: String?
        let type: EventType
        switch kind {
        case .students:
            type = .studentEnrolled
            student = try r.required("id")
            data["name"] = .string(try r.required("name"))
            data["class"] = .string(try r.required("class"))
            if let v = r.optional("national_id") { data["nationalId"] = .string(v) }
            if let v = r.optional("admitted_on") { data["admittedOn"] = .string(v) }
        case .courses:
            type = .courseOffered
            data["courseId"] = .string(try r.required("course_id"))
            data["term"] = .string(try r.required("term"))
            data["name"] = .string(try r.required("name"))
            let teachers = list(try r.required("teachers"))
            if teachers.isEmpty { throw r.error("teachers", "names no teacher") }
            data["teachers"] = .array(teachers)
            if let v = r.optional("class") { data["class"] = .string(v) }
        case .grades:
            type = .gradeRecorded
            student = try r.required("student")
            data["courseId"] = .string(try r.required("course_id"))
            data["term"] = .string(try r.required("term"))
            let score = try r.required("score")
            guard let s = Double(score), s.isFinite else { throw r.error("score", "not a number: \"\(score.prefix(40))\"") }
            data["score"] = .double(s)
            let credits = try r.required("credits")
            guard let c = Int64(credits) else { throw r.error("credits", "not a whole number: \"\(credits.prefix(40))\"") }
            data["credits"] = .int(c)
        case .cadres:
            type = .cadreRecorded
            student = try r.required("student")
            data["level"] = .string(try r.required("level"))
            data["title"] = .string(try r.required("title"))
            data["term"] = .string(try r.required("term"))
            if let v = r.optional("unit") { data["unit"] = .string(v) }
        case .staff:
            type = .staffRegistered
            data["staffId"] = .string(try r.required("id"))
            data["name"] = .string(try r.required("name"))
            let roles = list(try r.required("roles"))
            if roles.isEmpty { throw r.error("roles", "names no role") }
            data["roles"] = .array(roles)
            if let v = r.optional("homeroom_class") { data["homeroomClass"] = .string(v) }
        }
        do {
            return try Engine.propose(type, actor: actor, student: student, data: data, line: r.line)
        } catch {
            guard case .input(let e) = error else { throw CSVError(line: r.line, reason: error.description) }
            let field = e.field.map { f0 in
                let f = f0.hasPrefix("data.") ? String(f0.dropFirst(5)) : f0
                let top = String(f.split(separator: ".").first ?? Substring(f)).split(separator: "[").first.map(String.init) ?? f
                return kind.columnOfField[top] ?? f
            }
            throw CSVError(line: r.line, column: field.map { r.error($0, "").column ?? $0 }, reason: e.message)
        }
    }
}

extension String {
    fileprivate func trimmingCharacters() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
