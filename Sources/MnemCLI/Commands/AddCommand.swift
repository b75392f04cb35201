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
            // Not one document: try JSON lines, one memory per non-empty line.
            var memories: [Memory] = []
            var lineNumber = 0
            var sawMultipleLines = false
            for line in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
                lineNumber += 1
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
                if !memories.isEmpty { sawMultipleLines = true }
                let value: JSONValue
                do {
                    value = try JSONParser.parse(Data(line))
                } catch {
                    if memories.isEmpty && !sawMultipleLines && lineNumber == 1 {
                        throw PoolError("\(label): \(wholeError.description)")
                    }
                    throw PoolError("\(label): line \(lineNumber): \(error.description)")
                }
                memories.append(try decodeOne(value, label: "\(label): line \(lineNumber)"))
            }
            return memories
        }
        switch whole {
        case .array(let items):
            return try items.enumerated().map { n, item in try decodeOne(item, label: "\(label): item \(n)") }
        default:
            return [try decodeOne(whole, label: label)]
        }
    }

    static func decodeOne(_ value: JSONValue, label: String) throws -> Memory {
        do {
            return try Memory(json: value, idPolicy: .optionalButMatching)
        } catch {
            throw PoolError("\(label): \(error.description)")
        }
    }
}
