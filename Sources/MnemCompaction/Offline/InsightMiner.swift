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
    /// Sources and domains by number (`RecordKeys`): hashing their names for every case was most of a mining pass.
    var sources = DenseSet()
    /// The sources and agents of the cases that went well: a practice is counted in these.
    var goodSources = DenseSet()
    var goodAgents = DenseSet()
    var domains = DenseSet()
    /// The first records seen (records come in id order), at most `InsightMiner.maxEvidence`.
    var records: [Int] = []

    var rate: Double? { count == 0 ? nil : Double(good) / Double(count) }

    mutating func add(good isGood: Bool, record: Int, source: Int, domain: Int, agent: Int) {
        count += 1
        if isGood {
            good += 1
            goodSources.insert(source)
            goodAgents.insert(agent)
        }
        sources.insert(source)
        domains.insert(domain)
        if records.last != record, records.count < InsightMiner.maxEvidence { records.append(record) }
    }

    /// The cases of `total` that are not in `self` (counts only).
    func complement(in total: Tally) -> Tally {
        var rest = Tally()
        rest.count = total.count - count
        rest.good = total.good - good
        return rest
    }
}

/// A set of small non-negative numbers (`RecordKeys`' sources and domains) as bits: a tally adds
/// one of each for every case, and hashing them took a sixth of mining 100,000 records.
struct DenseSet: Sendable, Sequence {
    private var words: [UInt64] = []
    private(set) var count = 0

    mutating func insert(_ value: Int) {
        let (word, bit) = (value >> 6, UInt64(1) << UInt64(value & 63))
        if word >= words.count { words += repeatElement(0, count: word - words.count + 1) }
        if words[word] & bit == 0 {
            words[word] |= bit
            count += 1
        }
    }

    func contains(_ value: Int) -> Bool {
        value >= 0 && value >> 6 < words.count && words[value >> 6] & (UInt64(1) << UInt64(value & 63)) != 0
    }

    /// The members in increasing order.
    func makeIterator() -> some IteratorProtocol<Int> {
        words.indices.lazy.flatMap { w in
            (0..<64).lazy.filter { self.words[w] & (UInt64(1) << UInt64($0)) != 0 }.map { w << 6 | $0 }
        }.makeIterator()
    }
}

/// The records' sources and domains as numbers, computed once per mining run.
struct RecordKeys: Sendable {
    var source: [Int]
    var domain: [Int]
    var agent: [Int]
    var domainNames: [String]
    /// How many agents the records come from.
    var agents: Int

    init(_ records: [MiningRecord]) {
        var sources: [String: Int] = [:]
        var domains: [String: Int] = [:]
        var agentIDs: [String: Int] = [:]
        var names: [String] = []
        agent = records.map { record in
            if let id = agentIDs[record.agent] { return id }
            agentIDs[record.agent] = agentIDs.count
            return agentIDs.count - 1
        }
        agents = agentIDs.count
        source = records.map { record in
            if let id = sources[record.source] { return id }
            sources[record.source] = sources.count
            return sources.count - 1
        }
        domain = records.map { record in
            if let id = domains[record.domain] { return id }
            domains[record.domain] = names.count
            names.append(record.domain)
            return names.count - 1
        }
        domainNames = names
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
/// - **practices**: where the data holds too few failures for a lift to show (most recorded runs
///   succeed), a habit or recovery still counts when it went well in at least `practiceSources`
///   projects (and with `practiceAgents` agents when the pool holds several) and is no worse than
///   its complement wherever that can be measured. It says so in its
///   words and ranks below every association with a lift; the same pattern keeps its identity
///   when failures later show a lift.
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
    /// Projects in which a practice (no lift measurable) must have gone well: more than an
    /// association with a lift needs, since nothing contrasts it.
    static let practiceSources = 3
    /// Cases that went well a practice needs.
    static let practiceCases = 3
    /// How far below its complement a practice's rate may lie and still count: one failure among
    /// a few dozen runs is noise, a clear deficit is evidence against it.
    static let practiceTolerance = 0.05
    /// A practice's score is its support times this, below every association with a lift
    /// (whose score is at least `minimumLift`).
    static let practiceWeight = 0.01

    /// Agents a practice must have gone well with, when the pool holds that many: what only one
    /// harness's runs do may be that harness's instructions (mini-swe-agent's prompt asks for a
    /// reproduction script) rather than a habit that carries over.
    static let practiceAgents = 2

    /// Whether a technique without a lift still stands as a practice (see the type's comment).
    static func isPractice(_ tally: Tally, lift: Double, measurable: Bool, keys: RecordKeys) -> Bool {
        tally.good >= practiceCases && tally.goodSources.count >= practiceSources
            && tally.goodAgents.count >= min(practiceAgents, keys.agents) && (!measurable || lift >= -practiceTolerance)
    }

    static func mine(_ records: [MiningRecord]) -> [InsightCandidate] {
        let keys = RecordKeys(records)
        // The two kinds read the records independently: one runs beside the other.
        let recovered = BackgroundWork { recoveries(records, keys) }
        let habitual = habits(records, keys)
        var candidates = recovered.value + habitual
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
            // One habit measured two ways is one insight; a scratch reproduction is the reproduce habit.
            let group = key.split(separator: ":", maxSplits: 2).last.map(String.init) ?? ""
            let same = ["scratch|before": "before|reproduce", "scratch|after": "after|reproduce"]
            return "habit:" + (same[group] ?? group)
        }
        guard let at = key.firstIndex(of: "@") else { return key }
        let rest = key[at...].drop(while: { $0 != ":" })
        return String(key[..<at]) + rest
    }

    // MARK: - Recoveries

    struct EpisodeRef: Sendable {
        var record: Int
        var episode: Episode
    }

    /// The techniques a recovery is stated by: a kind of step, an unchanged rerun, a changed invocation, an edit strategy.
    static func isGrouped(_ technique: String) -> Bool {
        technique.hasPrefix("category|") || technique == "none" || technique.hasPrefix("+|") || technique == "smaller-anchor"
            || technique == "read-target" || technique.hasPrefix("switch-tool|")
    }

    static func recoveries(_ records: [MiningRecord], _ keys: RecordKeys) -> [InsightCandidate] {
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
        var overall = Tally()
        for (situation, episodes) in bySituation where !situation.contains("@") {
            for ref in episodes { overall.add(good: ref.episode.progressed, record: ref.record, source: keys.source[ref.record], domain: keys.domain[ref.record], agent: keys.agent[ref.record]) }
        }
        var out: [InsightCandidate] = []
        for situation in bySituation.keys.sorted() {
            guard let episodes = bySituation[situation] else { continue }
            // One pass: for each technique, its tally, the families that helped, and the commands that had failed.
            var total = Tally()
            var with: [String: Tally] = [:]
            var helpedFamilies: [String: [String]] = [:]
            var failing: [String: [String]] = [:]
            for ref in episodes {
                let episode = ref.episode
                let (source, domain, agent) = (keys.source[ref.record], keys.domain[ref.record], keys.agent[ref.record])
                total.add(good: episode.progressed, record: ref.record, source: source, domain: domain, agent: agent)
                for technique in episode.techniques where isGrouped(technique) {
                    with[technique, default: Tally()].add(good: episode.progressed, record: ref.record, source: source, domain: domain, agent: agent)
                    if technique == "none" || episode.progressed { failing[technique, default: []].append(episode.failing) }
                    guard episode.progressed, technique.hasPrefix("category|") else { continue }
                    let prefix = String(technique.dropFirst("category|".count)) + "|"
                    helpedFamilies[technique, default: []] += episode.techniques.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
                }
            }
            for technique in with.keys.sorted() {
                guard let tally = with[technique] else { continue }
                // Fixing the code after an error says nothing an agent does not know.
                if technique == "category|other" || (technique == "category|edit" && situation.hasPrefix("error:")) { continue }
                var without = tally.complement(in: total)
                if without.count < 2 { without = overall }
                guard let rateWith = tally.rate, let rateWithout = without.rate, tally.sources.count >= minimumSources else { continue }
                let lift = rateWith - rateWithout
                let candidate: InsightCandidate?
                if technique == "none" {
                    // Rerunning unchanged: a lesson when it rarely helps.
                    guard -lift >= minimumLift, tally.count >= 2 else { continue }
                    let phrase = InsightPhrasing.unchangedRerun(situation: situation, failing: topFamilies(failing[technique] ?? []), with: rateWith, without: rateWithout)
                    candidate = make("avoid-rerun:" + situation, phrase, with: tally, without: without, rates: (rateWith, rateWithout), outcome: .failure, records: records, keys: keys, lift: -lift)
                } else {
                    let lifted = lift >= minimumLift && tally.good >= 2
                    // A changed invocation without a lift is a coincidence of the rerun, not a practice.
                    guard lifted || (!technique.hasPrefix("+|") && isPractice(tally, lift: lift, measurable: without.count >= 2, keys: keys)) else { continue }
                    let families = topFamilies(helpedFamilies[technique] ?? [])
                    if technique.hasPrefix("category|") && families.isEmpty { continue }
                    let phrase = InsightPhrasing.recovery(
                        situation: situation, technique: technique, families: families, failing: topFamilies(failing[technique] ?? []),
                        rates: lifted ? (rateWith, rateWithout) : nil)
                    candidate = make(
                        "recover:" + situation + ":" + technique, phrase, with: tally, without: without, rates: (rateWith, rateWithout), outcome: .success,
                        records: records, keys: keys, lift: lifted ? lift : practiceWeight * rateWith)
                }
                if let candidate { out.append(candidate) }
            }
        }
        return out
    }

    /// The most frequent families, at most `maxFamilies`, ties by name.
    static func topFamilies(_ families: [String]) -> [String] {
        var counts: [String: Int] = [:]
        // A bare placeholder (`<program>`) shows nothing.
        for family in families where !family.isEmpty && !family.hasPrefix("<") { counts[family, default: 0] += 1 }
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

        /// Habits at the end of a run cannot change how its first check went, and a check between
        /// edits is often that first check itself.
        func applies(to group: String) -> Bool {
            self == .outcome || !(group.hasPrefix("after|") || group.hasPrefix("between|") || group == "scratch|after" || group == "scratch|cleanup")
        }
    }

    /// The mechanism a habit belongs to (a position and a kind of step, whatever the family), and its family.
    static func habitGroup(_ habit: String) -> (group: String, family: String?)? {
        let parts = habit.split(separator: "|", maxSplits: 2).map(String.init)
        switch parts.first {
        case "before", "after", "between":
            guard parts.count == 3 else { return (habit, nil) }
            // Of version control, only looking at the change is a habit; staging and pushing are not.
            if parts[1] == StepCategory.versionControl.rawValue, !isReview(parts[2]) { return nil }
            return (parts[0] + "|" + parts[1], parts[2])
        case "shape":
            // One insight for every way of shaping one kind of run's output, naming the ways.
            return parts.count == 3 ? (parts[0] + "|" + parts[1], parts[2]) : (habit, nil)
        case "scratchwrite": return nil
        default: return (habit, nil)
        }
    }

    static func habits(_ records: [MiningRecord], _ keys: RecordKeys) -> [InsightCandidate] {
        // Each record's groups and families, once: splitting every habit for every measure was most of a run.
        var parsed: [String: (group: String, family: String?)?] = [:]
        var groupsOf: [Set<String>] = []
        var familiesOf: [[(String, String)]] = []
        groupsOf.reserveCapacity(records.count)
        for record in records {
            var groups = Set<String>()
            var families: [(String, String)] = []
            for habit in record.habits {
                let entry: (group: String, family: String?)?
                if let known = parsed[habit] { entry = known } else {
                    entry = habitGroup(habit)
                    parsed[habit] = .some(entry)
                }
                guard let (group, family) = entry else {
                    if habit.hasPrefix("scratchwrite|") { families.append(("scratch|before", String(habit.dropFirst("scratchwrite|".count)))) }
                    continue
                }
                groups.insert(group)
                if let family { families.append((group, family)) }
            }
            groupsOf.append(groups)
            familiesOf.append(families)
        }
        var out: [InsightCandidate] = []
        for measure in Measure.allCases {
            // One pass: the tallies of every group, of everything applicable, and the families that went well.
            var with: [String: Tally] = [:]
            var families: [String: [String]] = [:]
            var known = Tally()
            var knownWithEdits = Tally()
            for (index, record) in records.enumerated() {
                guard let good = measure.value(record) else { continue }
                let (source, domain, agent) = (keys.source[index], keys.domain[index], keys.agent[index])
                known.add(good: good, record: index, source: source, domain: domain, agent: agent)
                if record.edits { knownWithEdits.add(good: good, record: index, source: source, domain: domain, agent: agent) }
                for group in groupsOf[index] { with[group, default: Tally()].add(good: good, record: index, source: source, domain: domain, agent: agent) }
                if good { for (group, family) in familiesOf[index] { families[group, default: []].append(family) } }
            }
            // Without both results on evidence, no difference can show; practices rest on outcomes alone.
            let contrast = known.good > 0 && known.good < known.count
            guard contrast || (measure == .outcome && known.good > 0) else { continue }
            for group in with.keys.sorted() where measure.applies(to: group) {
                guard let tally = with[group] else { continue }
                let needsEdits = group.hasPrefix("before") || group.hasPrefix("after") || group.hasPrefix("between") || group.hasPrefix("scratch")
                let without = tally.complement(in: needsEdits ? knownWithEdits : known)
                guard let rateWith = tally.rate, tally.sources.count >= minimumSources, tally.good >= 2, tally.count >= 3 else { continue }
                let rateWithout = without.rate
                let lift = rateWith - (rateWithout ?? rateWith)
                let lifted = contrast && rateWithout != nil && lift >= minimumLift
                if !lifted {
                    guard measure == .outcome, isPractice(tally, lift: lift, measurable: without.count >= 2, keys: keys),
                        let phrase = InsightPhrasing.habit(group: group, families: topFamilies(families[group] ?? []), measure: measure, rates: nil),
                        let candidate = make(
                            "habit:\(measure.rawValue):" + group, phrase, with: tally, without: without, rates: (rateWith, rateWithout), outcome: .success,
                            records: records, keys: keys, lift: practiceWeight * rateWith)
                    else { continue }
                    out.append(candidate)
                    continue
                }
                guard let rateWithout else { continue }
                guard let phrase = InsightPhrasing.habit(group: group, families: topFamilies(families[group] ?? []), measure: measure, rates: (rateWith, rateWithout))
                else { continue }
                if let candidate = make(
                    "habit:\(measure.rawValue):" + group, phrase, with: tally, without: without, rates: (rateWith, rateWithout), outcome: .success,
                    records: records, keys: keys, lift: lift)
                {
                    out.append(candidate)
                }
            }
        }
        return out
    }

    /// A version-control family that looks at the change (`git diff`, `git status`, `git show`, `git log`).
    static func isReview(_ family: String) -> Bool {
        let words = family.split(separator: " ")
        return words.count >= 2 && words[0] == "git" && ["diff", "status", "show", "log"].contains(words[1])
    }

    // MARK: - Candidates

    static func make(
        _ key: String, _ phrase: InsightPhrasing.Text?, with: Tally, without: Tally, rates: (Double, Double?), outcome: Outcome,
        records: [MiningRecord], keys: RecordKeys, lift: Double
    ) -> InsightCandidate? {
        guard let phrase else { return nil }
        let supporting = with.records.map { records[$0].id }.sorted()
        let evidence = InsightEvidence(
            memories: Array(supporting.map(\.rawValue).prefix(maxEvidence)), domains: with.domains.map { keys.domainNames[$0] }.sorted(),
            successRateWith: round2(rates.0), successRateWithout: rates.1.map(round2))
        // Support in sources counts most: a habit seen in five projects beats one seen five times in two.
        let score = lift * (1 + log2(Double(with.sources.count))) * (1 + 0.1 * log2(Double(with.count)))
        return InsightCandidate(
            key: key, insight: Insight(title: phrase.title, description: phrase.description, content: phrase.content, evidence: evidence),
            outcome: outcome, supporting: Array(supporting.prefix(maxEvidence)), score: score)
    }

    static func round2(_ value: Double) -> Double { (value * 100).rounded() / 100 }
}
