import Foundation
import MnemCore

/// The check every insight and workflow passes before it is kept, mined or written by an LLM:
/// it names no path, no file, and none of the projects it was learned from.
///
/// Placeholders (`<file.py>`, `<dir>`) are what abstract text uses in place of these, and pass.
enum AbstractionCheck {
    /// The first word of `texts` that names something specific: a path, a file name, or one of
    /// `names` (lower-cased project, repository and file names), or nil.
    static func leak(in texts: [String], names: Set<String> = []) -> String? {
        for text in texts {
            for raw in text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "(" || $0 == ")" || $0 == "," || $0 == "`" || $0 == "'" || $0 == "\"" }) {
                let word = raw.trimmingCharacters(in: CharacterSet(charactersIn: ".;:!?"))
                if word.hasPrefix("<") && word.hasSuffix(">") { continue }
                if word.contains("/"), !word.contains("://"), !word.contains("<") {
                    let parts = word.split(separator: "/")
                    if word.hasPrefix("/") || word.hasPrefix("./") || word.hasPrefix("~/") || parts.count >= 3 { return word }
                }
                if !word.contains("<"), let ext = Abstraction.fileExtension(word), Abstraction.extensions.contains(ext), word.count > ext.count + 1 { return word }
            }
            guard !names.isEmpty else { continue }
            let lowered = text.lowercased()
            for word in lowered.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "-" && $0 != "_" && $0 != "." }) {
                let token = String(word).trimmingCharacters(in: CharacterSet(charactersIn: "."))
                if names.contains(token) { return token }
            }
        }
        return nil
    }

    /// Words that would name a trajectory's project: its domain (when it names a project, not a
    /// language), its repository and working directory, and the files its steps touched.
    static func names(of memory: Memory) -> Set<String> {
        var out = Set<String>()
        func add(_ value: String?) {
            guard let value = value?.lowercased(), value.count >= 3 else { return }
            out.insert(value)
        }
        let languages = Set(LanguageDetector.byExtension.values.map { $0.lowercased() })
        for part in memory.domain.lowercased().split(separator: "/") where !languages.contains(String(part)) && part != "general" { add(String(part)) }
        if let repository = memory.source.repository {
            for part in repository.split(whereSeparator: { $0 == "/" || $0 == ":" }).suffix(2) { add(String(part).replacingOccurrences(of: ".git", with: "")) }
        }
        add(memory.source.workingDirectory?.split(separator: "/").last.map(String.init))
        if case .trajectory(let trajectory) = memory.body {
            for step in trajectory.steps {
                for raw in step.input.split(whereSeparator: { " \n\t\"'`()[]{}<>,;=|&:".contains($0) }) {
                    let token = raw.trimmingCharacters(in: CharacterSet(charactersIn: ".!?*"))
                    if let base = Abstraction.baseName(token), Abstraction.fileExtension(base) != nil { add(base) }
                }
            }
        }
        return out
    }

    /// The project names of the sources insights are mined from (`domain:x`, `repository:o/n`, `directory:x`).
    static func names(ofSources sources: some Sequence<String>) -> Set<String> {
        var out = Set<String>()
        for source in sources {
            guard let colon = source.firstIndex(of: ":") else { continue }
            let kind = source[..<colon]
            guard kind != "agent" else { continue }
            for part in source[source.index(after: colon)...].split(separator: "/") where part.count >= 3 { out.insert(part.lowercased()) }
        }
        return out
    }
}
