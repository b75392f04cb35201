import Foundation

/// Finds the static model file.
///
/// The places, in order (the first that exists wins):
/// 1. `$MNEM_MODEL`: a `.mnemb` file, or a directory holding ``fileName``. When it is set, it is
///    the only place searched, so a wrong setting fails loudly instead of falling back.
/// 2. Beside the executable: `<dir of the binary>/mnem-model/<fileName>`, then
///    `<dir of the binary>/../share/mnem/<fileName>` (what `make install PREFIX=…` lays out).
/// 3. The source checkout the module was built from: `<repo>/model/<fileName>`, found from this
///    file's `#filePath`, so `swift run` and `swift test` work without installing.
public struct ModelLocator: Sendable {
    /// The file name of the default model.
    public static let defaultFileName = "minilm-l6-tl-256.mnemb"

    public var fileName: String
    public var environment: [String: String]
    public var executableDirectory: URL?
    public var sourceCheckoutModelDirectory: URL?

    /// - Parameters:
    ///   - fileName: The model file to look for.
    ///   - environment: Where `MNEM_MODEL` is read; the process environment by default.
    ///   - executableDirectory: The directory of the running binary by default.
    ///   - sourceCheckoutModelDirectory: `<repo>/model` of the checkout this file was compiled in by default.
    public init(
        fileName: String = ModelLocator.defaultFileName,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        executableDirectory: URL? = ModelLocator.executableDirectory(),
        sourceCheckoutModelDirectory: URL? = ModelLocator.checkoutModelDirectory()
    ) {
        self.fileName = fileName
        self.environment = environment
        self.executableDirectory = executableDirectory
        self.sourceCheckoutModelDirectory = sourceCheckoutModelDirectory
    }

    /// `<repo>/model`, from `<repo>/Sources/MnemEmbedding/ModelLocator.swift`.
    /// The directory of the running executable, symlinks resolved.
    ///
    /// Read from `/proc/self/exe` on Linux: `Bundle.main` costs a quarter of a millisecond to set
    /// up, which every search and hook would pay.
    public static func executableDirectory() -> URL? {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: path).deletingLastPathComponent()
        }
        return Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent()
    }

    public static func checkoutModelDirectory(filePath: String = #filePath) -> URL {
        URL(fileURLWithPath: filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("model")
    }

    /// The paths searched, in order.
    public func candidates() -> [String] {
        if let configured = environment["MNEM_MODEL"], !configured.isEmpty {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: configured, isDirectory: &isDirectory), isDirectory.boolValue {
                return [URL(fileURLWithPath: configured).appendingPathComponent(fileName).path]
            }
            return [configured]
        }
        var paths: [String] = []
        if let executableDirectory {
            paths.append(executableDirectory.appendingPathComponent("mnem-model").appendingPathComponent(fileName).standardizedFileURL.path)
            paths.append(executableDirectory.appendingPathComponent("../share/mnem").appendingPathComponent(fileName).standardizedFileURL.path)
        }
        if let sourceCheckoutModelDirectory {
            paths.append(sourceCheckoutModelDirectory.appendingPathComponent(fileName).standardizedFileURL.path)
        }
        return paths
    }

    /// The first candidate that exists.
    ///
    /// - Throws: ``EmbeddingError/modelNotFound(searched:)`` listing every place searched.
    public func locate() throws -> String {
        let paths = candidates()
        for path in paths where FileManager.default.fileExists(atPath: path) {
            return path
        }
        throw EmbeddingError.modelNotFound(searched: paths)
    }
}
