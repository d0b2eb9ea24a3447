#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The seam through which tests inject faults into writes, syncs and truncates.
/// Every mutating system call of the log asks it first.
public protocol FaultInjector: AnyObject, Sendable {
    /// Called before a write of `count` bytes to `path`. Return nil to write
    /// normally, `.short(n)` to write only the first n bytes and then fail with
    /// `errno`, or `.fail(errno)` to write nothing and fail.
    func beforeWrite(path: String, offset: Int64, count: Int) -> WriteFault?
    /// Called before fsync of `path`; return an errno to make it fail.
    func beforeSync(path: String) -> Int32?
    /// Called at named points of multi-step operations (e.g. "roll.after-seal");
    /// a crash test may `_exit` here.
    func reached(_ point: String)
}

public enum WriteFault: Sendable {
    case fail(errno: Int32)
    case short(bytes: Int, errno: Int32)
}

/// An open file: every system call retries on EINTR (never `close`), loops on
/// short reads and writes, and throws `LogError.io` with the path.
final class File {
    let fd: Int32
    let path: String
    let faults: FaultInjector?

    private init(fd: Int32, path: String, faults: FaultInjector?) {
        self.fd = fd
        self.path = path
        self.faults = faults
    }

    deinit { _ = Glibc.close(fd) }

    static func open(_ path: String, flags: Int32, mode: mode_t = 0o644, faults: FaultInjector? = nil) throws -> File {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return File(fd: fd, path: path, faults: faults) }
            if errno == EINTR { continue }
            throw LogError.io(operation: "open", path: path, errno: errno)
        }
    }

    func size() throws -> Int64 {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw LogError.io(operation: "stat", path: path, errno: errno) }
        return Int64(st.st_size)
    }

    /// Reads up to `buffer.count` bytes at `offset`; fewer only at end of file.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n > 0 { done += n; continue }
            if n == 0 { break }
            if errno == EINTR { continue }
            throw LogError.io(operation: "read", path: path, errno: errno)
        }
        return done
    }

    /// Reads `count` bytes at `offset`; fewer only at end of file.
    func read(count: Int, at offset: Int64) throws -> [UInt8] {
        // Not zero-filled first: only the bytes read are kept.
        try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = 0
            initialized = try read(into: UnsafeMutableRawBufferPointer(buffer), at: offset)
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws {
        var limit = bytes.count
        var injected: Int32?
        switch faults?.beforeWrite(path: path, offset: offset, count: bytes.count) {
        case .fail(let e)?: throw LogError.io(operation: "write", path: path, errno: e)
        case .short(let n, let e)?: limit = min(n, bytes.count); injected = e
        case nil: break
        }
        var done = 0
        while done < limit {
            let n = pwrite(fd, bytes.baseAddress! + done, limit - done, off_t(offset) + off_t(done))
            if n > 0 { done += n; continue }
            if n == 0 { throw LogError.io(operation: "write", path: path, errno: EIO) }
            if errno == EINTR { continue }
            throw LogError.io(operation: "write", path: path, errno: errno)
        }
        if let injected { throw LogError.io(operation: "write", path: path, errno: injected) }
    }

    func write(_ bytes: [UInt8], at offset: Int64) throws {
        try bytes.withUnsafeBytes { (b) throws in try write(b, at: offset) }
    }

    func sync() throws {
        if let e = faults?.beforeSync(path: path) { throw LogError.io(operation: "fsync", path: path, errno: e) }
        while fsync(fd) != 0 {
            if errno == EINTR { continue }
            throw LogError.io(operation: "fsync", path: path, errno: errno)
        }
    }

    /// `fdatasync`: the data, and the metadata needed to read it back (not times). Enough
    /// after writing inside a part of the file whose size is already durable.
    func syncData() throws {
        if let e = faults?.beforeSync(path: path) { throw LogError.io(operation: "fdatasync", path: path, errno: e) }
        while fdatasync(fd) != 0 {
            if errno == EINTR { continue }
            throw LogError.io(operation: "fdatasync", path: path, errno: errno)
        }
    }

    /// Are all bytes from `start` to `end` zero? Read in 1 MiB pieces.
    func isAllZero(from start: Int64, to end: Int64) throws -> Bool {
        var buffer = [UInt8](repeating: 0, count: Int(min(1 << 20, max(0, end - start))))
        var position = start
        while position < end {
            let want = Int(min(Int64(buffer.count), end - position))
            let nonZero = try buffer.withUnsafeMutableBytes { b throws -> Bool in
                let got = try read(into: UnsafeMutableRawBufferPointer(rebasing: b[0..<want]), at: position)
                guard got == want else { return true }
                var i = 0, bits: UInt64 = 0
                while i + 8 <= got { bits |= b.loadUnaligned(fromByteOffset: i, as: UInt64.self); i += 8 }
                while i < got { bits |= UInt64(b[i]); i += 1 }
                return bits != 0
            }
            if nonZero { return false }
            position += Int64(want)
        }
        return true
    }

    func truncate(to length: Int64) throws {
        while ftruncate(fd, off_t(length)) != 0 {
            if errno == EINTR { continue }
            throw LogError.io(operation: "truncate", path: path, errno: errno)
        }
    }

    /// Takes an exclusive advisory lock without waiting; false if another holds it.
    func tryLockExclusive() throws -> Bool {
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            if errno == EWOULDBLOCK { return false }
            throw LogError.io(operation: "lock", path: path, errno: errno)
        }
        return true
    }
}

/// Directory and path helpers, all throwing `LogError.io`.
enum FS {
    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw LogError.io(operation: "create directory", path: path, errno: errno)
        }
    }

    static func makeDirectories(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            try makeDirectory(current)
        }
    }

    /// Names in `path`, excluding `.` and `..`, unsorted.
    static func list(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw LogError.io(operation: "list", path: path, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// fsyncs a directory so that file creations and renames in it are durable.
    static func syncDirectory(_ path: String, faults: FaultInjector?) throws {
        let dir = try File.open(path, flags: O_RDONLY | O_DIRECTORY, faults: faults)
        try dir.sync()
    }

    static func rename(_ from: String, _ to: String) throws {
        if Glibc.rename(from, to) != 0 { throw LogError.io(operation: "rename", path: from, errno: errno) }
    }

    static func remove(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT { throw LogError.io(operation: "remove", path: path, errno: errno) }
    }

    /// Writes a whole file atomically: temporary file, fsync if asked, rename.
    static func writeAtomically(_ bytes: [UInt8], to path: String, durable: Bool, faults: FaultInjector?) throws {
        let temporary = path + ".tmp.\(getpid())"
        do {
            let file = try File.open(temporary, flags: O_WRONLY | O_CREAT | O_TRUNC, faults: faults)
            try file.write(bytes, at: 0)
            if durable { try file.sync() }
        } catch {
            try? remove(temporary)
            throw error
        }
        try rename(temporary, path)
    }

    static func join(_ a: String, _ b: String) -> String { a.hasSuffix("/") ? a + b : a + "/" + b }
}

func currentMicroseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
}

/// Bytes in memory that stay put: a copy of an array, or a file mapped read-only. Derived
/// files (indexes, batch lists) are mapped rather than read, so a lookup touches the pages
/// it needs from the page cache instead of copying the whole file. A mapped file is never
/// truncated in place by the log (derived files are replaced by rename), so the mapping
/// stays valid for the buffer's life.
public final class ByteBuffer: @unchecked Sendable {
    public let raw: UnsafeRawBufferPointer
    private let allocation: UnsafeMutableRawPointer?
    private let mapping: (UnsafeMutableRawPointer, Int)?

    public init(_ bytes: [UInt8]) {
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.withUnsafeBytes { if let base = $0.baseAddress { p.copyMemory(from: base, byteCount: $0.count) } }
        allocation = p
        mapping = nil
        raw = UnsafeRawBufferPointer(start: p, count: bytes.count)
    }

    private init(mapped p: UnsafeMutableRawPointer, count: Int) {
        allocation = nil
        mapping = (p, count)
        raw = UnsafeRawBufferPointer(start: p, count: count)
    }

    /// Maps `path` read-only; nil when it cannot be opened or mapped.
    public static func map(_ path: String) -> ByteBuffer? {
        guard let file = try? File.open(path, flags: O_RDONLY), let size = try? file.size(), size < 1 << 40 else { return nil }
        if size == 0 { return ByteBuffer([]) }
        guard let p = mmap(nil, Int(size), PROT_READ, MAP_PRIVATE, file.fd, 0), p != MAP_FAILED else { return nil }
        return ByteBuffer(mapped: p, count: Int(size))
    }

    deinit {
        if let (p, n) = mapping { munmap(p, n) }
        allocation?.deallocate()
    }

    public var count: Int { raw.count }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R { try body(raw) }

    /// A copy of the bytes in `range`.
    public func array(_ range: Range<Int>) -> [UInt8] { Array(raw[range]) }
}
