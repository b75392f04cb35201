// swift-tools-version:6.0
// mnem: a git-native memory pool for coding agents.
// No package dependencies: Foundation, the toolchain's own libraries, and libgit2 as a system library.
import PackageDescription

let package = Package(
    name: "mnem",
    products: [
        .executable(name: "mnem", targets: ["mnem"]),
        .library(name: "MnemCore", targets: ["MnemCore"]),
        .library(name: "MnemIndex", targets: ["MnemIndex"]),
        // For the libFuzzer targets in Fuzz/, a package of their own.
        .library(name: "MnemCapture", targets: ["MnemCapture"]),
    ],
    targets: [
        .systemLibrary(
            name: "CGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev", "zlib1g-dev"])]
        ),
        // The only module that imports the C API of libgit2.
        .target(name: "MnemGit", dependencies: ["CGit2", "CMnemTLS", "CMnemSHA"]),
        // Defers libgit2's parse of the system CA bundle until a network operation needs it.
        .target(name: "CMnemTLS", linkerSettings: [.linkedLibrary("dl")]),
        // SHA-256 and SHA-1 with the x86 SHA extensions (ours, in C: Swift cannot use those instructions).
        .target(name: "CMnemSHA"),
        // Memory model, hashing, the pool (re-exporting MnemJSON).
        .target(name: "MnemCore", dependencies: ["MnemGit", "CMnemSHA", "MnemJSON"]),
        // The JSON parser (byte-level, with positions in its errors), canonical JSON and JSON lines.
        .target(name: "MnemJSON"),
        // The vector sidecar, search and context: everything that consumes embeddings.
        .target(name: "MnemIndex", dependencies: ["MnemCore", "MnemGit", "MnemEmbedding", "CMnemKernels"]),
        // What Swift cannot express: a cache prefetch hint, the float16 scan and the transformer's dense layers with AVX2 and FMA.
        .target(name: "CMnemKernels"),
        // Agent and git hooks (install, capture, inject) and the MCP server.
        .target(name: "MnemIntegrations", dependencies: ["MnemCore", "MnemGit", "MnemCapture", "MnemIndex", "MnemCompaction"]),
        // One type per command; testable without a process.
        .target(
            name: "MnemCLI",
            dependencies: ["MnemCore", "MnemGit", "MnemIndex", "MnemCapture", "MnemIntegrations", "MnemCompaction", "MnemEmbedding", "MnemExport"]),
        // The pool as a static HTML site (`mnem export --html`).
        .target(name: "MnemExport", dependencies: ["MnemCore", "MnemGit"]),
        // Turning agent session files into trajectory memories, with secrets redacted.
        .target(name: "MnemCapture", dependencies: ["MnemCore", "MnemGit"]),
        // Promoting trajectories to workflows, summaries and insights, offline or through an LLM.
        .target(name: "MnemCompaction", dependencies: ["MnemCore", "MnemGit", "MnemHTTP", "MnemEmbedding"]),
        // A blocking HTTP POST for the LLM compactor and the HTTP embedder.
        .target(name: "MnemHTTP", dependencies: ["CMnemCurl"]),
        // libcurl through dlopen, so only a process that sends a request loads it.
        .target(name: "CMnemCurl", linkerSettings: [.linkedLibrary("dl"), .linkedLibrary("pthread")]),
        .executableTarget(name: "mnem", dependencies: ["MnemCLI"]),
        // Text embedders: the static model (mmap), feature hashing, OpenAI-compatible HTTP, a native transformer.
        .target(name: "MnemEmbedding", dependencies: ["MnemHTTP", "CMnemKernels", "MnemJSON"]),

        // Temporary directories, real git and the built binary, for the test targets only.
        .target(name: "MnemTestSupport", dependencies: ["MnemCore"]),

        .testTarget(name: "MnemGitTests", dependencies: ["MnemGit", "MnemTestSupport"]),
        .testTarget(name: "MnemCoreTests", dependencies: ["MnemCore", "MnemGit", "MnemTestSupport"]),
        .testTarget(name: "MnemCLITests", dependencies: ["MnemCLI", "MnemCore", "MnemGit", "MnemTestSupport", "mnem"]),
        .testTarget(name: "MnemEmbeddingTests", dependencies: ["MnemEmbedding", "MnemHTTP", "MnemTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "MnemCaptureTests", dependencies: ["MnemCapture", "MnemCore", "MnemGit", "MnemTestSupport"], exclude: ["Fixtures"]),
        .testTarget(
            name: "MnemIntegrationsTests", dependencies: ["MnemIntegrations", "MnemCLI", "MnemCore", "MnemGit", "MnemTestSupport", "mnem"]),
        .testTarget(name: "MnemIndexTests", dependencies: ["MnemIndex", "MnemEmbedding", "MnemCLI", "MnemCore", "MnemGit"]),
        .testTarget(
            name: "MnemCompactionTests",
            dependencies: ["MnemCompaction", "MnemCapture", "MnemCLI", "MnemCore", "MnemGit", "MnemTestSupport", "MnemEmbedding"]),
        .testTarget(
            name: "MnemExportTests", dependencies: ["MnemExport", "MnemCLI", "MnemCore", "MnemGit", "MnemIntegrations", "MnemTestSupport"],
            exclude: ["Fixtures"]),
        .testTarget(name: "MnemSyncTests", dependencies: ["MnemCLI", "MnemCore", "MnemGit", "MnemTestSupport", "mnem"]),
    ],
    swiftLanguageModes: [.v6]
)
