// swift-tools-version:6.0
// mnem: a git-native memory pool for coding agents.
// No package dependencies: Foundation, the toolchain's own libraries, and libgit2 as a system library.
import PackageDescription

let package = Package(
    name: "mnem",
    products: [
        .executable(name: "mnem", targets: ["mnem"]),
        .library(name: "MnemCore", targets: ["MnemCore"]),
    ],
    targets: [
        .systemLibrary(
            name: "CGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]
        ),
        // The only module that imports the C API of libgit2.
        .target(name: "MnemGit", dependencies: ["CGit2"]),
        // Memory model, canonical JSON, hashing, the pool.
        .target(name: "MnemCore", dependencies: ["MnemGit"]),
        // One type per command; testable without a process.
        .target(name: "MnemCLI", dependencies: ["MnemCore", "MnemGit"]),
        .executableTarget(name: "mnem", dependencies: ["MnemCLI"]),

        .testTarget(name: "MnemGitTests", dependencies: ["MnemGit"]),
        .testTarget(name: "MnemCoreTests", dependencies: ["MnemCore", "MnemGit"]),
        .testTarget(name: "MnemCLITests", dependencies: ["MnemCLI", "MnemCore", "MnemGit"]),
        .testTarget(name: "MnemSyncTests", dependencies: ["MnemCLI", "MnemCore", "MnemGit"]),
    ],
    swiftLanguageModes: [.v6]
)
