import Foundation
import Testing
@testable import LichengDomain

@Suite struct CodecTests {
    @Test func everyEventTypeHasASample() {
        #expect(Set(sampleEvents().map(\.type)) == Set(EventType.allCases))
        #expect(Set(EventType.allCases.map(\.code)).count == EventType.allCases.count)
        for t in EventType.allCases { #expect(EventType(code: t.code) == t) }
    }

    /// An event's kept type is its body's, however it was made: by the initializer, decoded
    /// from its stored form or from JSON, or with its body replaced.
    @Test func theKeptTypeIsTheBodys() throws {
        let samples = sampleEvents()
        for (i, e) in samples.enumerated() {
            #expect(e.type == e.body.type)
            let decoded = try Event.decodeStored(e.encodeStored(), seq: 1, recordedAt: 2)
            #expect(decoded.type == e.type && decoded == Event(seq: 1, recordedAt: 2, actor: e.actor, onBehalfOf: e.onBehalfOf,
                                                                 student: e.student, requestId: e.requestId, body: e.body))
            #expect(try Event(json: .object(e.jsonObject(includeLogPosition: false))).type == e.type)
            var changed = e
            changed.body = samples[(i + 1) % samples.count].body
            #expect(changed.type == samples[(i + 1) % samples.count].type && changed.type == changed.body.type)
        }
    }

    /// The envelope peek used by shared-state replays agrees with the full decode.
    @Test(arguments: sampleEvents())
    func peekAgreesWithDecode(_ e: Event) throws {
        for requestId in [nil, "r-\(e.type.code)"] as [String?] {
            var event = e
            event.requestId = requestId
            let stored = event.encodeStored()
            let peek = try stored.withUnsafeBytes { (p: UnsafeRawBufferPointer) throws -> (type: EventType, requestId: String?) in
                try Event.peekStored(p)
            }
            #expect(peek.type == e.type && peek.requestId == requestId)
        }
    }

    /// A shared-state replay skips the data of the types it ignores: applying one of
    /// them must change nothing but the position.
    @Test func ignoredTypesChangeOnlyThePosition() throws {
        let base = try World.school().shared
        let ignored = sampleEvents().filter { SharedState.ignoredTypes.contains($0.type) }
        #expect(Set(ignored.map(\.type)) == SharedState.ignoredTypes)
        for var e in ignored {
            e.seq = base.lastSeq + 1
            e.recordedAt = base.lastRecordedAt + 1
            var applied = base, advanced = base
            applied.apply(e)
            advanced.advance(seq: e.seq, recordedAt: e.recordedAt)
            #expect(applied == advanced, "\(e.type.rawValue) changes the shared state: remove it from SharedState.ignoredTypes")
        }
    }

    @Test(arguments: sampleEvents())
    func jsonRoundTrip(_ e: Event) throws {
        let text = e.jsonString(includeLogPosition: false)
        var back = try Event.parseJSONLine(text, line: 1)
        back.seq = e.seq
        back.recordedAt = e.recordedAt
        #expect(back == e)
        // The full document (with seq and recordedAt) is stable.
        let full = e.jsonObject()
        #expect(Array(full.keys.prefix(4)) == ["seq", "recordedAt", "type", "actor"])
        #expect(full["recordedAt"]?.stringValue == Taipei.format(e.recordedAt))
        #expect(try JSONValue.parse(e.jsonString()) == .object(full))
    }

    @Test(arguments: sampleEvents())
    func storedRoundTrip(_ e: Event) throws {
        let bytes = e.encodeStored()
        #expect(bytes[0] == UInt8(e.type.code & 0xFF) && bytes[1] == UInt8(e.type.code >> 8))
        #expect(bytes[2] == e.type.schemaVersion)
        let back = try Event.decodeStored(bytes, seq: e.seq, recordedAt: e.recordedAt)
        #expect(back == e)
        #expect(back.streamKey == e.streamKey)
    }

    @Test(arguments: sampleEvents())
    func truncatedStoredBytesThrow(_ e: Event) {
        let bytes = e.encodeStored()
        for n in 0..<bytes.count {
            #expect(throws: StoredDecodeError.self) { try Event.decodeStored(Array(bytes[0..<n]), seq: 1, recordedAt: 0) }
        }
        #expect(throws: StoredDecodeError.self) { try Event.decodeStored(bytes + [0], seq: 1, recordedAt: 0) }
    }

    @Test func garbageStoredBytesNeverTrap() {
        var seed: UInt64 = 0x1234_5678
        func next() -> UInt64 { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return seed >> 33 }
        let samples = sampleEvents().map { $0.encodeStored() }
        var decoded = 0
        for i in 0..<20_000 {
            var bytes: [UInt8]
            if i % 2 == 0 {
                bytes = (0..<Int(next() % 64)).map { _ in UInt8(truncatingIfNeeded: next()) }
                if bytes.count >= 2 { bytes[0] = UInt8(next() % 41); bytes[1] = 0 }
                if bytes.count >= 3 { bytes[2] = UInt8(next() % 3) }
            } else {
                bytes = samples[Int(next() % UInt64(samples.count))]
                for _ in 0..<1 + Int(next() % 3) { bytes[Int(next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: next()) }
            }
            if let e = try? Event.decodeStored(bytes, seq: 1, recordedAt: 0) {
                decoded += 1
                // Whatever decodes can be shown and applied without trapping.
                _ = e.jsonString()
                var shared = SharedState()
                shared.apply(e)
                if let k = e.streamKey { var st = StudentState(id: k); st.apply(e) }
            }
        }
        #expect(decoded < 20_000)
    }

    @Test func unknownTypeCodeAndFutureVersionAreRefused() {
        var bytes = sampleEvents()[1].encodeStored()
        bytes[0] = 200
        #expect(throws: StoredDecodeError.self) { try Event.decodeStored(bytes, seq: 1, recordedAt: 0) }
        bytes = sampleEvents()[1].encodeStored()
        bytes[2] = 9
        #expect(throws: StoredDecodeError.self) { try Event.decodeStored(bytes, seq: 1, recordedAt: 0) }
    }

    static var fixtures: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/events")
    }

    static func hexBytes(_ name: String) throws -> [UInt8] {
        let text = try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
        let hex = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.joined().filter { !$0.isWhitespace }
        var out: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            out.append(UInt8(hex[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    /// A school-wide submission (the engine fills in every selected item) prints as JSON
    /// that parses back, however many items it names.
    @Test func aNationalSizeSubmissionReadsBackFromItsJSON() throws {
        let items = (0..<50_000).map { "S\(113_00000 + $0 / 20)-C\($0 % 20 + 1)" }
        let e = Event(seq: 7, recordedAt: 1_700_000_000_000_000, actor: "A001", body: .submissionMade(SubmissionMade(
            batchId: "113-course-outcomes", kind: .courseOutcomes, year: AcademicYear(113), items: items,
            students: Array(Set(items.map { String($0.prefix(while: { $0 != "-" })) })).sorted())))
        let back = try Event.parseJSONLine(e.jsonString(includeLogPosition: false), line: 1)
        #expect(back.body == e.body)
        let tooMany = "{\"type\":\"submission.made\",\"actor\":\"A001\",\"data\":{\"kind\":\"course-outcomes\",\"year\":113,\"items\":["
            + String(repeating: "\"S1-C1\",", count: (1 << 20)) + "\"S1-C1\"]}}"
        #expect(throws: InputError.self) { try Event.parseJSONLine(tooMany, line: 1) }
    }

    @Test func courseOutcomeUploadedVersion1FixtureUpcasts() throws {
        let bytes = try Self.hexBytes("course-outcome.uploaded.v1.hex")
        #expect(bytes[2] == 1)
        let e = try Event.decodeStored(bytes, seq: 7, recordedAt: ts("2024-10-01T10:00:00+08:00"))
        guard case .courseOutcomeUploaded(let d) = e.body else { Issue.record("wrong type"); return }
        #expect(e.actor == "S1130001" && e.student == "S1130001" && e.seq == 7)
        #expect(d.itemId == "S1130001-C1" && d.term == Term(113, 1) && d.courseId == "MATH1" && d.title == "Lab report")
        #expect(d.description == "")
        #expect(d.files == [FileEntry(name: "report.pdf", mediaType: "application/pdf", size: 2048, sha256: sha)])
        // Re-encoding writes the current version, which decodes to the same event.
        let v2 = e.encodeStored()
        #expect(v2[2] == 2)
        #expect(try Event.decodeStored(v2, seq: 7, recordedAt: e.recordedAt) == e)
    }

    @Test func currentVersionFixtureStillDecodes() throws {
        let bytes = try Self.hexBytes("course-outcome.uploaded.v2.hex")
        let e = try Event.decodeStored(bytes, seq: 8, recordedAt: 0)
        guard case .courseOutcomeUploaded(let d) = e.body else { Issue.record("wrong type"); return }
        #expect(d.description == "A short summary")
        #expect(e.encodeStored() == bytes)
    }

    // MARK: malformed JSON

    static let malformed: [(String, String?)] = [
        (#"{"type":"staff.registered","actor":"A001","data":{"staffId":"T1","name":"x","roles":["principal"]},"seq":3}"#, "seq"),
        (#"{"type":"staff.registered","actor":"A001","recordedAt":"2025-01-01","data":{}}"#, "recordedAt"),
        (#"{"type":"staff.hired","actor":"A001","data":{}}"#, "type"),
        (#"{"actor":"A001","data":{}}"#, "type"),
        (#"{"type":"staff.registered","data":{"staffId":"T1","name":"x","roles":["principal"]}}"#, "actor"),
        (#"{"type":"staff.registered","actor":"A001","colour":"red","data":{"staffId":"T1","name":"x","roles":["principal"]}}"#, "colour"),
        (#"{"type":"staff.registered","actor":"A001","data":{"staffId":"T1","name":"x","roles":["principal"],"age":3}}"#, "data.age"),
        (#"{"type":"staff.registered","actor":"A001","data":{"staffId":"T1","name":"x","roles":["janitor"]}}"#, "data.roles[0]"),
        (#"{"type":"staff.registered","actor":"A001","data":{"staffId":"T1","name":"x","roles":[]}}"#, "data.roles"),
        (#"{"type":"staff.registered","actor":"A001","data":{"staffId":"T 1","name":"x","roles":["principal"]}}"#, "data.staffId"),
        (#"{"type":"staff.registered","actor":"A001","data":{"staffId":"T1","roles":["principal"]}}"#, "data.name"),
        (#"{"type":"staff.registered","actor":"A001","data":{"staffId":5,"name":"x","roles":["principal"]}}"#, "data.staffId"),
        (#"{"type":"course-outcome.uploaded","actor":"S1","data":{"term":"113-1","courseId":"M","title":"t","files":[{"name":"a","mediaType":"application/pdf","size":1,"sha256":"\#(sha)"},{"name":"b","mediaType":"application/pdf","size":"big","sha256":"\#(sha)"}]}}"#, "data.files[1].size"),
        (#"{"type":"course-outcome.uploaded","actor":"S1","data":{"term":"113-1","courseId":"M","title":"t","files":[{"name":"a","mediaType":"application/pdf","size":1,"sha256":"xyz"}]}}"#, "data.files[0].sha256"),
        (#"{"type":"course-outcome.uploaded","actor":"S1","data":{"term":"113-3","courseId":"M","title":"t"}}"#, "data.term"),
        (#"{"type":"course-outcome.uploaded","actor":"S1","data":{"term":"113-1","courseId":"M","title":"\#(String(repeating: "長", count: 101))"}}"#, "data.title"),
        (#"{"type":"student.departed","actor":"A001","student":"S1","data":{"reason":"graduated","effectiveOn":"2025-02-30"}}"#, "data.effectiveOn"),
        (#"{"type":"schedule.window-set","actor":"D001","data":{"term":"113-1","kind":"selection","opensAt":"2025-01-01T00:00:00","closesAt":"2025-02-01"}}"#, "data.opensAt"),
        (#"{"type":"schedule.window-set","actor":"D001","data":{"term":"113-1","kind":"selection","opensAt":"2025-03-01","closesAt":"2025-02-01"}}"#, "data.closesAt"),
        (#"{"type":"course-outcome.certified","actor":"T001","data":{"itemId":"S1-C1","decision":"returned"}}"#, "data.reason"),
        (#"{"type":"grade.recorded","actor":"A001","student":"S1","data":{"courseId":"M","term":"113-1","score":101,"credits":2}}"#, "data.score"),
        (#"{"type":"proxy.assigned","actor":"D001","data":{"proxies":["T1"]}}"#, "data.staffId"),
        (#"{"type":"staff.registered","actor":"A001","data":[]}"#, "data"),
        (#"[1,2]"#, nil),
        (#"{"type":"staff.registered","actor":"A001","data":{"staffId":"T1",}}"#, nil),
        (#"{"type":"staff.registered","type":"staff.registered"}"#, nil),
        (#"{"type":"staff.registered""#, nil),
    ]

    @Test(arguments: 0..<malformed.count)
    func malformedJSONNamesTheField(_ i: Int) {
        let (text, field) = Self.malformed[i]
        do {
            _ = try Event.parseJSONLine(text, line: 12)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.line == 12)
            #expect(error.field == field, "\(error)")
            if field == nil { #expect(error.offset != nil || error.message.contains("object")) }
            #expect(error.description.hasPrefix("line 12"))
        }
    }

    @Test func invalidUTF8IsRefusedWithAnOffset() {
        var bytes = Array(#"{"type":"staff.registered","actor":"A"#.utf8)
        bytes.append(0xFF)
        bytes += Array(#"","data":{}}"#.utf8)
        #expect(throws: InputError.self) { try Event.parseJSONLine(bytes, line: 3) }
    }

    @Test func jsonStringEscapesAndUnicodeSurvive() throws {
        let v = try JSONValue.parse(#"{"a":"\u6797\n\"x\"\ud83d\ude00","b":[1,-2.5,true,null]}"#)
        #expect(v["a"]?.stringValue == "林\n\"x\"😀")
        #expect(try JSONValue.parse(v.serialized()) == v)
    }
}

@Suite struct DocumentedExampleTests {
    @Test func eventsDocExampleParsesDecidesAndPrintsAsDocumented() throws {
        let input = #"{"type":"course-outcome.uploaded","actor":"S1130001","data":{"term":"113-1","courseId":"MATH1","title":"函數報告","description":"以函數圖形分析生活中的數據","files":[{"name":"report.pdf","mediaType":"application/pdf","size":183204,"sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}]}}"#
        var w = try World.school()
        let p = try Event.parseJSONLine(input, line: 1)
        var e = try w.school.decide(p, now: ts("2024-10-01T19:00:00+08:00"))
        w.apply(e)
        e.seq = 42
        #expect(e.jsonString() == #"{"seq":42,"recordedAt":"2024-10-01T19:00:00+08:00","type":"course-outcome.uploaded","actor":"S1130001","student":"S1130001","data":{"itemId":"S1130001-C1","term":"113-1","courseId":"MATH1","title":"函數報告","description":"以函數圖形分析生活中的數據","files":[{"name":"report.pdf","mediaType":"application/pdf","size":183204,"sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}]}}"#)
    }
}

@Suite struct LargeStoredArrayTests {
    /// A national-scale submission carries hundreds of thousands of items; its
    /// stored form must read back (a 100,000-element cap once made it unreadable).
    @Test func submissionWithManyItemsRoundTrips() throws {
        let items = (0..<250_000).map { "S\(1_000_000 + $0 / 4)-C\($0 % 4 + 1)" }
        let e = Event(seq: 9, recordedAt: 1_733_000_000_000_000, actor: "T1",
                      body: .submissionMade(SubmissionMade(batchId: "115-course-outcomes-1", kind: .courseOutcomes,
                                                           year: AcademicYear(115), items: items, students: ["S1000000"])))
        let stored = e.encodeStored()
        #expect(try Event.decodeStored(stored, seq: 9, recordedAt: 1_733_000_000_000_000) == e)
    }

    /// `SharedState`'s hand-written `Codable` (a core state leaves out the school index) must
    /// name every stored property: a new one forgotten there would vanish from snapshots.
    @Test func sharedStateCodingKeysCoverEveryProperty() {
        let properties = Mirror(reflecting: SharedState()).children.compactMap(\.label)
        // `awaitingQueue` is derived: rebuilt from `awaitingCertification` when decoded.
        #expect(Set(properties).subtracting(["awaitingQueue"]) == Set(SharedState.CodingKeys.allCases.map(\.rawValue)))
    }
}
