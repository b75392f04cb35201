import Dispatch
import Foundation
import MnemCore
import MnemTestSupport
import Testing

/// A hook never starves on an index that is behind: it answers from what there is and leaves the
/// work to one detached updater, which finishes it for the next hook.
///
/// `MNEM_INDEX_TEST_DELAY_MS` makes the updater hold its lock that long before working, standing
/// in for the update of a large pool, so the hooks cannot wait for it within their budget.
@Suite("Hooks catch up in the background")
struct HookCatchUpTests {
    /// A session start of a session of its own: a session is not shown a memory twice, and
    /// these tests look at what each hook can inject.
    static var startEvent: String {
        #"{"session_id":"\#(UUID().uuidString)","cwd":"/tmp","hook_event_name":"SessionStart","source":"startup"}"#
    }

    /// Runs `count` hooks at the same time.
    func concurrentHooks(_ world: HookWorld, count: Int, env: [String: String]) -> [ProcessOutput?] {
        let results = Results(count)
        DispatchQueue.concurrentPerform(iterations: count) { i in
            results.set(i, try? world.mnem(["hook", "claude-code", "session-start"], stdin: Self.startEvent, env: env))
        }
        return results.all
    }

    /// Waits (bounded) for the pool's log to hold a line containing `text`.
    func waitForLog(_ world: HookWorld, _ text: String, seconds: Double = 60) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if world.poolLog.contains(where: { $0.contains(text) }) { return true }
            usleep(100_000)
        }
        return false
    }

    @Test("Two hooks on a stale index answer from it at once and start one updater; it finishes once; the next hook is fresh")
    func staleIndexTwoHooks() throws {
        let world = try HookWorld()
        try world.initPool()
        let old = try world.addInsight(title: "Run the test suite before committing")
        let first = try world.mnem(["hook", "claude-code", "session-start"], stdin: Self.startEvent)
        #expect(first.stdout.contains(String(old.prefix(12))), "the first hook waits for the first build, within its budget")
        #expect(world.poolLog.isEmpty)

        let new = try world.addInsight(title: "Pin the toolchain version in continuous integration")
        let slow = ["MNEM_HOOK_BUDGET_MS": "500", "MNEM_INDEX_TEST_DELAY_MS": "4000"]
        let answers = concurrentHooks(world, count: 2, env: slow)
        for answer in answers {
            let answer = try #require(answer)
            #expect(answer.status == 0)
            let context = try JSONParser.parse(answer.stdout)["hookSpecificOutput"]?["additionalContext"]?.stringValue ?? ""
            #expect(context.contains(String(old.prefix(12))), "answered from the stale index's rows")
            #expect(!context.contains(String(new.prefix(12))))
        }
        #expect(!world.poolLog.contains { $0.contains("index updater") }, "the hooks answered before the updater was done")
        let behind = world.poolLog.filter { $0.contains("index behind the pool") }
        #expect(behind.count == 2, "\(world.poolLog)")
        #expect(behind.filter { $0.contains("started an updater") }.count == 1, "\(behind)")
        #expect(behind.filter { $0.contains("already at work") }.count == 1, "\(behind)")

        #expect(waitForLog(world, "brought up to date in the background"))
        let next = try world.mnem(["hook", "claude-code", "session-start"], stdin: Self.startEvent)
        #expect(next.stdout.contains(String(new.prefix(12))), "the next hook gets fresh context")
        usleep(300_000)
        let finished = world.poolLog.filter { $0.contains("index updater") }
        #expect(finished.count == 1, "one updater ran, once: \(world.poolLog)")
        #expect(finished.first?.contains("+1 -0") == true)
        #expect(world.poolLog.count == 3, "the fresh hook logs nothing: \(world.poolLog)")
    }

    @Test("With no index at all a hook injects nothing, says so once, and the updater's build serves the next hook")
    func noIndexYet() throws {
        let world = try HookWorld()
        try world.initPool()
        let id = try world.addInsight()
        let result = try world.mnem(
            ["hook", "claude-code", "session-start"], stdin: Self.startEvent, env: ["MNEM_HOOK_BUDGET_MS": "300", "MNEM_INDEX_TEST_DELAY_MS": "2000"])
        #expect(result.status == 0 && result.stdout.isEmpty)
        #expect(world.poolLog.count == 1, "\(world.poolLog)")
        #expect(world.poolLog.first?.contains("no index yet") == true)
        #expect(waitForLog(world, "index updater"))
        let next = try world.mnem(["hook", "claude-code", "session-start"], stdin: Self.startEvent, env: ["MNEM_HOOK_BUDGET_MS": "300"])
        #expect(next.stdout.contains(String(id.prefix(12))))
    }

    @Test("A memory forgotten since the index was built is not injected from the stale index")
    func forgottenMemoryStaysOut() throws {
        let world = try HookWorld()
        try world.initPool()
        let kept = try world.addInsight(title: "Run the test suite before committing")
        let forgotten = try world.addInsight(title: "Read the failing test before editing")
        _ = try world.mnem(["hook", "claude-code", "session-start"], stdin: Self.startEvent)
        #expect(try world.mnem(["forget", forgotten]).status == 0)
        let answer = try world.mnem(
            ["hook", "claude-code", "session-start"], stdin: Self.startEvent, env: ["MNEM_HOOK_BUDGET_MS": "300", "MNEM_INDEX_TEST_DELAY_MS": "2000"])
        #expect(answer.stdout.contains(String(kept.prefix(12))))
        #expect(!answer.stdout.contains(String(forgotten.prefix(12))))
        #expect(waitForLog(world, "index updater"))
    }
}

/// Results of concurrent runs. `@unchecked Sendable`: `values` is only touched under `lock`.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [ProcessOutput?]
    init(_ count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: ProcessOutput?) { lock.withLock { values[i] = value } }
    var all: [ProcessOutput?] { lock.withLock { values } }
}
