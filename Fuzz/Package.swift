// swift-tools-version:6.0
// libFuzzer targets for mnem: one per transcript format, one for the memory parser.
//
// Built with the fuzzer and address sanitizer, in a build directory of its own:
//   swift build --package-path Fuzz --build-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
// `make fuzz-build` does that (CI runs it); `scripts/fuzz.sh` runs them (see the README).
import Foundation
import PackageDescription

// The root package, by the identity SwiftPM gives a path dependency: its directory's name.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let mnem = root.lastPathComponent.lowercased()

/// The transcript formats, as `TranscriptFormat` names them, each a target `Fuzz<Name>`.
let formats = [
    "ClaudeCode", "Codex", "GeminiChat", "GeminiStream", "Aider", "SWEAgent", "MiniSWEAgent", "OpenHandsEvents",
    "OpenHandsResolver", "ATIF",
]

let package = Package(
    name: "mnem-fuzz",
    dependencies: [.package(path: "..")],
    targets: [
        .target(
            name: "FuzzSupport",
            dependencies: [.product(name: "MnemCore", package: mnem), .product(name: "MnemCapture", package: mnem)]),
        // libFuzzer's driver, called from each target's entry point.
        .target(name: "CFuzzDriver"),
        .executableTarget(name: "FuzzMemory", dependencies: ["FuzzSupport", "CFuzzDriver"]),
    ] + formats.map { .executableTarget(name: "Fuzz\($0)", dependencies: ["FuzzSupport", "CFuzzDriver"]) },
    swiftLanguageModes: [.v6]
)
