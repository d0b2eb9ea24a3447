// `bench state-census STORE`: where the memory of a full replay goes, estimated from what the
// state holds (counts, capacities and the strides of its types), for docs/PERFORMANCE.md.
import Foundation
import Licheng
import LichengDomain

/// Bytes a Swift string of `s` keeps on the heap: none for a small (inline) string, else a
/// storage object (32-byte header) rounded as malloc rounds.
private func heapBytes(_ s: String) -> Int {
    let n = s.utf8.count
    return n <= 15 ? 0 : malloced(32 + n + 1)
}
private func heapBytes(_ s: String?) -> Int { s.map { heapBytes($0) } ?? 0 }
/// glibc malloc: 8 bytes of header, chunks in multiples of 16, at least 32.
private func malloced(_ n: Int) -> Int { max(32, (n + 8 + 15) / 16 * 16) }
private func arrayBytes<T>(_ a: [T]) -> Int { a.capacity == 0 ? 0 : malloced(32 + a.capacity * MemoryLayout<T>.stride) }
/// A Swift hash table (dictionary or set) with room for `capacity` entries of `entryStride` bytes:
/// a header, buckets at most three-quarters full, and a bit per bucket.
private func hashTableBytes(capacity: Int, entryStride: Int) -> Int {
    capacity == 0 ? 0 : malloced(64 + capacity * 4 / 3 * entryStride + capacity / 6)
}
private func dictBytes<K, V>(_ d: [K: V]) -> Int {
    hashTableBytes(capacity: d.capacity, entryStride: MemoryLayout<K>.stride + MemoryLayout<V>.stride)
}

private func dictBytes<V>(_ d: IDMap<V>) -> Int { dictBytes(d.storage) }

func stateCensus(_ path: String) throws {
    var school = SchoolState()
    let engine = try Engine.open(at: path, mode: .read)
    var events = 0
    try engine.forEachEvent { e in school.apply(e); events += 1; return true }
    var rows: [(String, Int, Int)] = []  // name, count, bytes
    func add(_ name: String, _ count: Int, _ bytes: Int) { rows.append((name, count, bytes)) }

    var itemsDict = 0, itemCount = 0, historyEntries = 0
    var texts = 0, fileCount = 0, records = 0, recordCount = 0
    var submissions = 0, requests = 0, requestCount = 0, counters = 0
    func recorded<T>(_ log: RecordLog<T>) {
        records += log.encodedCapacity == 0 ? 0 : malloced(32 + log.encodedCapacity); recordCount += log.count
    }
    for (_, st) in school.students {
        itemsDict += arrayBytes(st.items.values) + hashTableBytes(capacity: st.items.indexCapacity, entryStride: MemoryLayout<String>.stride + MemoryLayout<Int32>.stride); itemCount += st.items.count; 
        for it in st.items {
            historyEntries += it.historyCount
            texts += malloced(32 + it.storageCapacity) + heapBytes(it.itemId) + heapBytes(it.courseId)
            fileCount += it.content.fileCount
        }
        recorded(st.gradeLog); recorded(st.cadreLog); recorded(st.counselingLog); recorded(st.coursePlanLog)
        recorded(st.electiveLog); recorded(st.attendanceLog); recorded(st.serviceLog)
        submissions += arrayBytes(st.batches)
        for b in st.batches { submissions += arrayBytes(b.itemPositions) }
        requests += dictBytes(st.requests); requestCount += st.requests.count
        for c in [st.courseOutcomeUploads.capacityBytes, st.performanceUploads.capacityBytes, st.courseOutcomeSelections.capacityBytes,
                  st.performanceSelections.capacityBytes] where c > 0 { counters += malloced(32 + c) }
        counters += arrayBytes(st.frozenSelections)
    }
    add("students' item tables (Item \(MemoryLayout<Item>.stride) B + key)", itemCount, itemsDict)
    add("item buffers: contents (title, description, \(fileCount) files), details, \(historyEntries) history entries", itemCount, texts)
    add("student records (encoded)", recordCount, records)
    add("students' batches (items, receipts)", school.students.count, submissions)
    add("students' request IDs", requestCount, requests)
    add("students' quota counters, frozen selections", school.students.count, counters)
    add("student table (StudentState \(MemoryLayout<StudentState>.stride) B)", school.students.count, dictBytes(school.students))
    let sh = school.shared
    var awaiting = dictBytes(sh.awaitingCertification)
    for (_, a) in sh.awaitingCertification { awaiting += dictBytes(a) }
    var batchLists = dictBytes(sh.batches)
    for (_, b) in sh.batches { batchLists += arrayBytes(b.items) + arrayBytes(b.students) + dictBytes(b.studentReceipts) }
    add("shared item index (ItemInfo \(MemoryLayout<ItemInfo>.stride) B)", sh.items.count, dictBytes(sh.items))
    add("shared student index", sh.students.count, dictBytes(sh.students))
    add("awaiting certification (queues and their reverse)", sh.awaitingQueue.count, awaiting + dictBytes(sh.awaitingQueue))
    add("batches with item lists and receipts", sh.batches.count, batchLists)
    let total = rows.reduce(0) { $0 + $1.2 }
    print("state after \(events) events: \(school.students.count) students; estimated heap \(total >> 20) MiB, peak RSS \(Int(peakRSS()) >> 20) MiB")
    for (name, count, bytes) in rows.sorted(by: { $0.2 > $1.2 }) {
        print(String(format: "%7.1f MiB %5.1f%%  %10d  ", Double(bytes) / 1048576, 100 * Double(bytes) / Double(total), count) + name)
    }
}
