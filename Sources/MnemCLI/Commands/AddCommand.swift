import Foundation
import MnemCore

/// `mnem add [FILE…|-]`: adds memories (an object, an array, or JSON lines) in one commit.
struct AddCommand: Command {
    static let name = "add"
    static let abstract = "Add memories from JSON files or standard input"
    static let help = """
        Usage: mnem add [FILE…|-] [--message TEXT]

          FILE          a memory object, an array of them, or JSON lines; '-' or nothing reads standard input
          --message     the commit's summary line (default: "add N memories")

        Every memory is validated before anything is written; one invalid memory and nothing is added.
        A memory (or --message) holding a credential is refused, naming the field and the kind.
        An id may be given; it must match the content. Memories already in the pool are left as they are.
        """

    var files: [String]
    var message: String?
    var global: GlobalOptions

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        message = try args.option("--message", "-m")
        files = try args.positionals()
        if files.isEmpty { files = ["-"] }
        self.global = global
    }

    func run(_ console: Console) throws -> Int32 {
        var memories: [Memory] = []
        let now = isoDate(Date())
        for file in files {
            let data: Data
            let label = file == "-" ? "<stdin>" : file
            if file == "-" {
                data = console.readStdin()
            } else {
                do {
                    data = try Data(contentsOf: URL(fileURLWithPath: console.absolute(file)))
                } catch {
                    throw PoolError("\(file): cannot read: \((error as NSError).localizedFailureReason ?? error.localizedDescription)")
                }
            }
            for var memory in try MemoryInput.decode(data, label: label) {
                if memory.source.capturedAt == nil {
                    memory.source.capturedAt = now
                }
                memories.append(memory)
            }
        }
        guard !memories.isEmpty else { throw PoolError("\(files.joined(separator: ", ")): no memories to add") }
        if let message { try SecretCheck.refuse(fields: [("--message", message)], label: "mnem add") }
        let pool = try global.openPool(console)
        let summary = message ?? "add \(memories.count) memor\(memories.count == 1 ? "y" : "ies")"
        let result = try pool.add(memories, info: pool.commitInfo(summary, console))
        if global.json {
            printJSON(
                [
                    "commit": result.commit.map { .string($0.hex) } ?? .null,
                    "added": .array(result.added.map { .string($0.rawValue) }),
                    "unchanged": .array(result.unchanged.map { .string($0.rawValue) }),
                ], console)
        } else {
            for id in result.added { console.out("added \(id.rawValue)") }
            for id in result.unchanged { console.out("unchanged \(id.rawValue)") }
            if let commit = result.commit {
                console.out("\(result.added.count) added, \(result.unchanged.count) already there (commit \(commit.hex.prefix(10)))")
            } else {
                console.out("nothing to add: all \(result.unchanged.count) already in the pool")
            }
        }
        return 0
    }
}

/// Reads memories from bytes: a JSON object, an array of objects, or JSON lines.
enum MemoryInput {
    static func decode(_ data: Data, label: String) throws -> [Memory] {
        if data.isEmpty || data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            throw PoolError("\(label): empty input")
        }
        let whole: JSONValue
        do {
            whole = try JSONParser.parse(data)
        } catch let wholeError {
            // Not one document: JSON lines, one memory per non-empty line, decoded on all cores.
            var lines: [(number: Int, range: Range<Int>)] = []
            data.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return }
                JSONLines.forEachLine(in: raw) { number, line in
                    guard !JSONLines.isBlank(line), let start = line.baseAddress else { return }
                    let offset = base.distance(to: UnsafeRawPointer(start))
                    lines.append((number, offset..<(offset + line.count)))
                }
            }
            return try lines.parallelMap { number, range in
                let parsed: Result<JSONValue, JSONParseError> = data.withUnsafeBytes { raw in
                    let bytes = raw.bindMemory(to: UInt8.self)
                    do throws(JSONParseError) {
                        return .success(try JSONParser.parse(UnsafeBufferPointer(rebasing: bytes[range])))
                    } catch {
                        return .failure(error)
                    }
                }
                switch parsed {
                case .success(let value):
                    return try decodeOne(value, label: "\(label): line \(number)")
                case .failure(let error):
                    // A file that is not JSON at all gets the whole-document message.
                    throw PoolError(number == 1 ? "\(label): \(wholeError.description)" : "\(label): line \(number): \(error.description)")
                }
            }
        }
        switch whole {
        case .array(let items):
            return try items.enumerated().map { n, item in try decodeOne(item, label: "\(label): item \(n)") }
        default:
            return [try decodeOne(whole, label: label)]
        }
    }

    /// One memory, refused when it holds a credential: what `add` writes is kept as given, so it
    /// cannot be redacted without changing what the author meant (and the id they computed).
    static func decodeOne(_ value: JSONValue, label: String) throws -> Memory {
        let memory: Memory
        do {
            memory = try Memory(json: value, idPolicy: .optionalButMatching)
        } catch {
            throw PoolError("\(label): \(error.description)")
        }
        try SecretCheck.refuse(memory.jsonObject(), label: label)
        return memory
    }
}
