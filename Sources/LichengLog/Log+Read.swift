extension Log {
    /// The highest committed seq (0 when the store is empty).
    public var lastSeq: UInt64 {
        stateLock.lock(); defer { stateLock.unlock() }
        return segments.last?.lastSeq ?? 0
    }

    /// The timestamp of the last record (nil when the store is empty).
    public var lastTimestamp: Int64? {
        stateLock.lock(); defer { stateLock.unlock() }
        guard let last = segments.last, last.lastSeq > 0 else { return nil }
        return last.lastTimestamp
    }

    /// The chain head after the last committed record.
    public var chainHead: Digest {
        stateLock.lock(); defer { stateLock.unlock() }
        return segments.last?.chainHead ?? .zero
    }

    /// Calls `body` for each committed record with seq in `from...through`, in
    /// order, until it returns false. Every block read is checksum-verified;
    /// damage throws `LogError.corrupt` naming the segment and offset.
    public func forEach(from: UInt64 = 1, through: UInt64? = nil, _ body: (RecordView) throws -> Bool) throws {
        let snapshot = snapshotSegments()
        stateLock.lock()
        let ends = snapshot.map(\.end)
        let lasts = snapshot.map(\.lastSeq)
        stateLock.unlock()
        let last = min(through ?? UInt64.max, lasts.last ?? 0)
        guard from <= last else { return }
        for (i, segment) in snapshot.enumerated() where lasts[i] >= from && segment.firstSeq <= last {
            var start = Int64(Format.segmentHeaderLength)
            var expected = segment.firstSeq
            if from > segment.firstSeq {
                let blocks = try self.blocks(of: segment)
                if let b = blockContaining(from, in: blocks) {
                    start = b.offset
                    expected = b.firstSeq
                }
            }
            var walker = BlockWalker(file: segment.file, from: start, limit: ends[i], expectedSeq: expected)
            while let (header, entry) = try walker.next(in: segment.name) {
                if entry.lastSeq < from { continue }
                var stopped = false
                let problem = try walker.decoder.forEachRecord(header) { record in
                    if record.seq < from { return true }
                    if record.seq > last { stopped = true; return false }
                    if try !body(record) { stopped = true; return false }
                    return true
                }
                if let problem { throw problem.corrupt(segment: segment.name, offset: entry.offset) }
                if stopped { return }
            }
        }
    }

    /// Copies out the records with seqs in `range` (clamped to what exists).
    public func read(_ range: ClosedRange<UInt64>) throws(LogError) -> [Record] {
        try typed {
            var out: [Record] = []
            try forEach(from: range.lowerBound, through: range.upperBound) { out.append(Record($0)); return true }
            return out
        }
    }

    /// The record with `seq`.
    public func record(_ seq: UInt64) throws(LogError) -> Record {
        let last = lastSeq
        guard seq >= 1, seq <= last else { throw LogError.seqOutOfRange(seq: seq, lastSeq: last) }
        guard let record = try read(seq...seq).first else { throw LogError.seqOutOfRange(seq: seq, lastSeq: last) }
        return record
    }

    /// The SHA-256 digest of the record at `seq` (what the chain holds for it):
    /// derived data such as snapshots keep it to prove which history they describe.
    public func digest(of seq: UInt64) throws(LogError) -> Digest {
        try typed {
            var found: Digest?
            try forEach(from: seq, through: seq) { found = $0.digest; return false }
            guard let found else { throw LogError.seqOutOfRange(seq: seq, lastSeq: lastSeq) }
            return found
        }
    }

    /// The first seq whose timestamp is at or after `timestamp`, or nil if none.
    public func firstSeq(atOrAfter timestamp: Int64) throws(LogError) -> UInt64? {
        try typed {
            for segment in snapshotSegments() where !segment.isEmpty && segment.lastTimestamp >= timestamp {
                let blocks = try self.blocks(of: segment)
                var low = 0, high = blocks.count
                while low < high {
                    let mid = (low + high) / 2
                    if blocks[mid].lastTimestamp < timestamp { low = mid + 1 } else { high = mid }
                }
                guard low < blocks.count else { continue }
                if blocks[low].firstTimestamp >= timestamp { return blocks[low].firstSeq }
                var found: UInt64?
                try forEach(from: blocks[low].firstSeq, through: blocks[low].lastSeq) { r in
                    if r.timestamp >= timestamp { found = r.seq; return false }
                    return true
                }
                if let found { return found }
            }
            return nil
        }
    }

    /// The last seq whose timestamp is at or before `timestamp` (0 if none).
    public func lastSeq(atOrBefore timestamp: Int64) throws(LogError) -> UInt64 {
        let last = lastSeq
        if timestamp == Int64.max { return last }
        if let next = try firstSeq(atOrAfter: timestamp + 1), next <= last { return next - 1 }
        return last
    }

    /// The seqs of the records stored under `key`, ascending, up to `through`.
    public func seqs(forKey key: String, through: UInt64? = nil) throws(LogError) -> [UInt64] {
        try typed {
            let utf8 = Array(key.utf8)
            let limit = through ?? UInt64.max
            var out: [UInt64] = []
            for segment in snapshotSegments() where segment.firstSeq <= limit {
                // The active segment's index and tail are read together: the writer may move
                // the tail into a new index at any moment.
                stateLock.lock()
                let sealed = segment.isSealed
                let captured = sealed ? nil : segment.index
                let tail = sealed ? [] : segment.tailKeysByKey()[key] ?? []
                stateLock.unlock()
                out.append(contentsOf: try indexedSeqs(segment, captured: captured, sealed: sealed, utf8))
                out.append(contentsOf: tail)
            }
            if let cut = out.firstIndex(where: { $0 > limit }) { out.removeSubrange(cut...) }
            return out
        }
    }

    /// The records stored under `key`, up to `through`.
    public func records(forKey key: String, through: UInt64? = nil) throws(LogError) -> [Record] {
        try typed {
            var out: [Record] = []
            try forEach(seqs: try seqs(forKey: key, through: through)) { out.append(Record($0)) }
            return out
        }
    }

    /// Calls `body` for each of `seqs` in ascending order (once each, however given),
    /// reading each block once and only the blocks that hold a wanted seq.
    public func forEach(seqs wanted: [UInt64], _ body: (RecordView) throws -> Void) throws {
        guard !wanted.isEmpty else { return }
        // Given out of order (or twice), they are read in ascending order, once each.
        let seqs = zip(wanted, wanted.dropFirst()).allSatisfy({ $0 < $1 }) ? wanted : Array(Set(wanted)).sorted()
        let snapshot = snapshotSegments()
        let last = lastSeq
        var decoder = BlockDecoder()
        var position = 0
        var segmentIndex = 0
        while position < seqs.count {
            let wanted = seqs[position]
            guard wanted >= 1, wanted <= last else { throw LogError.seqOutOfRange(seq: wanted, lastSeq: last) }
            while segmentIndex + 1 < snapshot.count && snapshot[segmentIndex + 1].firstSeq <= wanted { segmentIndex += 1 }
            let segment = snapshot[segmentIndex]
            let blocks = try self.blocks(of: segment)
            while position < seqs.count && seqs[position] <= segment.lastSeq {
                guard let block = blockContaining(seqs[position], in: blocks) else {
                    throw LogError.seqOutOfRange(seq: seqs[position], lastSeq: last)
                }
                // Only the start of the block up to the last wanted record is decoded, estimated
                // from its place among the block's records (the walk asks for the whole block
                // when the estimate falls short: records differ in size).
                var lastWanted = position
                while lastWanted + 1 < seqs.count && seqs[lastWanted + 1] <= block.lastSeq { lastWanted += 1 }
                let share = Double(seqs[lastWanted] - block.firstSeq + 1) / Double(block.count)
                var target: Int? = share < 0.7 ? Int(Double(block.uncompressedLength) * share * 1.25) + 2048 : nil
                var problem: RecordProblem?
                repeat {
                    // Exactly the one block the index names (its bytes, checksums and first
                    // seq). The walker borrows the decoder's buffer without sharing it: a
                    // shared buffer would be copied (128 KiB) by every decompression.
                    decoder.prefixTarget = target
                    var walker = BlockWalker(file: segment.file, from: block.offset, limit: block.end, expectedSeq: block.firstSeq)
                    swap(&walker.decoder, &decoder)
                    let next = try walker.next(in: segment.name)
                    swap(&walker.decoder, &decoder)
                    guard let (header, _) = next else {
                        throw LogError.seqOutOfRange(seq: seqs[position], lastSeq: last)
                    }
                    // A second walk over the whole block passes the records already given.
                    problem = try decoder.forEachRecord(header) { r in
                        while position < seqs.count && seqs[position] < r.seq { position += 1 }
                        if position < seqs.count && seqs[position] == r.seq {
                            try body(r)
                            position += 1
                        }
                        return position < seqs.count && seqs[position] <= block.lastSeq
                    }
                    if problem?.isNeedsWholeBlock == true, target != nil { target = nil } else { break }
                } while true
                if let problem { throw problem.corrupt(segment: segment.name, offset: block.offset) }
                while position < seqs.count && seqs[position] <= block.lastSeq { position += 1 }
            }
        }
    }

    func blockContaining(_ seq: UInt64, in blocks: [BlockEntry]) -> BlockEntry? {
        var low = 0, high = blocks.count
        while low < high {
            let mid = (low + high) / 2
            if blocks[mid].lastSeq < seq { low = mid + 1 } else { high = mid }
        }
        return low < blocks.count && blocks[low].firstSeq <= seq ? blocks[low] : nil
    }
}
