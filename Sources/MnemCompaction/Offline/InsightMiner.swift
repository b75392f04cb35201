import Foundation
import MnemCore

/// An insight the miner proposes, before consolidation with the pool's existing insights.
struct InsightCandidate: Sendable {
    /// The association the insight states (`recover:error:missing-module@python:install`); its identity.
    var key: String
    var insight: Insight
    var outcome: Outcome
    var supporting: [MemoryID]
    /// How strongly the data supports it (for the deterministic greedy selection).
    var score: Double
}

/// Tallies of one side of an association: how many cases, how many went well, from which sources.
struct Tally: Sendable {
    var count = 0
    var good = 0
    var sources = Set<String>()
    var domains = Set<String>()
    var records = Set<Int>()

    var rate: Double? { count == 0 ? nil : Double(good) / Double(count) }

    mutating func add(good isGood: Bool, record: Int, source: String, domain: String) {
        count += 1
        if isGood { good += 1 }
        sources.insert(source)
        domains.insert(domain)
        records.insert(record)
    }
}

/// Mines associations between a situation and a technique from the trajectories themselves.
///
/// Three kinds, each with the lift it shows and counted in sources (projects), never in sessions
/// of one project:
/// - **recoveries**: a step failed with an error class (in a toolchain) or an edit was refused; what
///   was done before the same command ran again (a kind of step, the command families it used, a
///   changed invocation such as `2>&1 | tail -n`), and whether the rerun got further, against
///   reruns of the same situation without it. An unchanged immediate rerun is a technique too, whose
///   lift is usually negative.
/// - **habits**: what a trajectory ran before its first edit and after its last (scratch
///   reproduction scripts detected as files written and then run), and how it shaped its output,
///   against the trajectories without it, over outcomes that rest on evidence only.
/// The words come from what was mined (the families, the error class, the toolchain); see
/// `InsightPhrasing`. Sibling techniques of one mechanism (three install commands after one error)
/// become one insight naming them. The candidates are ranked by support and lift and chosen
/// greedily in a fixed order, so the same records always give the same insights.
enum InsightMiner {
    /// Sources (projects) an association needs.
    static let minimumSources = 2
    /// The smallest lift (rate with minus rate without) that counts.
    static let minimumLift = 0.15
    /// The most command families one insight names.
    static let maxFamilies = 3
    /// Evidence lists are cut to this many memories.
    static let maxEvidence = 200

    static func mine(_ records: [MiningRecord]) -> [InsightCandidate] {
        var candidates = recoveries(records) + habits(records)
        // Ties go to the more specific situation (a toolchain named) and to outcomes over first checks.
        func preference(_ key: String) -> Int { (key.contains("@") ? 0 : 1) + (key.hasPrefix("habit:first-check") ? 2 : 0) }
        candidates.sort { a, b in
            if a.score != b.score { return a.score > b.score }
            let (pa, pb) = (preference(a.key), preference(b.key))
            return pa != pb ? pa < pb : a.key < b.key
        }
        // Greedy, in that fixed order: one insight per mechanism; a candidate whose supporting
        // trajectories and wording repeat an accepted one is left out.
        var accepted: [InsightCandidate] = []
        for candidate in candidates {
            let repeats = accepted.contains { other in
                mechanism(other.key) == mechanism(candidate.key)
                    || Consolidation.similarity(other.insight, candidate.insight) >= Consolidation.threshold
            }
            if !repeats { accepted.append(candidate) }
        }
        return accepted.sorted { $0.key < $1.key }
    }

    /// Two keys with one mechanism (the same error and kind of step, at two toolchain levels) are one insight.
    static func mechanism(_ key: String) -> String {
        if key.hasPrefix("habit:") {
            // One habit measured two ways is one insight.
            return "habit:" + (key.split(separator: ":", maxSplits: 2).last.map(String.init) ?? "")
        }
        guard let at = key.firstIndex(of: "@") else { return key }
        let rest = key[at...].drop(while: { $0 != ":" })
        return String(key[..<at]) + rest
    }

    // MARK: - Recoveries

    struct EpisodeRef {
        var record: Int
        var episode: Episode
    }

    static func recoveries(_ records: [MiningRecord]) -> [InsightCandidate] {
        var bySituation: [String: [EpisodeRef]] = [:]
        for (r, record) in records.enumerated() {
            for episode in record.episodes {
                bySituation[episode.situation, default: []].append(EpisodeRef(record: r, episode: episode))
                // The same error without its toolchain, so evidence from two languages can meet.
                if let at = episode.situation.firstIndex(of: "@") {
                    bySituation[String(episode.situation[..<at]), default: []].append(EpisodeRef(record: r, episode: episode))
                }
            }
        }
        let all = bySituation.filter { !$0.key.contains("@") }.values.flatMap { $0 }
        let overall = tally(all, records) { _ in true }
        var out: [InsightCandidate] = []
        for situation in bySituation.keys.sorted() {
            guard let episodes = bySituation[situation] else { continue }
            let techniques = Set(episodes.flatMap(\.episode.techniques)).sorted()
            for technique in techniques {
                let grouped = technique.hasPrefix("category|") || technique == "none" || technique.hasPrefix("+|") || technique == "smaller-anchor"
                    || technique == "read-target" || technique.hasPrefix("switch-tool|") || technique == "category|retry"
                guard grouped else { continue }
                // Fixing the code after an error says nothing an agent does not know.
                if technique == "category|other" || (technique == "category|edit" && situation.hasPrefix("error:")) { continue }
                let with = tally(episodes, records) { $0.techniques.contains(technique) }
                var without = tally(episodes, records) { !$0.techniques.contains(technique) }
                if without.count < 2 { without = overall }
                guard let rateWith = with.rate, let rateWithout = without.rate, with.sources.count >= minimumSources else { continue }
                let lift = rateWith - rateWithout
                let candidate: InsightCandidate?
                if technique == "none" {
                    // Rerunning unchanged: a lesson when it rarely helps.
                    guard -lift >= minimumLift, with.count >= 2 else { continue }
                    let phrase = InsightPhrasing.unchangedRerun(
                        situation: situation, failing: topFamilies(episodes.filter { $0.episode.techniques.contains("none") }.map(\.episode.failing)),
                        with: rateWith, without: rateWithout)
                    candidate = make("avoid-rerun:" + situation, phrase, with: with, without: without, rates: (rateWith, rateWithout), outcome: .failure, records: records, lift: -lift)
                } else {
                    guard lift >= minimumLift, with.good >= 2 else { continue }
                    let helped = episodes.filter { $0.episode.progressed && $0.episode.techniques.contains(technique) }
                    let category = technique.hasPrefix("category|") ? String(technique.dropFirst("category|".count)) : nil
                    let families = category.map { c in topFamilies(helped.flatMap { $0.episode.techniques.filter { $0.hasPrefix(c + "|") } }.map { String($0.dropFirst(c.count + 1)) }) } ?? []
                    if category != nil && families.isEmpty { continue }
                    let phrase = InsightPhrasing.recovery(
                        situation: situation, technique: technique, families: families,
                        failing: topFamilies(helped.map(\.episode.failing)), with: rateWith, without: rateWithout)
                    candidate = make("recover:" + situation + ":" + technique, phrase, with: with, without: without, rates: (rateWith, rateWithout), outcome: .success, records: records, lift: lift)
                }
                if let candidate { out.append(candidate) }
            }
        }
        return out
    }

    static func tally(_ episodes: [EpisodeRef], _ records: [MiningRecord], _ include: (Episode) -> Bool) -> Tally {
        var tally = Tally()
        for ref in episodes where include(ref.episode) {
            let record = records[ref.record]
            tally.add(good: ref.episode.progressed, record: ref.record, source: record.source, domain: record.domain)
        }
        return tally
    }

    /// The most frequent families, at most `maxFamilies`, ties by name.
    static func topFamilies(_ families: [String]) -> [String] {
        var counts: [String: Int] = [:]
        for family in families where !family.isEmpty { counts[family, default: 0] += 1 }
        return counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(maxFamilies).map(\.key)
    }

    // MARK: - Habits

    /// What a habit is measured against: the trajectory's outcome, or whether its first check after editing passed.
    enum Measure: String, CaseIterable {
        case outcome
        case firstCheck = "first-check"

        func value(_ record: MiningRecord) -> Bool? {
            switch self {
            case .outcome: record.outcome.map { $0 == .success }
            case .firstCheck: record.firstCheckPassed
            }
        }

        /// Habits at the end of a run cannot change how its first check went.
        func applies(to group: String) -> Bool {
            self == .outcome || !(group.hasPrefix("after|") || group == "scratch|after" || group == "scratch|cleanup")
        }
    }

    static func habits(_ records: [MiningRecord]) -> [InsightCandidate] {
        var out: [InsightCandidate] = []
        for measure in Measure.allCases {
            let known = records.indices.filter { measure.value(records[$0]) != nil }
            // Without both results on evidence, no difference can show.
            guard known.contains(where: { measure.value(records[$0]) == true }), known.contains(where: { measure.value(records[$0]) == false }) else {
                continue
            }
            // Group habits by mechanism: a position and a kind of step, whatever the families.
            var groups = Set<String>()
            for index in known {
                for habit in records[index].habits {
                    let parts = habit.split(separator: "|", maxSplits: 2).map(String.init)
                    switch parts.first {
                    case "before", "after": groups.insert(parts.count >= 2 ? parts[0] + "|" + parts[1] : habit)
                    case "scratchwrite": continue
                    default: groups.insert(habit)
                    }
                }
            }
            for group in groups.sorted() where measure.applies(to: group) {
                let needsEdits = group.hasPrefix("before") || group.hasPrefix("after") || group.hasPrefix("scratch")
                let applicable = known.filter { !needsEdits || records[$0].edits }
                var with = Tally()
                var without = Tally()
                for index in applicable {
                    let record = records[index]
                    let good = measure.value(record) == true
                    if record.habits.contains(where: { $0 == group || $0.hasPrefix(group + "|") }) {
                        with.add(good: good, record: index, source: record.source, domain: record.domain)
                    } else {
                        without.add(good: good, record: index, source: record.source, domain: record.domain)
                    }
                }
                guard let rateWith = with.rate, let rateWithout = without.rate, with.sources.count >= minimumSources, with.good >= 2, with.count >= 3
                else { continue }
                let lift = rateWith - rateWithout
                guard lift >= minimumLift else { continue }
                let successful = with.records.filter { measure.value(records[$0]) == true }.sorted()
                let prefix = group.hasPrefix("scratch|before") ? "scratchwrite|" : group + "|"
                let families = topFamilies(successful.flatMap { records[$0].habits.filter { $0.hasPrefix(prefix) } }.map { String($0.dropFirst(prefix.count)) })
                guard let phrase = InsightPhrasing.habit(group: group, families: families, measure: measure, with: rateWith, without: rateWithout) else { continue }
                if let candidate = make(
                    "habit:\(measure.rawValue):" + group, phrase, with: with, without: without, rates: (rateWith, rateWithout), outcome: .success,
                    records: records, lift: lift)
                {
                    out.append(candidate)
                }
            }
        }
        return out
    }

    // MARK: - Candidates

    static func make(
        _ key: String, _ phrase: InsightPhrasing.Text?, with: Tally, without: Tally, rates: (Double, Double), outcome: Outcome,
        records: [MiningRecord], lift: Double
    ) -> InsightCandidate? {
        guard let phrase else { return nil }
        let supporting = with.records.map { records[$0].id }.sorted()
        let evidence = InsightEvidence(
            memories: Array(supporting.map(\.rawValue).prefix(maxEvidence)), domains: with.domains.sorted(),
            successRateWith: round2(rates.0), successRateWithout: round2(rates.1))
        // Support in sources counts most: a habit seen in five projects beats one seen five times in two.
        let score = lift * (1 + log2(Double(with.sources.count))) * (1 + 0.1 * log2(Double(with.count)))
        return InsightCandidate(
            key: key, insight: Insight(title: phrase.title, description: phrase.description, content: phrase.content, evidence: evidence),
            outcome: outcome, supporting: Array(supporting.prefix(maxEvidence)), score: score)
    }

    static func round2(_ value: Double) -> Double { (value * 100).rounded() / 100 }
}
