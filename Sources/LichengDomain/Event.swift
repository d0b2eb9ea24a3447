// The event envelope, its JSON edge and its compact stored form.

// The initializers are in an extension, so that the compiler makes the memberwise
// `init(body:seq:recordedAt:actor:onBehalfOf:student:requestId:type:)`, which the public one calls:
// it builds the event in place. (`body` comes first so that its labels differ from the public
// initializer's, whose order is API.) An initializer assigning `self.x = x` field by field made
// the optimizer copy the finished event (every string retained, then the original released):
// ~500 instructions an event on the replay path.
public struct Event: Equatable, Sendable {
    public var body: EventBody { didSet { type = body.type } }
    /// Position in the log (assigned on append; 0 for a proposed event).
    public var seq: UInt64
    /// Clock time of the append (assigned on append; 0 for a proposed event).
    public var recordedAt: Timestamp
    public var actor: String
    public var onBehalfOf: String?
    public var student: String?
    public var requestId: String?
    /// `body.type`, kept: asked for every event on the replay path, where working it out from
    /// the body copied the whole payload out of the enum.
    public private(set) var type: EventType
}

extension Event {
    public init(seq: UInt64 = 0, recordedAt: Timestamp = 0, actor: String, onBehalfOf: String? = nil,
                student: String? = nil, requestId: String? = nil, body: EventBody) {
        self.init(body: body, seq: seq, recordedAt: recordedAt, actor: actor, onBehalfOf: onBehalfOf, student: student,
                  requestId: requestId, type: body.type)
    }

    /// The log's stream key: the student ID for student events, nil for shared ones.
    /// `receipt.confirmed` is a student event when it names a student, else a school-wide one.
    public var streamKey: String? {
        switch type.scope {
        case .shared: nil
        case .student, .studentWhenNamed: student
        }
    }

    /// The student a proposed event concerns, before `decide` fills in `student`:
    /// the envelope's `student`, else the student encoded in the item ID, else (for a
    /// student's own uploads and autobiography) the actor. The engine passes that
    /// student's state to `decide`.
    public var impliedStudent: String? {
        if type.scope == .shared { return nil }
        if let student { return student }
        switch body {
        case .courseOutcomeWithdrawn(let d), .performanceWithdrawn(let d): return studentID(ofItem: d.itemId)
        case .courseOutcomeCertified(let d): return studentID(ofItem: d.itemId)
        case .itemSelected(let d), .itemDeselected(let d): return studentID(ofItem: d.itemId)
        case .courseOutcomeUploaded(let d): return d.itemId.flatMap(studentID(ofItem:)) ?? actor
        case .performanceUploaded(let d): return d.itemId.flatMap(studentID(ofItem:)) ?? actor
        case .autobiographyRecorded, .receiptDisputed: return actor
        default: return nil
        }
    }

    /// `impliedStudent`, and also: a `receipt.confirmed` without `student` by an actor who is
    /// not staff is that student's own receipt (an actor who is no student is then refused). `decide` uses this; the engine should too.
    public func impliedStudent(in shared: SharedState) -> String? {
        if type == .receiptConfirmed, student == nil, shared.staff[actor] == nil { return actor }
        return impliedStudent
    }

    // MARK: JSON

    static let envelopeKeys: Set<String> = ["type", "actor", "onBehalfOf", "student", "requestId", "data"]

    /// Parses an event document (`type`, `actor`, `onBehalfOf`, `student`, `requestId`, `data`).
    /// `seq` and `recordedAt` are refused: the store assigns them.
    public init(json: JSONValue, line: Int? = nil) throws(InputError) {
        guard case .object(let o) = json else {
            throw InputError(line: line, message: "an event must be a JSON object, found \(json.typeName)")
        }
        for k in o.keys where !Event.envelopeKeys.contains(k) {
            if k == "seq" || k == "recordedAt" {
                throw InputError(line: line, field: k, message: "is assigned by the store when the event is appended; remove it")
            }
            throw InputError(line: line, field: k, message: "unknown field")
        }
        guard let t = o["type"] else { throw InputError(line: line, field: "type", message: "missing required field") }
        guard case .string(let ts) = t, let type = EventType(rawValue: ts) else {
            throw InputError(line: line, field: "type", message: "unknown event type \(t.stringValue.map { "\"\($0.prefix(60))\"" } ?? t.typeName)")
        }
        func id(_ k: String, required: Bool) throws(InputError) -> String? {
            guard let v = o[k], v != .null else {
                if required { throw InputError(line: line, field: k, message: "missing required field") }
                return nil
            }
            return try String.fromJSON(v, path: k, line: line, constraint: .id)
        }
        actor = try id("actor", required: true)!
        onBehalfOf = try id("onBehalfOf", required: false)
        student = try id("student", required: false)
        if let r = o["requestId"], r != .null {
            requestId = try String.fromJSON(r, path: "requestId", line: line, constraint: .text(128))
        } else { requestId = nil }
        let data: JSONObject
        switch o["data"] {
        case nil, .null?: data = JSONObject()
        case .object(let d)?: data = d
        case let other?: throw InputError(line: line, field: "data", message: "expected an object, found \(other.typeName)")
        }
        body = try EventBody.decodeJSON(type, data, line: line)
        self.type = type
        seq = 0
        recordedAt = 0
    }

    /// Parses one line of JSON Lines input.
    public static func parseJSONLine(_ text: String, line: Int) throws(InputError) -> Event {
        try Event(json: JSONValue.parse(text, line: line), line: line)
    }

    public static func parseJSONLine(_ bytes: some Collection<UInt8>, line: Int) throws(InputError) -> Event {
        try Event(json: JSONValue.parse(bytes: bytes, line: line), line: line)
    }

    /// The event document. Key order: `seq`, `recordedAt`, `type`, `actor`, `onBehalfOf`,
    /// `student`, `requestId`, `data` (absent optionals omitted; `seq`/`recordedAt` omitted
    /// when `includeLogPosition` is false, e.g. for a proposed event fed back to `append`).
    public func jsonObject(includeLogPosition: Bool = true) -> JSONObject {
        var o = JSONObject()
        if includeLogPosition {
            o["seq"] = .int(Int64(bitPattern: seq))
            o["recordedAt"] = .string(Taipei.format(recordedAt))
        }
        o["type"] = .string(type.rawValue)
        o["actor"] = .string(actor)
        if let onBehalfOf { o["onBehalfOf"] = .string(onBehalfOf) }
        if let student { o["student"] = .string(student) }
        if let requestId { o["requestId"] = .string(requestId) }
        o["data"] = .object(body.jsonObject())
        return o
    }

    public func jsonString(includeLogPosition: Bool = true) -> String {
        JSONValue.object(jsonObject(includeLogPosition: includeLogPosition)).serialized()
    }

    // MARK: stored form

    /// Compact binary: u16 LE type code, u8 schema version, u8 flags (bit 0 onBehalfOf,
    /// bit 1 student, bit 2 requestId), then the actor and the flagged strings
    /// (varint length + UTF-8), then the data fields in declaration order (see docs/EVENTS.md).
    public func encodeStored() -> [UInt8] {
        var w = ByteWriter()
        w.u16(type.code)
        w.u8(type.schemaVersion)
        w.u8((onBehalfOf != nil ? 1 : 0) | (student != nil ? 2 : 0) | (requestId != nil ? 4 : 0))
        w.string(actor)
        if let onBehalfOf { w.string(onBehalfOf) }
        if let student { w.string(student) }
        if let requestId { w.string(requestId) }
        body.encode(to: &w)
        return w.bytes
    }

    /// Decodes a stored event, upcasting older schema versions. Never traps on bad bytes.
    public static func decodeStored(_ bytes: UnsafeRawBufferPointer, seq: UInt64, recordedAt: Timestamp) throws(StoredDecodeError) -> Event {
        var r = ByteReader(bytes)
        let code = try r.u16()
        guard let type = EventType(code: code) else { throw StoredDecodeError(offset: 0, message: "unknown event type code \(code)") }
        let version = try r.u8()
        guard version >= 1, version <= type.schemaVersion else {
            // A version above this build's was written by a newer build; 0 by none.
            let by = version > type.schemaVersion ? ": written by a newer licheng than this one" : ""
            throw StoredDecodeError(offset: 2, message: "unsupported schema version \(version) of \(type.rawValue) (this build reads 1…\(type.schemaVersion))\(by)")
        }
        let flags = try r.u8()
        guard flags & ~7 == 0 else { throw StoredDecodeError(offset: 3, message: "invalid envelope flags") }
        let actor = try r.string()
        let onBehalfOf = flags & 1 != 0 ? try r.string() : nil
        let student = flags & 2 != 0 ? try r.string() : nil
        let requestId = flags & 4 != 0 ? try r.string() : nil
        let body = try EventBody.decodeStored(type, &r, version: version)
        guard r.remaining == 0 else { throw StoredDecodeError(offset: r.offset, message: "\(r.remaining) unexpected trailing bytes") }
        assert(body.type == type, "a \(type.rawValue) record decoded as \(body.type.rawValue)")
        return Event(body: body, seq: seq, recordedAt: recordedAt, actor: actor, onBehalfOf: onBehalfOf, student: student,
                     requestId: requestId, type: type)
    }

    /// The type and request ID of a stored event, without decoding its data: enough to
    /// replay state that ignores events of that type (`SharedState.ignoredTypes`) at a
    /// fraction of the cost of `decodeStored`.
    public static func peekStored(_ bytes: UnsafeRawBufferPointer) throws(StoredDecodeError) -> (type: EventType, requestId: String?) {
        var r = ByteReader(bytes)
        let code = try r.u16()
        guard let type = EventType(code: code) else { throw StoredDecodeError(offset: 0, message: "unknown event type code \(code)") }
        _ = try r.u8()
        let flags = try r.u8()
        guard flags & ~7 == 0 else { throw StoredDecodeError(offset: 3, message: "invalid envelope flags") }
        guard flags & 4 != 0 else { return (type, nil) }
        _ = try r.string()
        if flags & 1 != 0 { _ = try r.string() }
        if flags & 2 != 0 { _ = try r.string() }
        return (type, try r.string())
    }

    public static func decodeStored(_ bytes: [UInt8], seq: UInt64, recordedAt: Timestamp) throws(StoredDecodeError) -> Event {
        let result: Result<Event, StoredDecodeError> = bytes.withUnsafeBytes { p in
            do throws(StoredDecodeError) { return .success(try decodeStored(p, seq: seq, recordedAt: recordedAt)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}

/// The student an item belongs to: item IDs are `<studentId>-<rest>` (assigned IDs are
/// `<studentId>-C<n>` for course outcomes, `<studentId>-P<n>` for performances). Student IDs
/// contain no `-`.
public func studentID(ofItem itemId: String) -> String? {
    let u = itemId.utf8
    guard let dash = u.firstIndex(of: UInt8(ascii: "-")), dash != u.startIndex,
          u.index(after: dash) != u.endIndex else { return nil }
    return String(itemId[..<dash])
}

/// Whether `item` is an item ID of `student` (a student ID has no `-`): what
/// `studentID(ofItem: item) == student` says, by bytes, without making the prefix a `String`.
func isItem(_ item: String, of student: String) -> Bool {
    ID.withBytes(item) { i in
        ID.withBytes(student) { s in
            i.count > s.count + 1 && i[s.count] == UInt8(ascii: "-")
                && String.sameBytes(UnsafeRawBufferPointer(rebasing: i[..<s.count]), s)
        }
    }
}
