import Foundation
import MnemTestSupport

/// A chat-completions server on 127.0.0.1 (a free port, `LocalHTTPServer`), for testing the LLM
/// compactor against real HTTP: it answers scripted replies first, then well-formed memories by kind.
final class ChatStandIn: Sendable {
    struct Reply: Sendable {
        /// 0 stands for a server that never answers: the connection is held for 3 s, then dropped.
        var status: Int
        var headers: [String: String] = [:]
        var body: String
    }

    private let server: LocalHTTPServer

    /// - Parameter fallback: when set, every request after the script gets this reply.
    init(script: [Reply] = [], fallback: Reply? = nil) throws {
        let pending = ScriptedReplies(script)
        server = try LocalHTTPServer { request in
            let text = request.text
            let reply = pending.next() ?? fallback ?? ChatStandIn.memoryReply(for: text)
            return LocalHTTPServer.Response(status: reply.status, headers: reply.headers, json: reply.body, delay: reply.status == 0 ? 3 : 0)
        }
    }

    var baseURL: String { "http://127.0.0.1:\(server.port)" }

    /// The requests received so far, as text (request line, headers, body).
    var requests: [String] { server.requests.map(\.text) }

    func stop() { server.stop() }

    /// A chat-completions response whose message content is `content`.
    static func chat(_ content: String) -> Reply {
        let escaped = content.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
        return Reply(
            status: 200,
            body: #"{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":""# + escaped
                + #""},"finish_reason":"stop"}],"usage":{"prompt_tokens":100,"completion_tokens":50,"total_tokens":150}}"#)
    }

    static let workflowJSON = #"{"goal":"Use when a reported bug must be fixed in a library","steps":[{"category":"search","action":"Search for the failing name","example":"grep -rn <identifier> <dir>"},{"category":"edit","action":"Make the change","example":"str_replace <file.py>"},{"category":"test","action":"Run the narrow test","example":"pytest -x -k <test>"}]}"#
    static let summaryJSON = #"{"taskSummary":"Fix a crash on empty input.","environment":"Python, pytest","actions":"searched, edited, tested","results":"tests passed","why":"the fix was validated by the tests"}"#
    static let insightJSON = #"{"title":"Validate every fix with the tests","description":"Run the test suite after the final edit.","content":"A change is done only when the tests pass on its final version."}"#

    /// A full reply: analysis, insights, summary and workflow (whatever was asked, and more).
    static func fullReply(insights: [String] = [insightJSON]) -> String {
        #"{"analysis":"It worked because the fix was checked.","insights":["# + insights.joined(separator: ",") + #"],"summary":"# + summaryJSON + #","workflow":"# + workflowJSON + "}"
    }

    /// A valid reply to any prompt.
    static func memoryReply(for request: String) -> Reply {
        chat("```json\n" + fullReply() + "\n```")
    }
}

/// The scripted replies not yet given, handed out in order across the server's thread.
///
/// `@unchecked Sendable`: `replies` is only touched under `lock`.
private final class ScriptedReplies: @unchecked Sendable {
    private let lock = NSLock()
    private var replies: [ChatStandIn.Reply]

    init(_ replies: [ChatStandIn.Reply]) { self.replies = replies }

    func next() -> ChatStandIn.Reply? { lock.withLock { replies.isEmpty ? nil : replies.removeFirst() } }
}
