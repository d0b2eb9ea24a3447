import Foundation

/// A batch waiting in the group-commit queue.
final class PendingBatch {
    let records: [RecordInput]
    var result: Result<ClosedRange<UInt64>, LogError>?
    init(_ records: [RecordInput]) { self.records = records }
}

extension Log {
    /// Appends `records` as one batch: all of them or none, durable (fsynced)
    /// when this returns, with consecutive seqs. Timestamps must not go back in
    /// time. Concurrent callers in one process share a write and an fsync.
    @discardableResult
    public func append(_ records: [RecordInput]) throws(LogError) -> ClosedRange<UInt64> {
        guard mode == .write else { throw LogError.notWritable(reason: "it was opened for reading") }
        guard !records.isEmpty else { throw LogError.invalidRecord(index: 0, reason: "the batch is empty") }
        var previous = Int64.min
        for (i, r) in records.enumerated() {
            let keyLength = r.key?.utf8.count ?? 0
            guard keyLength <= Format.maxKeyLength else {
                throw LogError.invalidRecord(index: i, reason: "the key is \(keyLength) bytes; at most \(Format.maxKeyLength) are allowed")
            }
            guard r.key != "" else { throw LogError.invalidRecord(index: i, reason: "the key is empty (use no key instead)") }
            guard r.payload.count <= Format.maxRecordPayload else {
                throw LogError.invalidRecord(index: i, reason: "the payload is \(r.payload.count) bytes; at most \(Format.maxRecordPayload) are allowed")
            }
            guard r.timestamp >= previous else {
                throw LogError.invalidRecord(index: i, reason: "its timestamp is earlier than the record before it")
            }
            previous = r.timestamp
        }
        let batch = PendingBatch(records)
        commitCondition.lock()
        pending.append(batch)
        while batch.result == nil {
            if leaderActive {
                commitCondition.wait()
                continue
            }
            leaderActive = true
            let group = pending
            pending.removeAll()
            commitCondition.unlock()
            commitGroup(group)
            commitCondition.lock()
            leaderActive = false
            commitCondition.broadcast()
        }
        commitCondition.unlock()
        return try batch.result!.get()
    }

    /// Writes a group of batches (rolling segments between batches as needed),
    /// then sets each batch's result. Runs on one thread at a time.
    private func commitGroup(_ group: [PendingBatch]) {
        if let reason = poisonReasonValue ?? (isClosed ? "the store was closed" : nil) {
            for b in group { b.result = .failure(isClosed ? .notWritable(reason: reason) : .poisoned(reason: reason)) }
            return
        }
        var queue = group[...]
        while !queue.isEmpty {
            do {
                guard let active = segments.last else { throw LogError.poisoned(reason: "no active segment") }
                if !active.isEmpty && active.end >= options.segmentTargetBytes {
                    // The seal's key first: one that cannot be loaded fails these batches with
                    // nothing changed (the log stays usable once the key is mended).
                    do { _ = try signingKey() } catch {
                        for b in queue { b.result = .failure(error) }
                        return
                    }
                    do { try rollSegment() } catch {
                        // A half-done roll is repaired only by reopening (recovery handles a
                        // torn footer or a sealed segment without a successor).
                        markPoisoned("sealing segment '\(active.name)' failed: \(error)")
                        for b in queue { b.result = .failure(.poisoned(reason: poisonReasonValue!)) }
                        return
                    }
                    continue
                }
                // Take batches while the segment has room; always at least one.
                var taken: [PendingBatch] = []
                var estimate: Int64 = 0
                while let next = queue.first {
                    let size = Int64(next.records.reduce(0) { $0 + $1.payload.count + ($1.key?.utf8.count ?? 0) + Format.recordHeaderLength })
                    if !taken.isEmpty && active.end + estimate + size / 2 > options.segmentTargetBytes { break }
                    if next.records[0].timestamp < (taken.last?.records.last?.timestamp ?? active.lastTimestamp) {
                        next.result = .failure(.invalidRecord(index: 0, reason: "its timestamp is earlier than the last record in the store"))
                        queue.removeFirst()
                        continue
                    }
                    taken.append(next)
                    estimate += size
                    queue.removeFirst()
                }
                if taken.isEmpty { continue }
                let ranges = try writeBatches(taken, to: active)
                for (b, r) in zip(taken, ranges) { b.result = .success(r) }
            } catch let error as LogError {
                // Fail the batches of the failed write; later ones are tried again.
                for b in group where b.result == nil && !queue.contains(where: { $0 === b }) { b.result = .failure(error) }
                if poisonReasonValue != nil {
                    for b in queue { b.result = .failure(.poisoned(reason: poisonReasonValue!)) }
                    queue.removeAll()
                }
            } catch {
                for b in group where b.result == nil { b.result = .failure(.poisoned(reason: "\(error)")) }
                return
            }
        }
        if let active = segments.last { scheduleIndexRefresh(of: active) }
    }

    /// Once the active segment's unindexed tail passes `indexRefreshBytes`, folds it into
    /// the index on the index queue, so that the appends that follow do not wait for it. A
    /// failed refresh is harmless: the tail stays in memory and is rescanned on open.
    private func scheduleIndexRefresh(of segment: Segment) {
        stateLock.lock()
        let due = !indexes.refreshing && !segment.isSealed && segment.tailBytes >= options.indexRefreshBytes
        if due { indexes.refreshing = true }
        stateLock.unlock()
        guard due else { return }
        let indexes = self.indexes  // not the log: dropping the log must not wait for the queue
        indexes.queue.async {
            try? indexes.writeIndex(of: segment)
            indexes.stateLock.lock()
            indexes.refreshing = false
            indexes.stateLock.unlock()
        }
    }

    /// Writes `count` zero bytes at `offset`, a megabyte at a time.
    private func writeZeros(_ count: Int64, at offset: Int64, in file: File) throws {
        if zeroBuffer.isEmpty { zeroBuffer = [UInt8](repeating: 0, count: 1 << 20) }
        var done: Int64 = 0
        while done < count {
            let n = Int(min(Int64(zeroBuffer.count), count - done))
            try zeroBuffer.withUnsafeBytes { try file.write(UnsafeRawBufferPointer(rebasing: $0[0..<n]), at: offset + done) }
            done += Int64(n)
        }
    }

    /// One write and one fsync for `batches`; on failure the file is cut back
    /// to where it was, so no part of any batch remains.
    private func writeBatches(_ batches: [PendingBatch], to active: Segment) throws -> [ClosedRange<UInt64>] {
        writeBuffer.removeAll(keepingCapacity: true)
        var chain = Chain(head: active.chainHead)
        var entries: [BlockEntry] = []
        var ranges: [ClosedRange<UInt64>] = []
        var seq = active.lastSeq + 1
        let writeStart = active.end
        for batch in batches {
            encoder.encode(batch.records, firstSeq: seq, chain: &chain, into: &writeBuffer,
                           baseOffset: writeStart, writeStart: writeStart, entries: &entries)
            ranges.append(seq...(seq + UInt64(batch.records.count) - 1))
            seq += UInt64(batch.records.count)
        }
        let writeEnd = writeStart + Int64(writeBuffer.count)
        do {
            try active.file.write(writeBuffer, at: writeStart)
            if writeEnd <= active.reservedEnd {
                // Inside zeros whose length is already durable: only the data needs syncing.
                try active.file.syncData()
            } else {
                // Extend the reservation with this write: zeros after the batch (never past
                // the segment's size target, where the segment is sealed and cut), then one
                // fsync for the batch, the zeros and the file's new length.
                let zeros = min(nextReservation, max(0, options.segmentTargetBytes - writeEnd))
                var reserved = false
                if zeros > 0 {
                    do {
                        try writeZeros(zeros, at: writeEnd, in: active.file)
                        reserved = true
                    } catch {
                        // No room for the zeros: cut them and keep the batch.
                        try active.file.truncate(to: writeEnd)
                    }
                }
                try active.file.sync()
                active.reservedEnd = reserved ? writeEnd + zeros : 0
                // Doubles after a reservation, starts after a first write; a failed one starts
                // over (the next extension reserves nothing, the one after 256 KiB).
                if reserved || nextReservation == 0 {
                    nextReservation = min(max(0, options.reservationBytes), max(256 << 10, nextReservation * 2))
                } else if zeros > 0 {
                    nextReservation = 0
                }
            }
        } catch {
            do {
                try active.file.truncate(to: writeStart)
                try active.file.sync()
                active.reservedEnd = 0
            } catch {
                markPoisoned("could not cut segment '\(active.name)' back to byte \(writeStart) after a failed write: \(error)")
            }
            throw error
        }
        stateLock.lock()
        active.end = writeStart + Int64(writeBuffer.count)
        active.lastSeq = seq - 1
        active.lastTimestamp = batches.last!.records.last!.timestamp
        active.chainHead = chain.head
        active.blockCount += UInt64(entries.count)
        active.tailBlocks.append(contentsOf: entries)
        active.tailBytes += Int64(writeBuffer.count)
        for (batch, range) in zip(batches, ranges) {
            for (i, r) in batch.records.enumerated() where r.key != nil {
                active.addTailKey(r.key!, seq: range.lowerBound + UInt64(i))
            }
        }
        stateLock.unlock()
        writeBuffer.withUnsafeBytes { active.bodyHasher?.update($0) }
        return ranges
    }
}
