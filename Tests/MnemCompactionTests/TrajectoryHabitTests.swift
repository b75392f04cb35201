import Foundation
import MnemCore
import Testing

@testable import MnemCompaction

/// What a trajectory's own steps say about its habits and its scratch files.
@Suite struct TrajectoryHabitTests {
    @Test func checksBetweenEditsAreAHabit() {
        let memory = trajectory(
            "Fix the rounding of totals", domain: "ledger", outcome: .success,
            steps: [
                ("bash", "cat src/ledger/total.py", "def total(): ...", 0),
                ("str_replace_editor", #"{"command": "str_replace", "path": "/repo/src/ledger/total.py", "old_str": "round(x)", "new_str": "round(x, 2)"}"#, "edited", 0),
                ("bash", "python -m pytest tests/test_total.py", "1 failed", 1),
                ("str_replace_editor", #"{"command": "str_replace", "path": "/repo/src/ledger/total.py", "old_str": "return t", "new_str": "return round(t, 2)"}"#, "edited", 0),
                ("bash", "python -m pytest tests/test_total.py", "3 passed", 0),
            ])
        let habits = TrajectoryAnalysis(memory).miningRecord.habits
        #expect(habits.contains { $0.hasPrefix("between|check|python -m pytest") }, "\(habits)")
        #expect(habits.contains { $0.hasPrefix("after|test|python -m pytest") }, "\(habits)")

        // One edit has nothing between.
        let once = trajectory(
            "Fix the rounding of totals", domain: "ledger", outcome: .success,
            steps: [
                ("str_replace_editor", #"{"command": "str_replace", "path": "/repo/src/ledger/total.py", "old_str": "round(x)", "new_str": "round(x, 2)"}"#, "edited", 0),
                ("bash", "python -m pytest tests/test_total.py", "3 passed", 0),
            ])
        #expect(!TrajectoryAnalysis(once).miningRecord.habits.contains { $0.hasPrefix("between|") })
    }

    /// A capture-the-flag run writes a script and runs it: the script is the answer, not a reproduction.
    @Test func aScriptThatIsTheWholeWorkIsNotScratch() {
        let solving = trajectory(
            "Exploit the warm-up binary and read the flag", domain: "ctf", outcome: .success,
            steps: [
                ("bash", "objdump -d warmup | head -n 40", "0000000000400596 <easy>:", 0),
                // SWE-agent records the whole action, the tool's name included.
                ("create", "create solve.py\n", "[File: /work/solve.py (1 lines total)]", 0),
                ("edit", "edit 1:1\nfrom pwn import *\nprint('payload')\nend_of_edit", "File updated.", 0),
                ("python", "python solve.py\n", "flag{...}", 0),
                ("submit", "submit flag{...}\n", "", 0),
            ], evidence: OutcomeEvidence(signal: .run, detail: "run `python solve.py` after the last edit", step: 3))
        let analysis = TrajectoryAnalysis(solving)
        #expect(analysis.scratchFiles.isEmpty)
        #expect(!analysis.primaryEdits.isEmpty)
        let actions = WorkflowBuilder.workflow(analysis).steps.map(\.action).joined(separator: " | ")
        #expect(!actions.lowercased().contains("reproduce"), "\(actions)")
        #expect(actions.contains("Write the script that solves it"), "\(actions)")
        // The summary names the file, not the command, and counts the script's run as its check.
        let summary = SummaryBuilder.summary(analysis)
        #expect(summary.taskSummary.contains("changed `solve.py`") && !summary.taskSummary.contains("`create solve.py`"), "\(summary.taskSummary)")
        #expect(summary.experience.results.contains("The last check after the final change (`python <file.py>`) passed."), "\(summary.experience.results)")
        // The miner judges the same run the same way.
        #expect(analysis.miningRecord.firstCheckPassed == true)

        // The same script followed by a change to the code is scratch: it reproduced the problem.
        let fixing = trajectory(
            "Fix the parser crash on empty input", domain: "parser", outcome: .success,
            steps: [
                ("create", "solve.py", "[File: /work/solve.py (1 lines total)]", 0),
                ("edit", "1:1\nfrom parser import parse\nparse('')\nend_of_edit", "File updated.", 0),
                ("bash", "python solve.py", "IndexError: string index out of range", 1),
                ("str_replace_editor", #"{"command": "str_replace", "path": "/repo/parser/core.py", "old_str": "s[0]", "new_str": "s[:1]"}"#, "edited", 0),
                ("bash", "python solve.py", "", 0),
            ])
        #expect(TrajectoryAnalysis(fixing).scratchFiles == ["solve.py"])
    }

    @Test func aRoutineSaysEachStepOnce() {
        let memory = trajectory(
            "Fix the date parser for leap years", domain: "calendar", outcome: .success,
            steps: [
                ("bash", "pip install -e .", "Successfully installed calendar", 0),
                ("bash", "cat calendar/parse.py", "def parse(): ...", 0),
                ("str_replace_editor", #"{"command": "str_replace", "path": "/repo/calendar/parse.py", "old_str": "% 4", "new_str": "% 400"}"#, "edited", 0),
                ("bash", "pip install pytest", "Successfully installed pytest", 0),
                ("bash", "python -m pytest tests/test_parse.py", "5 passed", 0),
            ])
        let actions = WorkflowBuilder.workflow(TrajectoryAnalysis(memory)).steps.map(\.action)
        #expect(actions.filter { $0.hasPrefix("Install or configure") }.count == 1, "\(actions)")
        #expect(actions.contains("Make the change"), "\(actions)")
        #expect(Set(actions).count == actions.count, "\(actions)")
    }

    @Test func lookingAtTheRepositoryFirstIsNotReviewingTheChange() {
        let memory = trajectory(
            "Rename the config loader", domain: "settings", outcome: .success,
            steps: [
                ("bash", "git status", "nothing to commit, working tree clean", 0),
                ("str_replace_editor", #"{"command": "str_replace", "path": "/repo/settings/load.py", "old_str": "def load(", "new_str": "def load_config("}"#, "edited", 0),
                ("bash", "python -m pytest tests/test_load.py", "2 passed", 0),
                ("bash", "git diff", "-def load(\n+def load_config(", 0),
            ])
        let actions = WorkflowBuilder.workflow(TrajectoryAnalysis(memory)).steps.map(\.action)
        #expect(actions.first == "Check the repository state before starting (status, log)", "\(actions)")
        #expect(actions.last == "Review the change set (status, diff)", "\(actions)")
    }
}
