import Foundation
import Testing
@testable import LichengDomain

/// The compact forms of the replayed state behave like the plain ones they replaced.
@Suite struct CompactStateTests {
    func item(_ id: String, _ title: String = "t") -> Item {
        Item(itemId: id, kind: .performance, year: AcademicYear(113), title: title, description: "", files: [],
             status: .uploaded, uploadSeq: 1, uploadedAt: 0)
    }

    @Test func keepsUploadOrderAndFindsByID() {
        var t = ItemTable()
        for id in ["S1-P3", "S1-P1", "S1-P2"] { t.add(item(id)) }
        #expect(t.keys == ["S1-P3", "S1-P1", "S1-P2"])
        #expect(t["S1-P1"]?.itemId == "S1-P1" && t["S1-P9"] == nil && t.contains("S1-P2") && !t.contains("S1-P9"))
        // Replacing keeps the position; a new ID goes to the end.
        t["S1-P1"] = item("S1-P1", "changed")
        t["S1-P4"] = item("S1-P4")
        #expect(t.keys == ["S1-P3", "S1-P1", "S1-P2", "S1-P4"] && t["S1-P1"]?.title == "changed")
        t.add(item("S1-P3", "again"))
        #expect(t.count == 4 && t["S1-P3"]?.title == "again" && t.first?.title == "again")
    }

    @Test func removingReindexesTheItemsAfter() {
        var t = ItemTable([item("A-1"), item("A-2"), item("A-3"), item("A-4")])
        t["A-2"] = nil
        t["A-9"] = nil
        #expect(t.keys == ["A-1", "A-3", "A-4"])
        for id in ["A-1", "A-3", "A-4"] { #expect(t[id]?.itemId == id) }
        #expect(t.modifyValue(forKey: "A-4") { $0.selected = true; return 7 } == 7 && t["A-4"]!.selected)
        #expect(t.modifyValue(forKey: "A-2") { _ in 1 } == nil)
    }

    /// Items are found by their IDs' bytes, as the school's item index (`IDMap`) finds them,
    /// in a scanned table and in a hashed one: IDs Unicode calls equal are two items, and the
    /// same bytes however the string was made are one.
    @Test func itemsAreFoundByTheirIDsBytes() {
        let composed = "S1-\u{E9}", decomposed = "S1-e\u{301}"
        for size in [3, ItemTable.scanLimit + 3] {
            var t = ItemTable()
            for n in 0..<(size - 2) { t.add(item("S1-P\(n)")) }
            t.add(item(composed, "composed"))
            t.add(item(decomposed, "decomposed"))
            #expect(t.count == size && t[composed]?.title == "composed" && t[decomposed]?.title == "decomposed")
            #expect(t[IDMapTests.native("S1-P0")]?.itemId == "S1-P0" && t[IDMapTests.native(composed)]?.title == "composed")
        }
    }

    /// The item buffers' varints are LEB128: every bit length and the edges of each byte
    /// count, at every offset from the buffer's end, read back by `Cursor` and equal to the
    /// plain encoding.
    @Test func rawVarintsAreLEB128WhereverTheyAreWritten() {
        var values: [UInt64] = [0, 1, 0x7F, 0x80, UInt64.max, UInt64.max - 1]
        for bits in 1...63 { values += [1 << UInt64(bits), (1 << UInt64(bits)) - 1, (1 << UInt64(bits)) + 1] }
        values += (0..<200).map { UInt64($0) &* 0x9E37_79B9_7F4A_7C15 }
        func plain(_ v0: UInt64) -> [UInt8] {
            var v = v0, out: [UInt8] = []
            while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
            return out + [UInt8(v)]
        }
        for v in values {
            let expected = plain(v)
            for slack in 0...9 {
                let (bytes, _) = [UInt8].written(capacity: 3 + expected.count + slack) { w in
                    w.byte(0xAA); w.byte(0xBB); w.varint(v); w.byte(0xCC)
                }
                #expect(bytes == [0xAA, 0xBB] + expected + [0xCC], "\(v) with \(slack) bytes to spare")
                var c = Cursor(bytes: bytes, at: 2)
                #expect(c.varint() == v && c.byte() == 0xCC)
            }
        }
    }

    /// Tables larger than `scanLimit` find items through a hash table of positions, built when
    /// the table grows past the limit and rebuilt on a removal: each size on both sides of it,
    /// against a plain dictionary.
    @Test func largeTablesFindTheSameItemsAsSmallOnes() {
        let limit = ItemTable.scanLimit
        var t = ItemTable(), plain: [String: Int] = [:], order: [String] = []
        for n in 0..<(limit * 2 + 5) {
            let id = "S1-P\(n)"
            t.add(item(id, "v\(n)")); plain[id] = n; order.append(id)
            // A replacement keeps the position, across the limit too.
            if n % 7 == 0 { t.add(item("S1-P\(n / 2)", "w\(n)")) }
        }
        #expect(t.keys == order && t.count == limit * 2 + 5)
        for id in order { #expect(t[id]?.itemId == id) }
        #expect(t["S1-P\(limit * 3)"] == nil && !t.contains("S1-P-1"))
        // Remove from the middle until the table is small again; every lookup still agrees.
        var n = 0
        while t.count > limit - 3 {
            let id = order.remove(at: order.count / 2)
            t[id] = nil
            #expect(t[id] == nil && t.keys == order)
            n += 1
            if n % 5 == 0 { for id in order { #expect(t[id]?.itemId == id) } }
        }
        for id in order { #expect(t[id]?.itemId == id && t.modifyValue(forKey: id) { $0.itemId } == id) }
        // Growing past the limit again rebuilds the positions.
        for k in 0..<(limit + 2) { let id = "S2-C\(k)"; t.add(item(id)); order.append(id) }
        for id in order { #expect(t[id]?.itemId == id) }
        #expect(t.keys == order)
    }

    /// An item's title, description and files read back from their one buffer as they were
    /// given: empty and long texts (varint lengths of one to three bytes), Chinese, digests held
    /// compactly and as text, sizes at the varint's edges; the item's setters change one part.
    @Test func itemContentReadsBackWhatItWasGiven() throws {
        // A replay holds one of each per item of the school: their sizes are part of the design.
        #expect(MemoryLayout<Item>.stride <= 64 && MemoryLayout<ItemInfo>.stride <= 8)
        let hex = String(repeating: "0123456789abcdef", count: 4)
        let files = [
            FileEntry(name: "報告.pdf", mediaType: "application/pdf", size: 0, sha256: hex),
            FileEntry(name: "", mediaType: "", size: 127, sha256: "not a digest"),
            FileEntry(name: "a", mediaType: "image/png", size: 128, sha256: String(hex.reversed())),
            FileEntry(name: String(repeating: "x", count: 200), mediaType: "video/mp4", size: 1 << 40, sha256: hex.uppercased()),
            FileEntry(name: "n", mediaType: "m", size: -1, sha256: ""),
        ]
        for (title, description) in [("", ""), ("數學小論文", String(repeating: "說明", count: 100)),
                                     (String(repeating: "t", count: 20_000), "d\u{0}e")] {
            for n in 0...files.count {
                let c = ItemContent(title: title, description: description, files: Array(files.prefix(n)))
                #expect(c.title == title && c.description == description && c.fileCount == n)
                #expect(c.files == Array(files.prefix(n)))
                #expect(c.files.map(\.digest.isCompact) == files.prefix(n).map(\.digest.isCompact))
                #expect(c.files.map(\.sha256) == files.prefix(n).map(\.sha256))
                // An item writes its content straight into its own buffer: the same bytes.
                let direct = Item(itemId: "S1-C1", kind: .courseOutcome, year: AcademicYear(113), title: title, description: description,
                                  files: Array(files.prefix(n)), status: .uploaded, uploadSeq: 1, uploadedAt: 0)
                #expect(direct.content == c && direct.title == title && direct.files == c.files)
            }
        }
        #expect(ItemContent(title: "a", description: "b", files: []) != ItemContent(title: "a", description: "", files: []))
        var it = item("S1-C1", "old")
        it.files = Array(files.prefix(2))
        it.description = "new description"
        it.title = "new"
        #expect(it.title == "new" && it.description == "new description" && it.files == Array(files.prefix(2)))
        let back = try JSONDecoder().decode(Item.self, from: JSONEncoder().encode(it))
        #expect(back == it)
        let keys = try JSONSerialization.jsonObject(with: JSONEncoder().encode(it)) as? [String: Any]
        #expect(keys?["title"] as? String == "new" && (keys?["files"] as? [Any])?.count == 2 && keys?["content"] == nil)
    }

    /// An item's history reads back entry by entry: every action, the first entry's actor
    /// repeated and not, proxies and details in each combination, seqs and times before the
    /// first entry's (an imported history) and far from it.
    @Test func itemHistoryReadsBackEveryEntry() {
        var entries: [ItemHistoryEntry] = []
        let actors = ["S1130001", "T001", "S1130001", "", "教師甲"]
        for (n, action) in ItemAction.allCases.enumerated() {
            for k in 0..<4 {
                let seq: UInt64 = n == 0 && k == 0 ? 1_000 : [UInt64(3), 999, 1_001, UInt64.max, 1 << 40][(n + k) % 5]
                let at: Int64 = [1_700_000_000_000_000, -5, 0, Int64.max, Int64.min][(n * 3 + k) % 5]
                entries.append(ItemHistoryEntry(seq: seq, at: at, action: action, actor: actors[(n + k) % actors.count],
                                                onBehalfOf: k & 1 == 0 ? nil : "T00\(n)", detail: k & 2 == 0 ? nil : "錯誤檔案 \(k)"))
            }
        }
        var log = ItemHistory()
        for (i, e) in entries.enumerated() {
            log.append(e)
            #expect(log.entries == Array(entries.prefix(i + 1)) && log.count == i + 1)
        }
        #expect(ItemHistory(entries) == log && ItemHistory() != log && ItemHistory().entries.isEmpty)
        var it = item("S1-C1")
        it.history = entries
        #expect(it.history == entries && it.history.map(\.detail) == entries.map(\.detail))
        // Content and history share the item's buffer: changing one keeps the other.
        it.files = [FileEntry(name: "a.pdf", mediaType: "application/pdf", size: 9, sha256: "x")]
        it.title = String(repeating: "長", count: 300)
        #expect(it.history == entries && it.historyCount == entries.count)
        it.appendHistory(entries[0])
        #expect(it.history == entries + [entries[0]] && it.title == String(repeating: "長", count: 300) && it.files.count == 1)
        #expect(it.historyLog.entries == it.history && it.content.fileCount == 1)
    }

    /// A student's records read back from their bytes as they were recorded: proxies and
    /// imports in each combination, extreme seqs and times, Chinese text, fractional scores;
    /// marking imported touches only the unmarked ones.
    @Test func recordLogsReadBackEveryRecord() throws {
        var grades: [Recorded<GradeRecorded>] = [], talks: [Recorded<CounselingRecorded>] = []
        for k in 0..<12 {
            let seq: UInt64 = [1, 127, 128, UInt64.max][k % 4]
            let at: Int64 = [0, -1, Int64.max, Int64.min, 1_700_000_000_000_000][k % 5]
            grades.append(Recorded(seq: seq, at: at, by: k % 3 == 0 ? "" : "T00\(k)", onBehalfOf: k & 1 == 0 ? nil : "T999",
                                   data: GradeRecorded(courseId: "MATH-\(k)", term: Term(113, k % 2 + 1), score: 59.5 + Double(k), credits: Int64(k)),
                                   importedFrom: k & 2 == 0 ? nil : "170301"))
            talks.append(Recorded(seq: seq, at: at, by: "C01", onBehalfOf: nil,
                                  data: CounselingRecorded(heldAt: Instant(1_700_000_000_000_000 + Int64(k)), place: "輔導室 \(k)", content: String(repeating: "談", count: k * 40), opinion: ""),
                                  importedFrom: nil))
        }
        var g = RecordLog<GradeRecorded>(), c = RecordLog<CounselingRecorded>()
        for (i, r) in grades.enumerated() {
            g.append(r)
            #expect(g.records == Array(grades.prefix(i + 1)) && g.count == i + 1)
        }
        for r in talks {
            c.append(r)
            // Records longer than the room (up to ~1,370 bytes here) leave no doubled buffer behind.
            #expect(c.encodedCapacity <= 2 * c.encodedCount + 2 * RecordLog<CounselingRecorded>.usualRecordBytes)
        }
        #expect(c.records == talks && RecordLog(talks) == c && RecordLog<CounselingRecorded>().records.isEmpty)
        g.markImported(from: "999999")
        #expect(g.records.map(\.importedFrom) == grades.map { $0.importedFrom ?? "999999" })
        #expect(g.records.map(\.data) == grades.map(\.data))
        let back = try JSONDecoder().decode(RecordLog<GradeRecorded>.self, from: JSONEncoder().encode(g))
        #expect(back == g)
    }

    /// Quota counters kept as sorted pairs answer like the dictionaries they replaced: any
    /// insertion order, counts going down to zero and below, the same Codable form.
    @Test func smallCountsAnswerLikeADictionary() throws {
        var small = SmallCounts<Term>(), plain: [Term: Int] = [:], other = SmallCounts<Term>()
        let terms = [Term(114, 2), Term(113, 1), Term(115, 1), Term(113, 2), Term(113, 1), Term(114, 2)]
        for (n, t) in terms.enumerated() {
            small[t, default: 0] += n % 2 == 0 ? 1 : -1
            plain[t, default: 0] += n % 2 == 0 ? 1 : -1
        }
        for t in terms.reversed() { other[t, default: 0] = plain[t]! }
        for t in terms + [Term(112, 1), Term(116, 2)] { #expect(small[t] == plain[t]) }
        #expect(small == other && small.pairs.map(\.key) == plain.keys.sorted() && !small.isEmpty && SmallCounts<Term>().isEmpty)
        #expect(small[Term(116, 1), default: 7] == 7 && small[Term(116, 1)] == nil)
        let json = try JSONEncoder().encode(small)
        #expect(try JSONDecoder().decode([Term: Int].self, from: json) == plain)
        #expect(try JSONDecoder().decode(SmallCounts<Term>.self, from: json) == small)
    }

    /// Every kind of record a student keeps reads back from its log as recorded: the values
    /// the rules accept, at their edges, with and without the optional fields.
    @Test func everyRecordKindReadsBackFromItsLog() {
        func roundTrip<T: FieldRecord>(_ values: [T]) {
            let records = values.enumerated().map { n, v in
                Recorded(seq: UInt64(n + 1), at: 1_700_000_000_000_000 + Int64(n), by: "T00\(n)", onBehalfOf: n == 1 ? "T999" : nil,
                         data: v, importedFrom: n == 2 ? "170301" : nil)
            }
            #expect(RecordLog(records).records == records, "\(T.self)")
        }
        let day = LocalDate(days: 19_700)
        roundTrip([GradeRecorded(courseId: "MATH-1", term: Term(113, 1), score: 0, credits: 0),
                   GradeRecorded(courseId: "數學甲", term: Term(199, 2), score: 100, credits: 20),
                   GradeRecorded(courseId: "C", term: Term(113, 2), score: 59.95, credits: 3)])
        roundTrip([CadreRecorded(level: .school, title: "班長", term: Term(113, 1)),
                   CadreRecorded(level: .club, title: "", term: Term(113, 2), unit: "學生會")])
        roundTrip([CounselingRecorded(heldAt: Instant(1_700_000_000_000_000), place: "輔導室", content: String(repeating: "談", count: 4000), opinion: "")])
        roundTrip([CoursePlanRecorded(term: Term(113, 1), groupExploration: "自然組", careerPlan: ""),
                   CoursePlanRecorded(term: Term(114, 2), groupExploration: "", careerPlan: String(repeating: "x", count: 300))])
        roundTrip([ElectiveRegistered(term: Term(113, 1), courseIds: []), ElectiveRegistered(term: Term(113, 2), courseIds: ["A", "B", "程式設計"])])
        roundTrip([AttendanceRecorded(term: Term(113, 1), excusedPeriods: 0, unexcusedPeriods: 0),
                   AttendanceRecorded(term: Term(113, 2), excusedPeriods: 999, unexcusedPeriods: 3, notes: "病假")])
        roundTrip([ServiceRecorded(date: day, organization: "醫院", hours: 2.5), ServiceRecorded(date: day, organization: "", hours: 0, description: "")])
        // An entry's action is four bits.
        #expect(ItemAction.allCases.count <= 16)
    }

    /// A student's state keeps the `Codable` names its records had as arrays.
    @Test func studentStateCodableKeepsTheRecordNames() throws {
        var st = StudentState(id: "S1")
        st.gradeLog.append(Recorded(seq: 1, at: 0, by: "T1", onBehalfOf: nil, data: GradeRecorded(courseId: "M", term: Term(113, 1), score: 90, credits: 2)))
        st.courseOutcomeUploads[Term(113, 1), default: 0] += 2
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(st)) as? [String: Any] ?? [:]
        #expect(json["grades"] != nil && json["cadres"] != nil && json["gradeLog"] == nil)
        #expect(try JSONDecoder().decode(StudentState.self, from: JSONEncoder().encode(st)) == st)
    }

    /// The fields only a query shows live in the item's buffer beside its content and history:
    /// each combination of them present and absent, at their edges, read back; setting one
    /// keeps the others, the content and the history.
    @Test func itemDetailsReadBackBesideContentAndHistory() {
        let entry = ItemHistoryEntry(seq: 5, at: 9, action: .uploaded, actor: "S1", onBehalfOf: nil, detail: nil)
        for mask in 0..<32 {
            let at: Timestamp = [0, -1, Int64.max, Int64.min][mask % 4]
            var it = Item(itemId: "S1-P\(mask)", kind: .performance, year: AcademicYear(113),
                          category: mask & 4 == 0 ? nil : .competition, title: "標題", description: "說明",
                          files: [FileEntry(name: "a.pdf", mediaType: "application/pdf", size: 1, sha256: String(repeating: "a", count: 64))],
                          startedOn: mask & 1 == 0 ? nil : LocalDate(days: Int32.min), endedOn: mask & 2 == 0 ? nil : LocalDate(days: Int32.max),
                          status: .uploaded, uploadSeq: 7, uploadedAt: at, history: [entry],
                          importedFrom: mask & 8 == 0 ? nil : "170301", submitted: mask & 16 != 0)
            #expect(it.uploadedAt == at && (it.startedOn != nil) == (mask & 1 != 0) && (it.endedOn != nil) == (mask & 2 != 0))
            #expect(it.startedOn.map { $0.days == Int32.min } ?? true && it.endedOn.map { $0.days == Int32.max } ?? true)
            #expect(it.category == (mask & 4 == 0 ? nil : .competition) && it.importedFrom == (mask & 8 == 0 ? nil : "170301"))
            #expect(it.submitted == (mask & 16 != 0))
            it.submitted = true
            it.importedFrom = nil
            it.category = .serviceLearning
            #expect(it.submitted && it.importedFrom == nil && it.category == .serviceLearning && it.uploadedAt == at)
            #expect(it.title == "標題" && it.files.count == 1 && it.history == [entry] && it.historyCount == 1)
            it.appendHistory(entry)
            #expect(it.history == [entry, entry] && it.submitted && it.description == "說明")
            // A new content keeps the details; new dates and times keep the content and history.
            it.title = ""
            it.files = []
            #expect(it.category == .serviceLearning && it.uploadedAt == at && it.startedOn == (mask & 1 == 0 ? nil : LocalDate(days: Int32.min)))
            it.uploadedAt = 0 &- at
            it.startedOn = LocalDate(days: -1)
            it.endedOn = nil
            it.importedFrom = ""
            #expect(it.uploadedAt == 0 &- at && it.startedOn == LocalDate(days: -1) && it.endedOn == nil && it.importedFrom == "")
            #expect(it.title == "" && it.files.isEmpty && it.description == "說明" && it.history == [entry, entry])
        }
    }

    @Test func equalityAndCodableFollowTheOrder() throws {
        let a = ItemTable([item("A-1"), item("A-2")]), b = ItemTable([item("A-2"), item("A-1")])
        #expect(a != b && a == ItemTable([item("A-1"), item("A-2")]))
        let back = try JSONDecoder().decode(ItemTable.self, from: JSONEncoder().encode(a))
        #expect(back == a && back["A-2"]?.itemId == "A-2")
        let twice = try JSONEncoder().encode([item("A-1"), item("A-1", "other")])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ItemTable.self, from: twice) }
    }

    @Test func compactTermsKeepTheirValuesAndCodableForm() throws {
        #expect(MemoryLayout<Term>.size <= 8 && MemoryLayout<AcademicYear>.size == 4)
        let t = Term(113, 2)
        #expect(t.year.value == 113 && t.semester == 2 && t.description == "113-2" && Term(113, 1) < t)
        // The Codable form of the Int fields they replaced, exactly; and that form reads back.
        let sorted = JSONEncoder()
        sorted.outputFormatting = .sortedKeys
        let json = String(decoding: try sorted.encode(t), as: UTF8.self)
        #expect(json == #"{"semester":2,"year":{"value":113}}"#)
        #expect(try JSONDecoder().decode(Term.self, from: Data(#"{"year":{"value":113},"semester":2}"#.utf8)) == t)
        // A stored form with a semester other than 1 or 2 is refused, not trapped on.
        let bad = json.replacingOccurrences(of: "\"semester\":2", with: "\"semester\":3")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Term.self, from: Data(bad.utf8)) }
        let huge = #"{"value":99999999999}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(AcademicYear.self, from: Data(huge.utf8)) }
    }

    @Test func fileDigestsKeepAnyTextAndHoldTheUsualFormInBytes() throws {
        let hex = "00ff10a9" + String(repeating: "0123456789abcdef", count: 3) + "deadbeef"
        let usual = FileEntry(name: "a.pdf", mediaType: "application/pdf", size: 3, sha256: hex)
        #expect(usual.digest.isCompact, "64 lowercase hex digits are held as bytes")
        #expect(usual.sha256 == hex && usual == FileEntry(name: "a.pdf", mediaType: "application/pdf", size: 3, sha256: hex))
        // Anything else is kept as written (events appended through the library are not all checked).
        for odd in ["", "abc", hex.uppercased(), String(hex.dropLast()) + "g", hex + "0", "數位" + String(hex.dropFirst(6))] {
            let f = FileEntry(sha256: odd)
            #expect(!f.digest.isCompact && f.sha256 == odd, "\(odd) changed")
        }
        // The stored form and the JSON form are the text, both ways.
        for f in [usual, FileEntry(name: "b", sha256: "ABC")] {
            var w = ByteWriter()
            f.write(to: &w)
            let back = try w.bytes.withUnsafeBytes { raw in
                var r = ByteReader(raw)
                return try FileEntry.read(from: &r, version: 1)
            }
            #expect(back == f)
            // The stored form is the text's: a length, then its UTF-8.
            var text = ByteWriter()
            text.string(f.sha256)
            #expect(w.bytes.suffix(text.bytes.count) == text.bytes[...])
            let json = try JSONEncoder().encode(f)
            #expect(String(decoding: json, as: UTF8.self).contains("\"sha256\":\"\(f.sha256)\""))
            #expect(try JSONDecoder().decode(FileEntry.self, from: json) == f)
        }
        var w = ByteWriter()
        w.string("x")
        w.bytes[1] = 0xFF  // not UTF-8, not hex: refused
        #expect(throws: StoredDecodeError.self) {
            try w.bytes.withUnsafeBytes { raw in var r = ByteReader(raw); _ = try FileDigest.read(from: &r, version: 1) }
        }
    }

    @Test func rarelySetProvenanceKeepsItsValuesAndForms() throws {
        var h = ItemHistoryEntry(seq: 7, at: 9, action: .certified, actor: "T1", onBehalfOf: nil, detail: nil)
        #expect(MemoryLayout<ItemHistoryEntry>.size <= 48 && h.onBehalfOf == nil && h.detail == nil)
        h.detail = "missing-file"
        #expect(h.detail == "missing-file" && h.onBehalfOf == nil)
        h.onBehalfOf = "T2"
        #expect(h.onBehalfOf == "T2" && h.detail == "missing-file")
        // Equal values are equal however they were built.
        #expect(h == ItemHistoryEntry(seq: 7, at: 9, action: .certified, actor: "T1", onBehalfOf: "T2", detail: "missing-file"))
        h.onBehalfOf = nil
        h.detail = nil
        #expect(h == ItemHistoryEntry(seq: 7, at: 9, action: .certified, actor: "T1", onBehalfOf: nil, detail: nil))

        var r = Recorded(seq: 1, at: 2, by: "T1", onBehalfOf: nil, data: GradeRecorded(courseId: "M", term: Term(113, 1), score: 90, credits: 2))
        r.importedFrom = "170301"
        #expect(r.importedFrom == "170301" && r.onBehalfOf == nil && r.data.score == 90)
        // The JSON forms of the stored fields they replaced: nil fields absent, set ones by name.
        let sorted = JSONEncoder()
        sorted.outputFormatting = .sortedKeys
        let hj = String(decoding: try sorted.encode(h), as: UTF8.self)
        #expect(hj == #"{"action":"certified","actor":"T1","at":9,"seq":7}"#)
        let rj = String(decoding: try sorted.encode(r), as: UTF8.self)
        #expect(rj.hasPrefix(#"{"at":2,"by":"T1","data":{"#) && rj.hasSuffix(#""importedFrom":"170301","seq":1}"#) && !rj.contains("onBehalfOf"))
        #expect(try JSONDecoder().decode(Recorded<GradeRecorded>.self, from: Data(rj.utf8)) == r)
        #expect(try JSONDecoder().decode(ItemHistoryEntry.self, from: Data(hj.utf8)) == h)
    }

    @Test func importedRecordsKeepTheirProxyAndGainTheirSchool() {
        // Another school's history of a student: a grade recorded by a proxy, an autobiography,
        // a withdrawn upload (the history entry's detail); then this school's own grade.
        let other: [Event] = [
            Event(seq: 5, recordedAt: 10, actor: "X9", onBehalfOf: "X1", student: "S1",
                  body: .gradeRecorded(GradeRecorded(courseId: "M", term: Term(113, 1), score: 88, credits: 2))),
            Event(seq: 6, recordedAt: 11, actor: "S1", student: "S1", body: .autobiographyRecorded(AutobiographyRecorded())),
            Event(seq: 7, recordedAt: 12, actor: "S1", student: "S1",
                  body: .performanceUploaded(PerformanceUploaded(itemId: "S1-P1", year: AcademicYear(113), title: "t", files: [pdf()]))),
            Event(seq: 8, recordedAt: 13, actor: "S1", student: "S1", body: .performanceWithdrawn(ItemWithdrawn(itemId: "S1-P1", reason: "錯誤檔案"))),
        ]
        var st = StudentState(id: "S1")
        st.applyImported(other, from: "170301")
        st.apply(Event(seq: 20, recordedAt: 30, actor: "T1", student: "S1",
                       body: .gradeRecorded(GradeRecorded(courseId: "E", term: Term(113, 2), score: 70, credits: 2))))
        #expect(st.grades.count == 2)
        #expect(st.grades[0].importedFrom == "170301" && st.grades[0].onBehalfOf == "X1" && st.grades[0].by == "X9")
        #expect(st.grades[1].importedFrom == nil && st.grades[1].onBehalfOf == nil)
        #expect(st.autobiography?.importedFrom == "170301" && st.autobiography?.onBehalfOf == nil)
        let item = st.items["S1-P1"]
        #expect(item?.importedFrom == "170301" && item?.history.map(\.detail) == [nil, "錯誤檔案"])
        // The portfolio shows both provenance fields of the imported, proxied grade.
        let grades = Portfolio(student: st, shared: SharedState()).jsonObject()["grades"]
        guard case .array(let list)? = grades, let first = list.first else { Issue.record("no grades in \(String(describing: grades))"); return }
        #expect(first["importedFrom"] == .string("170301") && first["onBehalfOf"] == .string("X1"))
    }

    /// Selecting an item keeps room in its buffer for the receipt entry its batch will bring:
    /// the receipt is written without the buffer being copied again, and the item is the same.
    @Test func aSelectionKeepsRoomForTheReceipt() {
        var st = StudentState(id: "S1130407")
        let batch = "113-performances-1"
        st.apply(Event(seq: 11_661, recordedAt: 1_732_000_000_000_000, actor: "S1130407", student: "S1130407",
                       body: .performanceUploaded(PerformanceUploaded(itemId: "S1130407-P1", year: AcademicYear(113), title: "電腦軟體應用丙級", files: [pdf()]))))
        st.apply(Event(seq: 812_345, recordedAt: 1_745_000_000_000_000, actor: "S1130407", student: "S1130407",
                       body: .itemSelected(ItemRef(itemId: "S1130407-P1"))))
        st.applySubmission(StudentSubmission(carriesStudent: true, items: ["S1130407-P1"]), batchId: batch, seq: 900_000)
        let before = st.items["S1130407-P1"]!.storageCapacity
        st.apply(Event(seq: 1_203_456, recordedAt: 1_749_000_000_000_000, actor: "S1130407", student: "S1130407",
                       body: .receiptConfirmed(ReceiptConfirmed(batchId: batch))))
        let item = st.items["S1130407-P1"]!
        #expect(item.storageCapacity == before)
        #expect(item.history.map(\.action) == [.uploaded, .selected, .receiptConfirmed] && item.history.last?.detail == batch)
    }

    /// An uploaded course outcome keeps room for the teacher's decision: certifying it writes
    /// the entry without the buffer being copied again.
    @Test func anUploadKeepsRoomForTheCertification() {
        var st = StudentState(id: "S1130407")
        st.apply(Event(seq: 14_459, recordedAt: 1_733_000_000_000_000, actor: "S1130407", student: "S1130407",
                       body: .courseOutcomeUploaded(CourseOutcomeUploaded(itemId: "S1130407-C2", term: Term(113, 1), courseId: "1131-112-CHI",
                                                                          title: "國語文實驗報告", description: "113-1學期國語文課程之閱讀心得", files: [pdf()]))))
        let before = st.items["S1130407-C2"]!.storageCapacity
        st.apply(Event(seq: 2_923_163, recordedAt: 1_735_500_000_000_000, actor: "T0031", student: "S1130407",
                       body: .courseOutcomeCertified(CourseOutcomeCertified(itemId: "S1130407-C2"))))
        let item = st.items["S1130407-C2"]!
        #expect(item.storageCapacity == before)
        #expect(item.history.map(\.action) == [.uploaded, .certified] && item.history.last?.actor == "T0031" && item.status == .certified)
    }

    /// A student's batch keeps the items it carried by position and the receipt's status,
    /// method and whether it was ever confirmed, through confirm, dispute, resolve, confirm.
    @Test func studentBatchesFollowTheirReceipts() {
        var st = StudentState(id: "S1")
        for (seq, n) in [(1, 1), (2, 2), (3, 3)] {
            st.apply(Event(seq: UInt64(seq), recordedAt: Int64(seq), actor: "S1", student: "S1",
                           body: .performanceUploaded(PerformanceUploaded(itemId: "S1-P\(n)", year: AcademicYear(113), title: "t", files: [pdf()]))))
        }
        let batch = "113-performances"
        st.applySubmission(StudentSubmission(carriesStudent: true, items: ["S1-P3", "S1-P1", "S1-P9"]), batchId: batch, seq: 4)
        st.applySubmission(StudentSubmission(carriesStudent: false, items: []), batchId: "113-cadres", seq: 5)
        #expect(st.batches.map(\.batchId) == [batch], "a batch with nothing of the student leaves no entry")
        #expect(st.batch(batch)?.itemPositions == [2, 0], "an item the student does not have is not kept")
        #expect(st.selectionsFrozen(AcademicYear(113), .performance) && !st.selectionsFrozen(AcademicYear(113), .courseOutcome))
        #expect(st.submittedIn(itemId: "S1-P3") == batch && st.submittedIn(itemId: "S1-P2") == nil && st.items["S1-P2"]?.submitted == false)
        let steps: [(EventBody, StudentReceipt)] = [
            (.receiptConfirmed(ReceiptConfirmed(batchId: batch, method: .mail)), StudentReceipt(status: .confirmed, method: .mail, everConfirmed: true)),
            (.receiptDisputed(ReceiptDisputed(batchId: batch, reason: "少一件")), StudentReceipt(status: .disputed, everConfirmed: true)),
            (.receiptDisputeResolved(ReceiptDisputeResolved(batchId: batch, resolution: "已說明")), StudentReceipt(status: .resolved, everConfirmed: true)),
            (.receiptConfirmed(ReceiptConfirmed(batchId: batch)), StudentReceipt(status: .confirmed, method: .platform, everConfirmed: true)),
        ]
        for (i, (body, expected)) in steps.enumerated() {
            st.apply(Event(seq: UInt64(10 + i), recordedAt: Int64(10 + i), actor: "S1", student: "S1", body: body))
            #expect(st.batch(batch)?.receipt == expected, "after step \(i)")
        }
        // Every receipt event is in the history of the batch's items, and only theirs.
        #expect(st.items["S1-P1"]?.history.count == 5 && st.items["S1-P3"]?.history.count == 5 && st.items["S1-P2"]?.history.count == 1)
        #expect(StudentReceipt.after(nil, .disputed) == StudentReceipt(status: .disputed, everConfirmed: false))
        // A later batch (a replacement) that carries an item is the one it was submitted in.
        st.applySubmission(StudentSubmission(carriesStudent: true, items: ["S1-P1"]), batchId: "113-performances-2", seq: 20)
        #expect(st.submittedIn(itemId: "S1-P1") == "113-performances-2" && st.submittedIn(itemId: "S1-P3") == batch)
        let shown = Portfolio(student: st, shared: SharedState()).items.map { $0.submittedIn }
        #expect(shown == ["113-performances-2", nil, batch])
    }

    /// Past the scan limit items are found through the table's index; a batch that carries
    /// items without naming the student still has an entry and marks them submitted.
    @Test func batchPositionsHoldInLargeTables() {
        var st = StudentState(id: "S1")
        for n in 1...70 {
            st.apply(Event(seq: UInt64(n), recordedAt: Int64(n), actor: "S1", student: "S1",
                           body: .performanceUploaded(PerformanceUploaded(itemId: "S1-P\(n)", year: AcademicYear(113), title: "t", files: [pdf()]))))
        }
        st.applySubmission(StudentSubmission(carriesStudent: false, items: ["S1-P70", "S1-P1", "S1-P66"]), batchId: "113-performances", seq: 80)
        #expect(st.batch("113-performances")?.carriesStudent == false)
        #expect(st.batch("113-performances")?.itemPositions == [69, 0, 65])
        #expect(["S1-P70", "S1-P1", "S1-P66"].allSatisfy { st.submittedIn(itemId: $0) == "113-performances" })
        #expect(st.submittedIn(itemId: "S1-P65") == nil && st.submittedIn(itemId: "S1-P71") == nil)
        st.apply(Event(seq: 81, recordedAt: 81, actor: "S1", student: "S1", body: .receiptConfirmed(ReceiptConfirmed(batchId: "113-performances"))))
        #expect(st.items["S1-P66"]?.historyCount == 2 && st.items["S1-P65"]?.historyCount == 1)
    }

    /// Items are equal field by field, IDs by their bytes: each field changed alone makes a
    /// different item, and IDs Unicode calls equal (a precomposed and a decomposed "é") are
    /// different items, as they are different keys of every table.
    @Test func itemsAreEqualByTheirFieldsAndTheBytesOfTheirIDs() {
        let base = Item(itemId: "S1-C1", kind: .courseOutcome, term: Term(113, 1), year: AcademicYear(113), courseId: "MATH",
                        title: "t", description: "d", files: [], status: .uploaded, uploadSeq: 7, uploadedAt: 1)
        #expect(base == base)
        #expect(Mirror(reflecting: base).children.count == 11, "Item changed: compare the new field in Item's ==")
        var changes: [(inout Item) -> Void] = [
            { $0.itemId = "S1-C2" }, { $0.courseId = "CHEM" }, { $0.courseId = nil }, { $0.uploadSeq = 8 },
            { $0.term = Term(113, 2) }, { $0.kind = .performance }, { $0.status = .certified }, { $0.year = AcademicYear(114) },
            { $0.selected = true }, { $0.returnReason = .wrongCourse }, { $0.submitted = true },
            { $0.content = ItemContent(title: "u", description: "d", files: []) },
        ]
        changes.append { $0.itemId = "S1-\u{E9}" }
        for change in changes {
            var other = base
            change(&other)
            #expect(other != base)
        }
        var composed = base, decomposed = base
        composed.itemId = "S1-\u{E9}"
        decomposed.itemId = "S1-e\u{301}"
        #expect(composed.itemId == decomposed.itemId, "Unicode calls them equal")
        #expect(composed != decomposed && composed == composed)
        var sameCourse = base
        sameCourse.courseId = String(decoding: Array("MATH".utf8), as: UTF8.self)
        #expect(sameCourse == base)
    }
}
