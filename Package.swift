// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Licheng",
    products: [
        .library(name: "LichengLog", targets: ["LichengLog"]),
        .library(name: "LichengDomain", targets: ["LichengDomain"]),
        .library(name: "Licheng", targets: ["Licheng"]),
        .executable(name: "licheng", targets: ["licheng"]),
    ],
    targets: [
        // C system libraries: module map + shim header only.
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CXXHash", pkgConfig: "libxxhash", providers: [.apt(["libxxhash-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // libFuzzer's driver entry (declaration only; Tools/fuzz.sh links libFuzzer).
        .systemLibrary(name: "CFuzzer"),
        // The benchmark's SQLite baseline only (never linked into the library or the CLI).
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),

        // Storage: segments, blocks, codec, indexes, chain, recovery. No domain words.
        .target(name: "LichengLog", dependencies: ["CLZ4", "CXXHash", "CCrypto"]),
        // Domain: events, rules, projections. No file I/O, no C imports.
        .target(name: "LichengDomain"),
        // Engine: joins log and domain (validated appends, snapshots, as-of queries).
        .target(name: "Licheng", dependencies: ["LichengLog", "LichengDomain"]),
        // The command-line tool: argument parsing and output formatting only.
        // Every target lists every module it imports, not only what reaches it through another
        // target: SwiftPM recompiles a target when a listed dependency's module changes, and a
        // `licheng` that listed only `Licheng` kept, after an incremental build, code compiled
        // for an older layout of a `LichengDomain` struct (a heap corruption at run time).
        .executableTarget(name: "licheng", dependencies: ["Licheng", "LichengDomain", "LichengLog"]),

        // Developer tools.
        .executableTarget(name: "logdemo", dependencies: ["LichengLog"], path: "Tools/logdemo"),
        .executableTarget(name: "bench", dependencies: ["Licheng", "LichengDomain", "LichengLog", "CSQLite"], path: "Tools/bench"),
        .executableTarget(name: "fuzz", dependencies: ["Licheng", "LichengDomain", "LichengLog", "TestSupport", "CFuzzer"], path: "Tools/fuzz"),
        .executableTarget(name: "generate", dependencies: ["Licheng", "LichengDomain", "LichengLog"], path: "Tools/generate"),

        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "LichengLogTests", dependencies: ["LichengLog", "TestSupport", "CCrypto"]),
        .testTarget(name: "LichengDomainTests", dependencies: ["LichengDomain", "TestSupport"]),
        .testTarget(name: "LichengTests", dependencies: ["Licheng", "LichengLog", "LichengDomain", "TestSupport"]),
    ]
)
