/// Everything the log can fail with. Each case carries what a person needs to
/// act: the file, the byte offset, the seq. `description` is a full sentence.
public enum LogError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A system call failed.
    case io(operation: String, path: String, errno: Int32)
    /// Another process holds the writer lock.
    case locked(store: String, holderPID: Int32?)
    /// The directory is not a store (no valid STORE file).
    case notAStore(path: String, reason: String)
    /// `create` was asked to use a directory that already holds something.
    case notEmpty(path: String)
    /// Damage in bytes that were committed: a checksum, magic or length is wrong.
    case corrupt(segment: String, offset: Int64, reason: String)
    /// The hash chain does not match: records were changed, removed, inserted or reordered.
    case chainMismatch(segment: String, offset: Int64, firstSeq: UInt64, lastSeq: UInt64)
    /// A record's content does not match its digest (only possible for stored digests).
    case digestMismatch(segment: String, offset: Int64, seq: UInt64)
    /// Segments do not follow each other: one is missing, extra, or from another store.
    case segmentSequence(segment: String, reason: String)
    /// The caller passed something the log cannot store.
    case invalidRecord(index: Int, reason: String)
    /// A seq outside the store's range was asked for.
    case seqOutOfRange(seq: UInt64, lastSeq: UInt64)
    /// The log was opened read-only, or closed.
    case notWritable(reason: String)
    /// An earlier write failed and could not be rolled back; reopen the store.
    case poisoned(reason: String)
    /// A key file is missing, unreadable, too open or malformed.
    case key(path: String, reason: String)
    /// A signed checkpoint (a sealed segment's footer signature or an entry of
    /// CHECKPOINTS) does not verify or does not match the log.
    case checkpoint(file: String, seq: UInt64, reason: String)

    public var description: String {
        switch self {
        case let .io(operation, path, errno):
            return "Could not \(operation) '\(path)': \(errnoDescription(errno)) (errno \(errno))."
        case let .locked(store, pid):
            let who = pid.map { "process \($0)" } ?? "another process"
            return "The store '\(store)' is being written by \(who); only one writer may run at a time. Wait for it to finish, or stop it."
        case let .notAStore(path, reason):
            return "'\(path)' is not a Licheng store: \(reason)."
        case let .notEmpty(path):
            return "'\(path)' is not empty; a new store needs an empty or missing directory."
        case let .corrupt(segment, offset, reason):
            return "Segment '\(segment)' is damaged at byte offset \(offset): \(reason). Restore this segment from a backup."
        case let .chainMismatch(segment, offset, first, last):
            return "The integrity chain breaks in segment '\(segment)' at byte offset \(offset) (seq \(first)–\(last)): a record in this range, or before it, was changed, removed, inserted or reordered. First bad seq: \(first)."
        case let .digestMismatch(segment, offset, seq):
            return "Record seq \(seq) in segment '\(segment)' (block at byte offset \(offset)) does not match its digest: it was changed."
        case let .segmentSequence(segment, reason):
            return "Segment '\(segment)' does not fit the store: \(reason)."
        case let .invalidRecord(index, reason):
            return "Record \(index + 1) of the batch cannot be stored: \(reason)."
        case let .seqOutOfRange(seq, last):
            return "There is no record with seq \(seq); the store holds seq 1–\(last)."
        case let .notWritable(reason):
            return "The store cannot be written: \(reason)."
        case let .poisoned(reason):
            return "An earlier write failed and could not be undone (\(reason)); close and reopen the store to recover."
        case let .key(path, reason):
            return path.isEmpty ? "Key problem: \(reason)." : "Key problem with '\(path)': \(reason)."
        case let .checkpoint(file, seq, reason):
            return "The signed checkpoint of seq \(seq) in '\(file)' is not valid: \(reason). The log may have been altered after it was signed; compare with a backup."
        }
    }
}

func errnoDescription(_ code: Int32) -> String {
    String(cString: strerror(code))
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs internal code (which throws only `LogError`) behind a typed-throws API.
@inline(__always)
func typed<T>(_ body: () throws -> T) throws(LogError) -> T {
    do { return try body() } catch let error as LogError { throw error } catch {
        throw LogError.poisoned(reason: "unexpected error \(error)")
    }
}
