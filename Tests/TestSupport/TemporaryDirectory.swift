import Foundation

/// A fresh directory under the system temporary directory, removed by `remove()`.
/// Use with `defer { dir.remove() }`.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init(_ label: String = "test") {
        let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        path = "\(base)/licheng-\(label)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func sub(_ name: String) -> String { path + "/" + name }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs a program and returns its exit status, standard output and error.
@discardableResult
public func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                input: Data? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let out = Pipe(), err = Pipe(), inp = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = inp
    try process.run()
    if let input { inp.fileHandleForWriting.write(input) }
    try? inp.fileHandleForWriting.close()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// Reads a whole file.
public func readFileBytes(_ path: String) -> [UInt8] {
    Array(FileManager.default.contents(atPath: path) ?? Data())
}

public func writeFileBytes(_ path: String, _ bytes: [UInt8]) {
    let written = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    precondition(written, "test support: could not write \(path)")
}

/// Copies a directory tree with `cp -a`, as a backup admin would.
public func copyTree(_ from: String, _ to: String) throws {
    let result = try run("/bin/cp", ["-a", from, to])
    precondition(result.status == 0, "cp failed: \(result.stderr)")
}

/// A deterministic generator (SplitMix64) so that randomized tests repeat.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
