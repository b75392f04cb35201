import MnemGit

extension Pool {
    /// Why an incoming memory or feedback file is refused for holding a credential, or nil:
    /// the kind and the field (the whole text when it is not JSON), never the value.
    ///
    /// Pull refuses rather than redacts: a teammate's memory cannot be changed without changing
    /// its id, and a refusal tells the puller whom to ask. Called where each incoming file
    /// passes, for every new commit of a pull.
    func incomingSecretProblem(bytes: [UInt8], json: JSONValue?) -> (InvalidEntry.Problem, String)? {
        let found = json.map { SecretCheck.findings(in: $0) } ?? SecretCheck.findings(in: String(decoding: bytes, as: UTF8.self), field: "")
        guard let first = found.first else { return nil }
        let more = found.count > 1 ? " (and \(found.count - 1) more)" : ""
        return (.secret, first.field.isEmpty ? "holds a \(first.kind)\(more)" : "holds a \(first.kind) in \(first.field)\(more)")
    }
}

extension Pool {
    /// The new commits whose messages hold a credential, one entry each (`(commit <id>)`, the
    /// kind): a message is history, pushed on to every teammate and kept whatever is forgotten.
    func incomingMessageProblems(_ commits: [ObjectID], source: Repository) -> [InvalidEntry] {
        commits.compactMap { id in
            guard let message = try? source.commit(id).message, let found = SecretCheck.findings(in: message, field: "").first else { return nil }
            return InvalidEntry(path: "(commit \(id.hex.prefix(12)))", problem: .secret, reason: "commit message holds a \(found.kind)")
        }
    }
}
