import Foundation
import MnemCore

/// Shows `WorkProgress` on standard error as one line redrawn in place: `indexing 12,000/300,000 (4%)`.
///
/// Installed only for the real process, when standard error is a terminal and the command was
/// not asked for `--json`; so a pipe, a log file, a test or a script never sees it.
struct TerminalProgress: ProgressDisplay {
    func show(label: String, done: Int, total: Int?) {
        var line = "\r\u{1B}[K\(label) \(Self.grouped(done))"
        if let total, total > 0 { line += "/\(Self.grouped(total)) (\(min(100, done * 100 / total))%)" }
        FileHandle.standardError.write(Data(line.utf8))
    }

    func clear() {
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    /// `n` with thousands separated by commas.
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// Installs the display for a command run on `console` when it is the real process's
    /// terminal, and removes it otherwise.
    static func install(for console: Console, json: Bool) {
        WorkProgress.install(console.showsProgress && !json ? TerminalProgress() : nil)
    }
}
