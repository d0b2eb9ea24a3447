// One student's records, built from the events of that student's stream.

/// A record with its provenance: which event recorded it, when and by whom. `T` has no
/// constraints on the type itself (only on its conformances): the runtime then builds
/// `Recorded<GradeRecorded>` without looking up `GradeRecorded`'s conformances, each a scan
/// of every conformance record in the binary (~1M instructions per record type, paid by
/// every CLI command that loads a student).
public struct Recorded<T> {
    public var seq: UInt64
    public var at: Timestamp
    public var by: String
    /// `onBehalfOf` and `importedFrom`, nearly always nil, out of line.
    private var rare: RareStrings
    public var data: T
    public var onBehalfOf: String? {
        get { rare.first }
        set { rare.first = newValue }
    }
    /// The school code this record was imported from (a transfer), nil when recorded here.
    public var importedFrom: String? {
        get { rare.second }
        set { rare.second = newValue }
    }

    public init(seq: UInt64, at: Timestamp, by: String, onBehalfOf: String?, data: T, importedFrom: String? = nil) {
        self.seq = seq; self.at = at; self.by = by; self.data = data
        rare = RareStrings(onBehalfOf, importedFrom)
    }
}

extension Recorded: Sendable where T: Sendable {}
extension Recorded: Equatable where T: Equatable {}
extension Recorded: Codable where T: Codable {
    enum CodingKeys: String, CodingKey { case seq, at, by, onBehalfOf, data, importedFrom }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(seq: try c.decode(UInt64.self, forKey: .seq), at: try c.decode(Timestamp.self, forKey: .at),
                  by: try c.decode(String.self, forKey: .by), onBehalfOf: try c.decodeIfPresent(String.self, forKey: .onBehalfOf),
                  data: try c.decode(T.self, forKey: .data), importedFrom: try c.decodeIfPresent(String.self, forKey: .importedFrom))
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(seq, forKey: .seq); try c.encode(at, forKey: .at); try c.encode(by, forKey: .by)
        try c.encodeIfPresent(onBehalfOf, forKey: .onBehalfOf); try c.encode(data, forKey: .data)
        try c.encodeIfPresent(importedFrom, forKey: .importedFrom)
    }
}

/// Two optional strings that are nearly always both nil (a proxy's ID, an import's school
/// code, a note), in 8 bytes instead of 32: a shared box is allocated only when one is set.
struct RareStrings: Sendable, Equatable {
    private final class Box: Sendable {
        let first: String?, second: String?
        init(_ first: String?, _ second: String?) { self.first = first; self.second = second }
    }
    private var box: Box?

    init(_ first: String?, _ second: String?) {
        box = first == nil && second == nil ? nil : Box(first, second)
    }
    var first: String? {
        get { box?.first }
        set { self = RareStrings(newValue, second) }
    }
    var second: String? {
        get { box?.second }
        set { self = RareStrings(first, newValue) }
    }
    static func == (a: RareStrings, b: RareStrings) -> Bool { a.first == b.first && a.second == b.second }
}

public struct Registry: Codable, Sendable, Equatable {
    public var name: String
    public var `class`: String
    public var nationalId: String?
    public var admittedOn: LocalDate?
    public var enrolledSeq: UInt64
    public var departedOn: LocalDate?
    public var departureReason: DepartureReason?
    /// The (Asia/Taipei) day the departure was recorded: the retention clock starts at
    /// the later of this and `departedOn`, so a backdated departure cannot shorten it.
    public var departureRecordedOn: LocalDate?
    /// Set for a student who arrived by transfer.
    public var transferredFrom: String?
    public var transferredTo: String?
}

/// What happened to an item (its history's `action`; the raw values are the JSON form).
public enum ItemAction: String, Codable, Sendable, CaseIterable {
    case uploaded, reUploaded = "re-uploaded", withdrawn, certified, returned, selected, deselected
    case receiptConfirmed = "receipt-confirmed", receiptDisputed = "receipt-disputed", disputeResolved = "dispute-resolved"
}

extension ItemAction {
    init(_ decision: CertificationDecision) {
        switch decision {
        case .certified: self = .certified
        case .returned: self = .returned
        }
    }
}

public struct ItemHistoryEntry: Codable, Sendable, Equatable {
    public var seq: UInt64
    public var at: Timestamp
    public var actor: String
    /// `onBehalfOf` and `detail`, mostly nil, out of line (48 bytes an entry instead of 72).
    private var rare: RareStrings
    public var action: ItemAction
    public var onBehalfOf: String? {
        get { rare.first }
        set { rare.first = newValue }
    }
    public var detail: String? {
        get { rare.second }
        set { rare.second = newValue }
    }

    public init(seq: UInt64, at: Timestamp, action: ItemAction, actor: String, onBehalfOf: String?, detail: String?) {
        self.seq = seq; self.at = at; self.action = action; self.actor = actor
        rare = RareStrings(onBehalfOf, detail)
    }

    enum CodingKeys: String, CodingKey { case seq, at, action, actor, onBehalfOf, detail }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(seq: try c.decode(UInt64.self, forKey: .seq), at: try c.decode(Timestamp.self, forKey: .at),
                  action: try c.decode(ItemAction.self, forKey: .action), actor: try c.decode(String.self, forKey: .actor),
                  onBehalfOf: try c.decodeIfPresent(String.self, forKey: .onBehalfOf), detail: try c.decodeIfPresent(String.self, forKey: .detail))
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(seq, forKey: .seq); try c.encode(at, forKey: .at); try c.encode(action, forKey: .action)
        try c.encode(actor, forKey: .actor); try c.encodeIfPresent(onBehalfOf, forKey: .onBehalfOf)
        try c.encodeIfPresent(detail, forKey: .detail)
    }
}

/// A portfolio item: a course outcome (課程學習成果) or a diverse performance (多元表現).
///
/// What the rules read is held in fields (64 bytes an item: a replay holds every one); what
/// only a query shows is kept in one heap buffer per item (`storage`): the content's length
/// (LEB128 varint) and the content (`ItemContent`: title, description, files), the details'
/// length and the details (`ItemDetails`: upload time, dates, category, provenance), then the
/// history's entries (`ItemHistory`). One block an item instead of
/// several saves block headers and malloc's rounding.
public struct Item: Sendable, Equatable, HoldsItemContent {
    // Declared in this order so that the fields pack into 64 bytes (Swift lays out a struct's
    // fields in declaration order).
    public var itemId: String
    public var courseId: String?
    private var storage: [UInt8]
    public var uploadSeq: UInt64
    public var term: Term?
    public var kind: ItemKind
    public var status: ItemStatus
    public var year: AcademicYear
    public var selected = false
    public var returnReason: ReturnReason?
    /// A batch (`submission.made`) carried the item. Which one is the student's to say
    /// (`StudentState.submittedIn(_:)`): the last of the student's batches that lists it.
    public var submitted = false

    /// Field by field, the IDs by their bytes as every table keys them (`ID`): two items whose
    /// IDs Unicode calls equal but whose bytes differ are two items, here too.
    public static func == (a: Item, b: Item) -> Bool {
        ID.sameBytes(a.itemId, b.itemId) && a.courseId.map(ID.init) == b.courseId.map(ID.init) && a.storage == b.storage
            && a.uploadSeq == b.uploadSeq && a.term == b.term && a.kind == b.kind && a.status == b.status && a.year == b.year
            && a.selected == b.selected && a.returnReason == b.returnReason && a.submitted == b.submitted
    }

    public init(itemId: String, kind: ItemKind, term: Term? = nil, year: AcademicYear, courseId: String? = nil,
                category: PerformanceCategory? = nil, title: String, description: String, files: [FileEntry],
                startedOn: LocalDate? = nil, endedOn: LocalDate? = nil, status: ItemStatus, selected: Bool = false,
                returnReason: ReturnReason? = nil, uploadSeq: UInt64, uploadedAt: Timestamp, history: [ItemHistoryEntry] = [],
                importedFrom: String? = nil, submitted: Bool = false) {
        // The content straight into the item's buffer (no `ItemContent` array in between).
        let h = ItemHistory(history).bytes
        self.init(itemId: itemId, kind: kind, term: term, year: year, courseId: courseId, category: category,
                  contentSize: ItemContent.encodedSize(title: title, description: description, files: files),
                  { ItemContent.write(title: title, description: description, files: files, to: &$0) },
                  startedOn: startedOn, endedOn: endedOn, status: status, selected: selected, returnReason: returnReason,
                  uploadSeq: uploadSeq, uploadedAt: uploadedAt, historySize: h.count, { $0.bytes(h) }, room: 0,
                  importedFrom: importedFrom, submitted: submitted)
    }

    /// An item just uploaded, of a content already made (the upload event's), with its one
    /// history entry, `uploaded`: both written straight into the item's buffer, which keeps
    /// `room` bytes free after them for an entry expected soon.
    public init(itemId: String, kind: ItemKind, term: Term? = nil, year: AcademicYear, courseId: String? = nil,
                category: PerformanceCategory? = nil, content: ItemContent,
                startedOn: LocalDate? = nil, endedOn: LocalDate? = nil, status: ItemStatus, uploadSeq: UInt64,
                uploadedAt: Timestamp, uploaded: ItemHistoryEntry, room: Int = 0) {
        self.init(itemId: itemId, kind: kind, term: term, year: year, courseId: courseId, category: category, content: content,
                  startedOn: startedOn, endedOn: endedOn, status: status, uploadSeq: uploadSeq, uploadedAt: uploadedAt,
                  uploadedBy: uploaded.actor, onBehalfOf: uploaded.onBehalfOf, action: uploaded.action,
                  detail: uploaded.detail, entrySeq: uploaded.seq, entryAt: uploaded.at, room: room)
    }

    /// An item just uploaded, its one history entry given by its parts (an upload event's
    /// actor and proxy, at the upload's seq and time unless `entrySeq`/`entryAt` say otherwise),
    /// not copied into an entry first.
    init(itemId: String, kind: ItemKind, term: Term? = nil, year: AcademicYear, courseId: String? = nil,
         category: PerformanceCategory? = nil, content: ItemContent, startedOn: LocalDate? = nil, endedOn: LocalDate? = nil,
         status: ItemStatus, uploadSeq: UInt64, uploadedAt: Timestamp, uploadedBy actor: String, onBehalfOf: String?,
         action: ItemAction = .uploaded, detail: String? = nil, entrySeq: UInt64? = nil, entryAt: Timestamp? = nil, room: Int = 0) {
        let first = ItemHistory.Encoded(first: entrySeq ?? uploadSeq, at: entryAt ?? uploadedAt, action: action,
                                        onBehalfOf: onBehalfOf, detail: detail)
        self.init(itemId: itemId, kind: kind, term: term, year: year, courseId: courseId, category: category,
                  contentSize: content.bytes.count, { $0.bytes(content.bytes) },
                  startedOn: startedOn, endedOn: endedOn, status: status, selected: false, returnReason: nil,
                  uploadSeq: uploadSeq, uploadedAt: uploadedAt,
                  historySize: first.size(actor: actor, onBehalfOf: onBehalfOf, detail: detail),
                  { first.write(actor: actor, onBehalfOf: onBehalfOf, detail: detail, to: &$0) }, room: room,
                  importedFrom: nil, submitted: false)
    }

    private init(itemId: String, kind: ItemKind, term: Term?, year: AcademicYear, courseId: String?,
                 category: PerformanceCategory?, contentSize: Int, _ writeContent: (inout RawWriter) -> Void,
                 startedOn: LocalDate?, endedOn: LocalDate?, status: ItemStatus, selected: Bool,
                 returnReason: ReturnReason?, uploadSeq: UInt64, uploadedAt: Timestamp,
                 historySize: Int, _ writeHistory: (inout RawWriter) -> Void, room: Int, importedFrom: String?, submitted: Bool) {
        self.itemId = itemId; self.kind = kind; self.term = term; self.year = year; self.courseId = courseId
        self.status = status; self.selected = selected; self.returnReason = returnReason; self.uploadSeq = uploadSeq
        self.submitted = submitted
        let details = ItemDetails(uploadedAt: uploadedAt, startedOn: startedOn, endedOn: endedOn, category: category,
                                  importedFrom: importedFrom)
        storage = Item.storage(contentSize: contentSize, writeContent, details, historySize: historySize, writeHistory, room: room)
    }

    public var history: [ItemHistoryEntry] {
        get { ItemHistory.entries(storage, start: sections.history) }
        set { storage = Item.storage(content, details, ItemHistory(newValue).bytes[...]) }
    }

    public var uploadedAt: Timestamp {
        get { details.uploadedAt }
        set { details.uploadedAt = newValue }
    }
    public var startedOn: LocalDate? {
        get { details.startedOn }
        set { details.startedOn = newValue }
    }
    public var endedOn: LocalDate? {
        get { details.endedOn }
        set { details.endedOn = newValue }
    }
    public var category: PerformanceCategory? {
        get { details.category }
        set { details.category = newValue }
    }
    /// The school code this item was imported from (a transfer), nil when uploaded here.
    public var importedFrom: String? {
        get { details.importedFrom }
        set { details.importedFrom = newValue }
    }

    /// The title, description and files as uploaded (see `ItemContent`).
    public var content: ItemContent {
        get { ItemContent(bytes: Array(storage[sections.content])) }
        set { storage = Item.storage(newValue, details, storage[sections.history...]) }
    }

    /// The fields only a query shows (see `ItemDetails`).
    var details: ItemDetails {
        get { ItemDetails(storage, at: sections.details.lowerBound) }
        set { storage = Item.storage(content, newValue, storage[sections.history...]) }
    }

    /// The history's entries, as bytes (see `ItemHistory`).
    public var historyLog: ItemHistory { ItemHistory(bytes: Array(storage[sections.history...])) }

    /// Adds an entry to the history; when the buffer grows, it keeps `room` bytes more for an
    /// entry expected soon.
    public mutating func appendHistory(_ e: ItemHistoryEntry, room: Int = 0) {
        ItemHistory.append(e, to: &storage, start: sections.history, room: room)
    }

    /// Adds the entry of event `e` (its seq, time, actor and proxy) with this action and detail.
    mutating func appendHistory(_ e: Event, _ action: ItemAction, _ detail: String? = nil, room: Int = 0) {
        ItemHistory.append(seq: e.seq, at: e.recordedAt, action: action, actor: e.actor, onBehalfOf: e.onBehalfOf,
                           detail: detail, to: &storage, start: sections.history, room: room)
    }

    /// How many history entries there are, without making them.
    public var historyCount: Int { ItemHistory.count(storage, start: sections.history) }

    /// Bytes the buffer has room for (for memory estimates).
    public var storageCapacity: Int { storage.capacity }

    /// Where the content and the details sit in `storage`, and where the history starts.
    private var sections: (content: Range<Int>, details: Range<Int>, history: Int) {
        var c = Cursor(bytes: storage)
        let n = Int(c.varint())
        let content = c.at..<c.at + n
        c.at += n
        let m = Int(c.varint())
        return (content, c.at..<c.at + m, c.at + m)
    }

    private static func storage(_ content: ItemContent, _ details: ItemDetails, _ history: ArraySlice<UInt8>) -> [UInt8] {
        storage(contentSize: content.bytes.count, { $0.bytes(content.bytes) }, details, historySize: history.count, { $0.bytes(history) }, room: 0)
    }

    /// The buffer: the content's length, the content (`writeContent` writes `n` bytes), the
    /// details' length and the details, then the history's bytes (`writeHistory` writes `h`);
    /// `room` bytes more are kept free at the end.
    private static func storage(contentSize n: Int, _ writeContent: (inout RawWriter) -> Void, _ details: ItemDetails,
                                historySize h: Int, _ writeHistory: (inout RawWriter) -> Void, room: Int) -> [UInt8] {
        let m = details.size
        let size = RawWriter.size(UInt64(n)) + n + RawWriter.size(UInt64(m)) + m + h
        return [UInt8].written(capacity: size, room: room) { w in
            w.varint(UInt64(n))
            let contentStart = w.at
            writeContent(&w)
            precondition(w.at - contentStart == n, "Item: content of \(w.at - contentStart) bytes sized as \(n)")
            w.varint(UInt64(m))
            details.write(&w)
            writeHistory(&w)
            precondition(w.at == size, "Item: \(w.at) bytes written, sized as \(size)")
        }.bytes
    }
}

/// The fields of an item that only a query shows, as bytes in the item's buffer: a flags byte
/// (bit 0 `startedOn`, 1 `endedOn`, 2 `category`, 3 `importedFrom` follow), `uploadedAt`
/// (zigzag varint of the microseconds), then those present in that order: dates as zigzag
/// varints of their day numbers, the category's raw value, the school code, each text a
/// varint length and UTF-8.
struct ItemDetails: Equatable {
    var uploadedAt: Timestamp
    var startedOn: LocalDate?
    var endedOn: LocalDate?
    var category: PerformanceCategory?
    var importedFrom: String?

    init(uploadedAt: Timestamp, startedOn: LocalDate?, endedOn: LocalDate?, category: PerformanceCategory?, importedFrom: String?) {
        self.uploadedAt = uploadedAt; self.startedOn = startedOn; self.endedOn = endedOn; self.category = category
        self.importedFrom = importedFrom
    }


    private var flags: UInt8 {
        (startedOn == nil ? 0 : 1) | (endedOn == nil ? 0 : 2) | (category == nil ? 0 : 4)
            | (importedFrom == nil ? 0 : 8)
    }

    var size: Int {
        1 + RawWriter.size(ZigZag.encode(uploadedAt))
            + (startedOn.map { RawWriter.size(ZigZag.encode(Int64($0.days))) } ?? 0)
            + (endedOn.map { RawWriter.size(ZigZag.encode(Int64($0.days))) } ?? 0)
            + RawWriter.size(category?.rawValue) + RawWriter.size(importedFrom)
    }

    func write(_ w: inout RawWriter) {
        w.byte(flags)
        w.varint(ZigZag.encode(uploadedAt))
        if let d = startedOn { w.varint(ZigZag.encode(Int64(d.days))) }
        if let d = endedOn { w.varint(ZigZag.encode(Int64(d.days))) }
        if let c = category { w.string(c.rawValue) }
        if let v = importedFrom { w.string(v) }
    }

    /// Reads what `write` wrote at `offset` of `bytes`.
    init(_ bytes: [UInt8], at offset: Int) {
        var c = Cursor(bytes: bytes, at: offset)
        let flags = c.byte()
        uploadedAt = ZigZag.decode(c.varint())
        func day() -> LocalDate { LocalDate(days: Int32(truncatingIfNeeded: ZigZag.decode(c.varint()))) }
        startedOn = flags & 1 != 0 ? day() : nil
        endedOn = flags & 2 != 0 ? day() : nil
        if flags & 4 != 0 {
            let raw = c.string()
            guard let v = PerformanceCategory(rawValue: raw) else { preconditionFailure("ItemDetails: category \(raw)") }
            category = v
        } else {
            category = nil
        }
        importedFrom = flags & 8 != 0 ? c.string() : nil
    }
}

/// The `Codable` form names the content's fields one by one, as the item had them before
/// they shared a buffer.
extension Item: Codable {
    enum CodingKeys: String, CodingKey {
        case itemId, kind, term, year, courseId, category, title, description, files, startedOn, endedOn, status, selected
        case returnReason, uploadSeq, uploadedAt, history, importedFrom, submitted
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(itemId: try c.decode(String.self, forKey: .itemId), kind: try c.decode(ItemKind.self, forKey: .kind),
                  term: try c.decodeIfPresent(Term.self, forKey: .term), year: try c.decode(AcademicYear.self, forKey: .year),
                  courseId: try c.decodeIfPresent(String.self, forKey: .courseId),
                  category: try c.decodeIfPresent(PerformanceCategory.self, forKey: .category),
                  title: try c.decode(String.self, forKey: .title), description: try c.decode(String.self, forKey: .description),
                  files: try c.decode([FileEntry].self, forKey: .files),
                  startedOn: try c.decodeIfPresent(LocalDate.self, forKey: .startedOn),
                  endedOn: try c.decodeIfPresent(LocalDate.self, forKey: .endedOn), status: try c.decode(ItemStatus.self, forKey: .status),
                  selected: try c.decode(Bool.self, forKey: .selected),
                  returnReason: try c.decodeIfPresent(ReturnReason.self, forKey: .returnReason),
                  uploadSeq: try c.decode(UInt64.self, forKey: .uploadSeq), uploadedAt: try c.decode(Timestamp.self, forKey: .uploadedAt),
                  history: try c.decode([ItemHistoryEntry].self, forKey: .history),
                  importedFrom: try c.decodeIfPresent(String.self, forKey: .importedFrom),
                  submitted: try c.decode(Bool.self, forKey: .submitted))
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(itemId, forKey: .itemId); try c.encode(kind, forKey: .kind); try c.encodeIfPresent(term, forKey: .term)
        try c.encode(year, forKey: .year); try c.encodeIfPresent(courseId, forKey: .courseId)
        try c.encodeIfPresent(category, forKey: .category); try c.encode(title, forKey: .title)
        try c.encode(description, forKey: .description); try c.encode(files, forKey: .files)
        try c.encodeIfPresent(startedOn, forKey: .startedOn); try c.encodeIfPresent(endedOn, forKey: .endedOn)
        try c.encode(status, forKey: .status); try c.encode(selected, forKey: .selected)
        try c.encodeIfPresent(returnReason, forKey: .returnReason); try c.encode(uploadSeq, forKey: .uploadSeq)
        try c.encode(uploadedAt, forKey: .uploadedAt); try c.encode(history, forKey: .history)
        try c.encodeIfPresent(importedFrom, forKey: .importedFrom); try c.encode(submitted, forKey: .submitted)
    }
}

/// What one `submission.made` holds of one student: whether the batch names the student,
/// and which of the student's items it carries.
public struct StudentSubmission: Codable, Sendable, Equatable {
    public var carriesStudent: Bool
    public var items: [String]
    public init(carriesStudent: Bool, items: [String]) { self.carriesStudent = carriesStudent; self.items = items }
}

/// One batch that carried this student or their items, and the student's receipt of it. The
/// batch ID is the submission event's string, shared by every student of the batch; the items
/// are positions in the student's `ItemTable` (items are never removed from it).
public struct StudentBatch: Codable, Sendable, Equatable {
    public let batchId: String
    /// Positions in the student's item table of the items the batch carries.
    public internal(set) var itemPositions: [UInt32]
    /// The batch names the student.
    public var carriesStudent: Bool
    /// The student's receipt of the batch: nil before the first confirmation or dispute.
    public internal(set) var receipt: StudentReceipt?
}

/// An academic year's selections of one kind, frozen once a submission carried them.
public struct FrozenSelection: Hashable, Codable, Sendable {
    public var year: AcademicYear
    public var kind: ItemKind
}

public struct StudentState: Codable, Sendable, Equatable {
    public let id: String
    public var registry: Registry?
    /// The student's records of each kind, as bytes (see `RecordLog`; `grades`, `cadres`, …
    /// give the records).
    public var gradeLog = RecordLog<GradeRecorded>()
    public var cadreLog = RecordLog<CadreRecorded>()
    public var counselingLog = RecordLog<CounselingRecorded>()
    public var coursePlanLog = RecordLog<CoursePlanRecorded>()
    public var electiveLog = RecordLog<ElectiveRegistered>()
    public var attendanceLog = RecordLog<AttendanceRecorded>()
    public var serviceLog = RecordLog<ServiceRecorded>()
    public var grades: [Recorded<GradeRecorded>] { gradeLog.records }
    /// How many records the student has, of every kind (grades, cadres, counseling, course
    /// plans, electives, attendance, service).
    public var recordCount: Int {
        gradeLog.count + cadreLog.count + counselingLog.count + coursePlanLog.count + electiveLog.count
            + attendanceLog.count + serviceLog.count
    }
    public var cadres: [Recorded<CadreRecorded>] { cadreLog.records }
    public var counseling: [Recorded<CounselingRecorded>] { counselingLog.records }
    public var coursePlans: [Recorded<CoursePlanRecorded>] { coursePlanLog.records }
    public var electives: [Recorded<ElectiveRegistered>] { electiveLog.records }
    public var attendance: [Recorded<AttendanceRecorded>] { attendanceLog.records }
    public var services: [Recorded<ServiceRecorded>] { serviceLog.records }
    public var autobiography: Recorded<AutobiographyRecorded>?
    /// The items in upload order, by ID.
    /// (Items are only ever added: a batch refers to the student's items by position.)
    public internal(set) var items = ItemTable()
    /// Course-outcome uploads that count against the quota (not withdrawn), per term.
    public var courseOutcomeUploads = SmallCounts<Term>()
    /// Performance uploads that count (not withdrawn), per academic year.
    public var performanceUploads = SmallCounts<AcademicYear>()
    public var courseOutcomeSelections = SmallCounts<AcademicYear>()
    public var performanceSelections = SmallCounts<AcademicYear>()
    /// The batches that carried this student or their items, in submission order, with the
    /// student's receipt of each (a short array: a student is in a few batches a year).
    public private(set) var batches: [StudentBatch] = []
    /// The years and kinds of selections a batch has carried: frozen (SPEC §4).
    public private(set) var frozenSelections: [FrozenSelection] = []
    /// requestId → seq of the events of this stream that carried one (a retried append is a no-op).
    public var requests = IDMap<UInt64>()
    public var purgedSeq: UInt64?
    public var nextCourseOutcome = 1
    public var nextPerformance = 1
    public var lastSeq: UInt64 = 0

    public init(id: String) { self.id = id }

    /// The `Codable` form keeps the names the records had as arrays (`grades`, …).
    enum CodingKeys: String, CodingKey {
        case id, registry, gradeLog = "grades", cadreLog = "cadres", counselingLog = "counseling", coursePlanLog = "coursePlans"
        case electiveLog = "electives", attendanceLog = "attendance", serviceLog = "services", autobiography, items
        case courseOutcomeUploads, performanceUploads, courseOutcomeSelections, performanceSelections, batches
        case frozenSelections, requests, purgedSeq, nextCourseOutcome, nextPerformance, lastSeq
    }

    /// Enrolled here (now or before a departure) and not purged.
    public var isEnrolled: Bool { registry != nil && purgedSeq == nil }
    /// Known to this school: enrolled at some time, or purged.
    public var isKnown: Bool { registry != nil || purgedSeq != nil }

    /// Were this student's selections of `kind` for `year` carried by a submission (frozen)?
    public func selectionsFrozen(_ year: AcademicYear, _ kind: ItemKind) -> Bool {
        frozenSelections.contains(FrozenSelection(year: year, kind: kind))
    }

    /// The batch with this ID that carried this student or their items.
    public func batch(_ batchId: String) -> StudentBatch? {
        batchIndex(batchId).map { batches[$0] }
    }

    private func batchIndex(_ batchId: String) -> Int? {
        batches.lastIndex { $0.batchId == batchId }
    }

    /// The last batch that carried the item at `position` of `items`; nil when none did.
    public func submittedIn(_ position: Int) -> String? {
        guard items[position].submitted else { return nil }
        let p = UInt32(position)
        return batches.last { $0.itemPositions.contains(p) }?.batchId
    }

    /// The last batch that carried the item with this ID; nil when none did or there is no such item.
    public func submittedIn(itemId: String) -> String? {
        items.position(of: itemId).flatMap(submittedIn)
    }

    /// Applies a `submission.made` (batch `batchId`, at `seq`) to this student: `share` is
    /// what the batch holds of the student. The shared state applies the event first (see
    /// `SchoolState.apply`).
    public mutating func applySubmission(_ share: StudentSubmission, batchId: String, seq: UInt64) {
        guard share.carriesStudent || !share.items.isEmpty else { return }
        lastSeq = max(lastSeq, seq)
        var positions: [UInt32] = []
        positions.reserveCapacity(share.items.count)
        for i in share.items {
            guard let p = items.position(of: i) else { continue }
            let (year, kind) = items.modify(at: p) { item in
                item.submitted = true
                return (item.year, item.kind)
            }
            positions.append(UInt32(p))
            let frozen = FrozenSelection(year: year, kind: kind)
            if !frozenSelections.contains(frozen) {
                frozenSelections.reserveCapacity(frozenSelections.count + 1)
                frozenSelections.append(frozen)
            }
        }
        // A batch ID submitted again (the rules refuse it) would replace the lists and keep the receipt.
        if let i = batchIndex(batchId) {
            batches[i].itemPositions = positions
            batches[i].carriesStudent = share.carriesStudent
        } else {
            let entry = StudentBatch(batchId: batchId, itemPositions: positions, carriesStudent: share.carriesStudent)
            // Grown by two: a student is in a few batches a year.
            if batches.count == batches.capacity { batches.reserveCapacity(batches.count + 2) }
            batches.append(entry)
        }
    }

    /// The next item ID `decide` assigns: `<studentId>-C<n>` / `<studentId>-P<n>`.
    public func nextItemId(_ kind: ItemKind) -> String {
        var n = kind == .courseOutcome ? nextCourseOutcome : nextPerformance
        while true {
            let id = "\(self.id)-\(kind == .courseOutcome ? "C" : "P")\(n)"
            if items[id] == nil { return id }
            n += 1
        }
    }

    public var orderedItems: [Item] { items.values }

    private func rec<T>(_ e: Event, _ d: T) -> Recorded<T> {
        Recorded(seq: e.seq, at: e.recordedAt, by: e.actor, onBehalfOf: e.onBehalfOf, data: d)
    }

    /// `n` of an assigned item ID `<student>-<letter><n>`; nil for any other ID.
    static func counter(_ itemId: String, student: String, letter: UInt8) -> Int? {
        ID.withBytes(itemId) { i in
            ID.withBytes(student) { s in
                guard i.count > s.count + 2, i.starts(with: s), i[s.count] == UInt8(ascii: "-"), i[s.count + 1] == letter else { return nil }
                var n = 0
                for c in i[(s.count + 2)...] {
                    guard c >= 48, c <= 57, n < Int.max / 10 - 9 else { return nil }
                    n = n * 10 + Int(c - 48)
                }
                return n
            }
        }
    }

    /// Applies the history imported from another school's transfer bundle (its events
    /// of this student, in order) and marks every record and item it produced as
    /// imported from `school`. Imported uploads and selections count toward this
    /// student's quotas like local ones (the national limits are per student and
    /// term/year, not per school). Call before applying `student.transferred-in`.
    public mutating func applyImported(_ events: [Event], from school: String) {
        // The other school's request IDs and receipts are not this store's: its batches
        // have IDs of their own (the same names may be used here for other batches).
        // Each batch keeps the receipt it had here before the import.
        let ownRequests = requests, ownBatches = batches
        for e in events { apply(e) }
        requests = ownRequests
        for i in batches.indices {
            let id = batches[i].batchId
            batches[i].receipt = ownBatches.last { $0.batchId == id }?.receipt
        }
        gradeLog.markImported(from: school); cadreLog.markImported(from: school); counselingLog.markImported(from: school)
        coursePlanLog.markImported(from: school); electiveLog.markImported(from: school)
        attendanceLog.markImported(from: school); serviceLog.markImported(from: school)
        if autobiography?.importedFrom == nil { autobiography?.importedFrom = school }
        items.updateEach { item in if item.importedFrom == nil { item.importedFrom = school } }
    }

    /// Applies one event of this student's stream.
    public mutating func apply(_ e: Event) {
        lastSeq = e.seq
        defer { if let r = e.requestId { requests[r] = e.seq } }
        switch e.body {
        case .studentEnrolled(let d):
            purgedSeq = nil // enrolled again after a purge: a new record
            registry = Registry(name: d.name, class: d.class, nationalId: d.nationalId, admittedOn: d.admittedOn, enrolledSeq: e.seq)
        case .studentTransferredIn(let d):
            purgedSeq = nil
            registry = Registry(name: d.name, class: d.class, enrolledSeq: e.seq, transferredFrom: d.sourceSchool)
        case .studentRecordUpdated(let d):
            if let v = d.name { registry?.name = v }
            if let v = d.class { registry?.class = v }
            if let v = d.nationalId { registry?.nationalId = v }
            if let v = d.admittedOn { registry?.admittedOn = v }
        case .studentDeparted(let d):
            registry?.departedOn = d.effectiveOn
            registry?.departureReason = d.reason
            registry?.departureRecordedOn = LocalDate(containing: e.recordedAt)
        case .studentReEnrolled(let d):
            registry?.departedOn = nil
            registry?.departureReason = nil
            registry?.departureRecordedOn = nil
            if let c = d.class { registry?.class = c }
        case .studentTransferredOut(let d):
            registry?.transferredTo = d.destinationSchool
        case .retentionPurged:
            // Nothing is kept: the purged events no longer replay (their request IDs neither).
            let keepId = id
            self = StudentState(id: keepId)
            purgedSeq = e.seq
            lastSeq = e.seq
        case .electiveRegistered(let d): electiveLog.append(e, d)
        case .gradeRecorded(let d): gradeLog.append(e, d)
        case .counselingRecorded(let d): counselingLog.append(e, d)
        case .coursePlanRecorded(let d): coursePlanLog.append(e, d)
        case .cadreRecorded(let d): cadreLog.append(e, d)
        case .attendanceRecorded(let d): attendanceLog.append(e, d)
        case .serviceRecorded(let d): serviceLog.append(e, d)
        case .autobiographyRecorded(let d): autobiography = rec(e, d)
        case .courseOutcomeUploaded(let d):
            guard let itemId = d.itemId else { return }
            let reUploaded: Void? = items.modifyValue(forKey: itemId) { old in
                // Re-upload of a returned outcome: same slot, new content.
                old.courseId = d.courseId
                old.content = d.content
                old.status = .uploaded; old.returnReason = nil
                old.appendHistory(e, .reUploaded, room: 20) // for the next decision
            }
            guard reUploaded == nil else { return }
            // A course outcome is decided on next, usually certified: room for that entry (~18
            // bytes with the teacher's ID; a return's reason may not fit) is kept now, so that
            // the decision does not copy the item.
            items.addNew(Item(itemId: itemId, kind: .courseOutcome, term: d.term, year: d.term.year, courseId: d.courseId,
                           content: d.content, status: .uploaded, uploadSeq: e.seq, uploadedAt: e.recordedAt,
                           uploadedBy: e.actor, onBehalfOf: e.onBehalfOf, room: 20))
            courseOutcomeUploads[d.term, default: 0] += 1
            if let n = StudentState.counter(itemId, student: id, letter: UInt8(ascii: "C")), n >= nextCourseOutcome { nextCourseOutcome = n + 1 }
        case .performanceUploaded(let d):
            guard let itemId = d.itemId, !items.contains(itemId) else { return }
            items.addNew(Item(itemId: itemId, kind: .performance, year: d.year, category: d.category, content: d.content,
                           startedOn: d.startedOn, endedOn: d.endedOn, status: .uploaded, uploadSeq: e.seq,
                           uploadedAt: e.recordedAt, uploadedBy: e.actor, onBehalfOf: e.onBehalfOf))
            performanceUploads[d.year, default: 0] += 1
            if let n = StudentState.counter(itemId, student: id, letter: UInt8(ascii: "P")), n >= nextPerformance { nextPerformance = n + 1 }
        case .courseOutcomeWithdrawn(let d), .performanceWithdrawn(let d):
            guard let (kind, term, year, wasSelected) = items.modifyValue(forKey: d.itemId, { item -> (ItemKind, Term?, AcademicYear, Bool)? in
                guard item.status != .withdrawn else { return nil }
                item.status = .withdrawn
                let wasSelected = item.selected
                item.selected = false
                item.appendHistory(e, .withdrawn, d.reason)
                return (item.kind, item.term, item.year, wasSelected)
            }) ?? nil else { return }
            if kind == .courseOutcome, let t = term { courseOutcomeUploads[t, default: 0] -= 1 } else { performanceUploads[year, default: 0] -= 1 }
            if wasSelected { countSelection(kind, year, -1) }
        case .courseOutcomeCertified(let d):
            items.modifyValue(forKey: d.itemId) { item in
                item.status = d.decision == .certified ? .certified : .returned
                item.returnReason = d.reason
                let detail: String? = switch (d.reason?.rawValue, d.comment) {
                case (nil, nil): nil
                case (let r?, nil): r
                case (nil, let c?): c.isEmpty ? nil : c
                case (let r?, let c?): r + ": " + c
                }
                item.appendHistory(e, ItemAction(d.decision), detail)
            }
        case .itemSelected(let d):
            guard let (kind, year) = items.modifyValue(forKey: d.itemId, { item -> (ItemKind, AcademicYear)? in
                guard !item.selected else { return nil }
                item.selected = true
                // A selected item is submitted, and the receipt of its batch is then written into
                // every item of the batch: room for the usual one (the student confirming on the
                // platform, ~29–32 bytes with the batch ID) is made now, while the buffer grows
                // anyway.
                item.appendHistory(e, .selected, room: 32)
                return (item.kind, item.year)
            }) ?? nil else { return }
            countSelection(kind, year, 1)
        case .itemDeselected(let d):
            guard let (kind, year) = items.modifyValue(forKey: d.itemId, { item -> (ItemKind, AcademicYear)? in
                guard item.selected else { return nil }
                item.selected = false
                item.appendHistory(e, .deselected)
                return (item.kind, item.year)
            }) ?? nil else { return }
            countSelection(kind, year, -1)
        case .receiptConfirmed(let d):
            receive(d.batchId, .confirmed, d.method, e, .receiptConfirmed, d.batchId)
        case .receiptDisputed(let d):
            receive(d.batchId, .disputed, nil, e, .receiptDisputed, d.reason)
        case .receiptDisputeResolved(let d):
            receive(d.batchId, .resolved, nil, e, .disputeResolved, d.resolution)
        case .storeInitialized, .staffRegistered, .staffRolesChanged, .staffDeparted, .staffAccountExtended,
             .staffUnavailable, .staffAvailable, .proxyAssigned, .workingGroupMemberSet, .workingGroupMeetingHeld,
             .scheduleWindowSet, .policySet, .trainingHeld, .courseOffered, .submissionMade, .schoolTrusted:
            break
        }
    }

    private mutating func countSelection(_ kind: ItemKind, _ year: AcademicYear, _ change: Int) {
        if kind == .courseOutcome { courseOutcomeSelections[year, default: 0] += change } else { performanceSelections[year, default: 0] += change }
    }

    /// Records the student's receipt of a batch and adds the entry of `e` to the history of each of
    /// the student's items in it. (The rules accept a receipt only for a batch that carries the
    /// student; one for a batch this state does not hold changes nothing.)
    private mutating func receive(_ batchId: String, _ status: ReceiptStatus, _ method: ReceiptMethod?,
                                  _ e: Event, _ action: ItemAction, _ detail: String?) {
        guard let b = batchIndex(batchId) else { return }
        batches[b].receipt = StudentReceipt.after(batches[b].receipt, status, method: method)
        for p in batches[b].itemPositions { items.modify(at: Int(p)) { $0.appendHistory(e, action, detail) } }
    }
}
