import Foundation
import MnemCapture
import MnemCore

/// What the fuzz targets check on every input. A broken property stops the run with
/// `fatalError`, which libFuzzer reports as a crash and saves the input for.
public enum FuzzChecks {
    /// One input as a transcript of `format`: read through the real capture path (detection
    /// skipped, the format forced), then every memory it made must be valid as a pull or an
    /// add would see it, keep its id through its own file, and hold no credential.
    public static func capture(_ data: UnsafeRawBufferPointer, format: TranscriptFormat, fileName: String) {
        let path = scratchDirectory + "/" + fileName
        // The same file rewritten in place: creating one per input costs more than reading it.
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0, data.isEmpty || write(fd, data.baseAddress, data.count) == data.count else { fatalError("cannot write \(path)") }
        close(fd)
        var options = CaptureOptions()
        options.dryRun = true
        options.format = format
        options.capturedAt = "2026-01-01T00:00:00Z"
        let summary: CaptureSummary
        do {
            summary = try Capturer(pool: nil, options: options).capture(paths: [path])
        } catch {
            // Without a pool nothing may throw: a bad file is reported in `skipped`.
            fatalError("capture threw: \(error)")
        }
        for memory in summary.memories { checkWritten(memory) }
    }

    /// A memory capture would write: its file decodes to the same memory under the strictest
    /// policy (the one pull applies), and it holds no credential the scanner finds.
    static func checkWritten(_ memory: Memory) {
        let bytes = memory.canonicalBytes()
        let decoded: Memory
        do {
            let json = try bytes.withUnsafeBufferPointer { (buffer) throws(JSONParseError) in try JSONParser.parse(buffer) }
            decoded = try Memory(json: json, idPolicy: .mustMatch)
        } catch {
            fatalError("capture made a memory its own file cannot be read back as: \(error)")
        }
        guard decoded.id == memory.id, decoded.canonicalBytes() == bytes else { fatalError("a captured memory changed through its file") }
        let found = memory.secretFindings()
        guard found.isEmpty else { fatalError("a captured memory still holds a credential: \(found)") }
    }

    /// One input as a memory file, as `add`, pull and every read of the pool take it.
    public static func memory(_ data: UnsafeRawBufferPointer) {
        let bytes = data.bindMemory(to: UInt8.self)
        let strict: JSONValue
        do {
            strict = try JSONParser.parse(bytes)
        } catch {
            // The lenient parser may accept only what differs by a repeated key.
            if let lenient = try? JSONParser.parse(bytes, duplicateKeys: .lastWins), !error.reason.hasPrefix("duplicate key") {
                fatalError("the lenient parser accepted what the strict one refused for \(error.reason): \(lenient)")
            }
            return
        }
        guard (try? JSONParser.parse(bytes, duplicateKeys: .lastWins)) == strict else { fatalError("the two policies disagree without a repeated key") }
        // Canonical JSON is a fixed point: written, read and written again, the same bytes
        // (numbers compare by value: 6e6 is written 6000000 and read back as an integer).
        let canonical = CanonicalJSON.document(strict)
        guard let reread = try? canonical.withUnsafeBufferPointer({ (buffer) throws(JSONParseError) in try JSONParser.parse(buffer) }),
            CanonicalJSON.document(reread) == canonical
        else { fatalError("canonical JSON does not read back as itself") }
        _ = SecretCheck.findings(in: strict)
        _ = SecretCheck.redacted(strict)
        if case .object(let members) = strict {
            for key in members.keys { _ = TerminalText.escaped(key) }
        }
        _ = try? Feedback(json: strict)
        guard let memory = try? Memory(json: strict, idPolicy: .optionalButMatching) else { return }
        let file = memory.canonicalBytes()
        guard let reread = try? file.withUnsafeBufferPointer({ (buffer) throws(JSONParseError) in try JSONParser.parse(buffer) }),
            let again = try? Memory(json: reread, idPolicy: .mustMatch)
        else { fatalError("a valid memory's own file is not a valid memory") }
        guard again.id == memory.id, again.canonicalBytes() == file else { fatalError("a memory changed through its file") }
        _ = memory.secretFindings()
        _ = TerminalText.escaped(memory.task)
    }

    /// A directory of this process's own for the input files, in memory when /dev/shm is there.
    static let scratchDirectory: String = {
        let base = FileManager.default.isWritableFile(atPath: "/dev/shm") ? "/dev/shm" : FileManager.default.temporaryDirectory.path
        let path = base + "/mnem-fuzz-\(getpid())"
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()
}
