import Foundation
import MnemCore
import Testing

@testable import MnemCapture

/// Where the shared corpus of real transcripts lives: `<repo>/../shared/corpus`.
enum Corpus {
    static let root: String = {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/corpus").standardizedFileURL.path
    }()

    static var isAvailable: Bool { FileManager.default.fileExists(atPath: root + "/SOURCES.md") }

    static func path(_ relative: String) -> String { root + "/" + relative }

    /// Every transcript file of the corpus (all but SOURCES.md), relative paths, sorted.
    static func files() -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var out: [String] = []
        while let relative = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path(relative), isDirectory: &isDirectory), !isDirectory.boolValue,
                relative != "SOURCES.md"
            {
                out.append(relative)
            }
        }
        return out.sorted()
    }
}

/// The folder of hand-written fixtures beside this file.
enum Fixtures {
    static let root: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    static func path(_ name: String) -> String { root + "/" + name }
    static func text(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }
}

/// A fresh temporary directory per test, removed when the value goes away.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("mnem-capture-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String, _ contents: String) throws -> String {
        let full = path + "/" + name
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try contents.write(toFile: full, atomically: true, encoding: .utf8)
        return full
    }

    func file(_ name: String, bytes: [UInt8]) throws -> String {
        let full = path + "/" + name
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: full, contents: Data(bytes))
        return full
    }
}

extension Memory {
    var steps: [TrajectoryStep] {
        if case .trajectory(let t) = body { return t.steps }
        return []
    }

    var trajectory: Trajectory? {
        if case .trajectory(let t) = body { return t }
        return nil
    }
}

/// Reads a file the way capture does, without a pool.
func readSessions(_ path: String, format: TranscriptFormat? = nil) throws -> (Detection, CaptureSummary) {
    let detection = format.map { Detection.format($0) } ?? FormatDetector.detect(path: path)
    let summary = try Capturer(pool: nil, options: CaptureOptions(format: format, dryRun: true)).capture(paths: [path])
    return (detection, summary)
}
