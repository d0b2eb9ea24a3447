import Foundation
import Testing

/// Package.swift lists, for every target, every module of this package the target imports.
/// SwiftPM recompiles a target when a listed dependency's module changes; a module imported
/// only because another dependency brings it along is not watched, and an incremental build
/// once left the `licheng` tool with code compiled for an older layout of a `LichengDomain`
/// struct (a heap corruption when run).
@Suite struct PackageManifestTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Target { var name: String; var kind: String; var dependencies: Set<String>; var path: String? }

    /// The targets declared in Package.swift (`.target`, `.executableTarget`, `.testTarget`,
    /// `.systemLibrary`), each on one line as the manifest writes them.
    static func targets() throws -> [Target] {
        let manifest = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let declaration = #/\.(target|executableTarget|testTarget|systemLibrary)\(name: "(\w+)"([^\n]*)/#
        return manifest.matches(of: declaration).map { m in
            let rest = String(m.output.3)
            let listed = rest.firstMatch(of: #/dependencies: \[([^\]]*)\]/#).map { String($0.output.1) } ?? ""
            let deps = listed.split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
            let path = rest.firstMatch(of: #/path: "([^"]+)"/#).map { String($0.output.1) }
            return Target(name: String(m.output.2), kind: String(m.output.1), dependencies: Set(deps), path: path)
        }
    }

    @Test func everyImportedModuleIsADeclaredDependency() throws {
        let targets = try Self.targets()
        let names = Set(targets.map(\.name))
        // Every declaration was read (one written over several lines would be missed).
        let manifest = try String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        #expect(targets.count == manifest.matches(of: #/\.(target|executableTarget|testTarget|systemLibrary)\(/#).count)
        #expect(names.isSuperset(of: ["LichengLog", "LichengDomain", "Licheng", "licheng", "bench", "LichengTests"]), "\(names.sorted())")
        // Any import form: attributes (`@testable`, `@preconcurrency`, …), an access level, a
        // declaration kind (`import struct M.T`), indented inside `#if`.
        let importLine = #/^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|fileprivate|private)\s+)?import\s+(?:(?:typealias|struct|class|enum|protocol|let|var|func)\s+)?(\w+)/#
            .anchorsMatchLineEndings()
        for t in targets where t.kind != "systemLibrary" {
            let dir = Self.root.appendingPathComponent(t.path ?? (t.kind == "testTarget" ? "Tests/\(t.name)" : "Sources/\(t.name)"))
            let files = try #require(FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil)).compactMap { $0 as? URL }
                .filter { $0.pathExtension == "swift" }
            #expect(!files.isEmpty, "no sources for \(t.name) in \(dir.path)")
            for file in files {
                let text = try String(contentsOf: file, encoding: .utf8)
                for m in text.matches(of: importLine) {
                    let module = String(m.output.1)
                    guard names.contains(module), module != t.name else { continue }
                    #expect(t.dependencies.contains(module), "\(t.name) imports \(module) in \(file.lastPathComponent) without listing it in Package.swift")
                }
            }
        }
    }
}
