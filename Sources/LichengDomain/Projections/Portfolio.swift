// A student's portfolio (SPEC §5): registry data, records, and every item with its state.

public struct PortfolioItem: Sendable, Equatable {
    public var item: Item
    /// The last batch that carried it (when submitted): `StudentState.submittedIn(_:)`.
    public var submittedIn: String?
    /// This student's receipt of that batch.
    public var receipt: ReceiptStatus?

    /// `uploaded`, `withdrawn`, `certified`, `returned`, then `selected`, `submitted`,
    /// `receipt-confirmed` or `disputed` as the item moves on (the most advanced one).
    public var state: String {
        if let receipt {
            switch receipt {
            case .confirmed: return "receipt-confirmed"
            case .disputed: return "disputed"
            case .resolved: return "submitted"
            }
        }
        if submittedIn != nil { return "submitted" }
        if item.selected { return "selected" }
        return item.status.rawValue
    }
}

public struct Portfolio: Sendable {
    public var studentId: String
    public var registry: Registry?
    public var purged: Bool
    public var grades: [Recorded<GradeRecorded>]
    public var cadres: [Recorded<CadreRecorded>]
    public var counseling: [Recorded<CounselingRecorded>]
    public var coursePlans: [Recorded<CoursePlanRecorded>]
    public var electives: [Recorded<ElectiveRegistered>]
    public var attendance: [Recorded<AttendanceRecorded>]
    public var services: [Recorded<ServiceRecorded>]
    public var autobiography: Recorded<AutobiographyRecorded>?
    public var items: [PortfolioItem]
    public var asOfSeq: UInt64

    public init(student: StudentState, shared: SharedState) {
        studentId = student.id
        registry = student.registry
        purged = student.purgedSeq != nil
        grades = student.grades; cadres = student.cadres; counseling = student.counseling
        coursePlans = student.coursePlans; electives = student.electives; attendance = student.attendance
        services = student.services; autobiography = student.autobiography
        items = student.items.indices.map { position in
            let item = student.items[position]
            let batch = student.submittedIn(position)
            let receipt = batch.flatMap { student.batch($0)?.receipt?.status }
            return PortfolioItem(item: item, submittedIn: batch, receipt: receipt)
        }
        asOfSeq = shared.lastSeq
    }

    public func item(_ id: String) -> PortfolioItem? { items.first { ID.sameBytes($0.item.itemId, id) } }

    /// Keys: `studentId`, `asOfSeq`, `purged`, `registry` {name, class, nationalId, admittedOn,
    /// departedOn, departureReason, transferredFrom, transferredTo}, `grades`, `cadres`,
    /// `counseling`, `coursePlans`, `electives`, `attendance`, `services` (each entry: the event's
    /// data fields plus `seq`, `recordedAt`, `recordedBy`, `onBehalfOf`), `autobiography`, `items`
    /// (each: `itemId`, `kind`, `state`, `status`, `selected`, `submittedIn`, `receipt`, `term`,
    /// `year`, `courseId`, `category`, `title`, `description`, `startedOn`, `endedOn`,
    /// `returnReason`, `files`, `history` [{seq, at, action, actor, onBehalfOf, detail}]).
    public func jsonObject() -> JSONObject {
        var o = JSONObject()
        o["studentId"] = .string(studentId)
        o["asOfSeq"] = .int(Int64(asOfSeq))
        o["purged"] = .bool(purged)
        if let r = registry {
            var j = JSONObject()
            j["name"] = .string(r.name)
            j["class"] = .string(r.class)
            if let v = r.nationalId { j["nationalId"] = .string(v) }
            if let v = r.admittedOn { j["admittedOn"] = .string(v.description) }
            if let v = r.departedOn { j["departedOn"] = .string(v.description) }
            if let v = r.departureReason { j["departureReason"] = .string(v.rawValue) }
            if let v = r.transferredFrom { j["transferredFrom"] = .string(v) }
            if let v = r.transferredTo { j["transferredTo"] = .string(v) }
            o["registry"] = .object(j)
        }
        o["grades"] = .array(grades.map(Portfolio.recorded))
        o["cadres"] = .array(cadres.map(Portfolio.recorded))
        o["counseling"] = .array(counseling.map(Portfolio.recorded))
        o["coursePlans"] = .array(coursePlans.map(Portfolio.recorded))
        o["electives"] = .array(electives.map(Portfolio.recorded))
        o["attendance"] = .array(attendance.map(Portfolio.recorded))
        o["services"] = .array(services.map(Portfolio.recorded))
        if let a = autobiography { o["autobiography"] = Portfolio.recorded(a) }
        o["items"] = .array(items.map { p in
            let i = p.item
            var j = JSONObject()
            j["itemId"] = .string(i.itemId)
            if let f = i.importedFrom { j["importedFrom"] = .string(f) }
            j["kind"] = .string(i.kind.rawValue)
            j["state"] = .string(p.state)
            j["status"] = .string(i.status.rawValue)
            j["selected"] = .bool(i.selected)
            if let b = p.submittedIn { j["submittedIn"] = .string(b) }
            if let r = p.receipt { j["receipt"] = .string(r.rawValue) }
            if let t = i.term { j["term"] = .string(t.description) }
            j["year"] = .int(Int64(i.year.value))
            if let c = i.courseId { j["courseId"] = .string(c) }
            if let c = i.category { j["category"] = .string(c.rawValue) }
            j["title"] = .string(i.title)
            j["description"] = .string(i.description)
            if let d = i.startedOn { j["startedOn"] = .string(d.description) }
            if let d = i.endedOn { j["endedOn"] = .string(d.description) }
            if let r = i.returnReason { j["returnReason"] = .string(r.rawValue) }
            j["files"] = .array(i.files.map { .object($0.jsonObject()) })
            j["history"] = .array(i.history.map { h in
                var k = JSONObject()
                k["seq"] = .int(Int64(h.seq))
                k["at"] = .string(Taipei.format(h.at))
                k["action"] = .string(h.action.rawValue)
                k["actor"] = .string(h.actor)
                if let v = h.onBehalfOf { k["onBehalfOf"] = .string(v) }
                if let v = h.detail { k["detail"] = .string(v) }
                return .object(k)
            })
            return .object(j)
        })
        return o
    }

    static func recorded<T: FieldRecord>(_ r: Recorded<T>) -> JSONValue {
        var o = r.data.jsonObject()
        o["seq"] = .int(Int64(r.seq))
        o["recordedAt"] = .string(Taipei.format(r.at))
        o["recordedBy"] = .string(r.by)
        if let b = r.onBehalfOf { o["onBehalfOf"] = .string(b) }
        if let f = r.importedFrom { o["importedFrom"] = .string(f) }
        return .object(o)
    }
}
