/// What kind of work a trajectory step does, as a workflow names it.
public enum StepCategory: String, Sendable, CaseIterable, Hashable, Comparable {
    case inspect, search, reproduce, edit, build, test, run, install
    case versionControl = "version-control"
    case web, other

    /// When one command line does several things (`cd x && make && pytest`), the most telling
    /// part names the step: running tests says more than building, building more than listing.
    var weight: Int {
        switch self {
        case .test: 10
        case .build: 9
        case .install: 8
        case .reproduce: 7
        case .edit: 6
        case .versionControl: 5
        case .web: 4
        case .search: 3
        case .inspect: 2
        case .run: 1
        case .other: 0
        }
    }

    /// A short verb phrase for workflow goals and summaries ("run the tests").
    public var phrase: String {
        switch self {
        case .inspect: "inspect"
        case .search: "search"
        case .reproduce: "reproduce"
        case .edit: "edit"
        case .build: "build"
        case .test: "test"
        case .run: "run"
        case .install: "install"
        case .versionControl: "version control"
        case .web: "web lookup"
        case .other: "other"
        }
    }

    public static func < (a: StepCategory, b: StepCategory) -> Bool { a.rawValue < b.rawValue }

    /// Categories that check whether a change works.
    var validates: Bool { self == .test || self == .build || self == .run || self == .reproduce }
}
