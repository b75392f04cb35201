/// A class of error seen in a step's observation, named without anything task-specific.
public enum ErrorClass: String, Sendable, CaseIterable, Hashable, Comparable {
    case missingModule = "missing-module"
    case syntaxError = "syntax-error"
    case permissionDenied = "permission-denied"
    case commandNotFound = "command-not-found"
    case fileNotFound = "file-not-found"
    case portInUse = "port-in-use"
    case connectionFailed = "connection-failed"
    case compileError = "compile-error"
    case testFailure = "test-failure"
    case runtimeException = "runtime-exception"
    case timeout
    case undefinedName = "undefined-name"
    case dependencyConflict = "dependency-conflict"
    case isDirectory = "is-directory"
    case invalidToolInput = "invalid-tool-input"
    case rejectedByUser = "rejected-by-user"
    case versionControlRefused = "version-control-refused"

    public static func < (a: ErrorClass, b: ErrorClass) -> Bool { a.rawValue < b.rawValue }

    /// How the error reads in a sentence ("a missing module or import error").
    public var phrase: String {
        switch self {
        case .missingModule: "a missing module or import error"
        case .syntaxError: "a syntax error"
        case .permissionDenied: "a permission denied error"
        case .commandNotFound: "a command that is not installed"
        case .fileNotFound: "a missing file or path"
        case .portInUse: "a port that is already in use"
        case .connectionFailed: "a refused or failed connection"
        case .compileError: "a compile error"
        case .testFailure: "a failing test"
        case .runtimeException: "a runtime exception"
        case .timeout: "a command that timed out"
        case .undefinedName: "an undefined name or attribute"
        case .dependencyConflict: "a dependency version conflict"
        case .isDirectory: "a directory where a file was expected"
        case .invalidToolInput: "a tool call with invalid input"
        case .rejectedByUser: "a tool call the user rejected"
        case .versionControlRefused: "a refused version-control operation"
        }
    }

    /// The signals of each class, most specific first; matched case-sensitively against the observation.
    static let signals: [(ErrorClass, [String])] = [
        (.rejectedByUser, ["doesn't want to proceed", "User rejected tool use", "user rejected", "tool use was rejected"]),
        (.invalidToolInput, ["InputValidationError", "Invalid tool parameters", "invalid arguments for tool", "is not a valid tool"]),
        (.isDirectory, ["EISDIR", "Is a directory", "illegal operation on a directory"]),
        (.dependencyConflict, ["ResolutionImpossible", "ERESOLVE", "conflicting dependencies", "version conflict", "Could not find a version that satisfies", "peer dependency", "incompatible version"]),
        (.versionControlRefused, ["has no upstream branch", "non-fast-forward", "not a git repository", "Updates were rejected", "CONFLICT (content)", "would be overwritten by"]),
        (.missingModule, ["ModuleNotFoundError", "No module named", "ImportError", "Cannot find module", "Could not resolve dependency", "module not found", "cannot find package"]),
        (.syntaxError, ["SyntaxError", "IndentationError", "TabError", "Unexpected token", "syntax error", "ParseError", "Parse error"]),
        (.permissionDenied, ["Permission denied", "EACCES", "Operation not permitted", "PermissionError"]),
        (.commandNotFound, ["command not found", ": not found", "is not recognized as an internal or external command", "Unknown command"]),
        (.portInUse, ["Address already in use", "EADDRINUSE", "address already in use", "is already in use"]),
        (.connectionFailed, ["Connection refused", "ECONNREFUSED", "Could not resolve host", "Failed to connect", "Name or service not known"]),
        (.fileNotFound, ["No such file or directory", "FileNotFoundError", "ENOENT", "does not exist", "File not found", "not found in"]),
        (.compileError, ["CompileError", "error[E", "compilation failed", "Compilation failed", "undefined reference", "cannot find symbol", "error TS"]),
        (.testFailure, ["AssertionError", "FAILED", "Tests failed", "test failed", "tests failed", "FAIL:", "Failures:", "assertion failed"]),
        (.undefinedName, ["NameError", "is not defined", "has no attribute", "UndefinedFunctionError", "undefined method", "is not a function", "undefined variable", "cannot find name", "unresolved reference"]),
        (.runtimeException, ["Traceback (most recent call last)", "TypeError", "AttributeError", "NameError", "KeyError", "ValueError", "IndexError", "RuntimeError", "UndefinedFunctionError", "ArgumentError", "panicked at", "Exception:", "Uncaught", "undefined is not"]),
        (.timeout, ["timed out", "Timed out", "TimeoutError", "timeout expired"]),
    ]

    /// The first class whose signal appears in `text`, or nil.
    static func detect(in text: String) -> ErrorClass? {
        guard !text.isEmpty else { return nil }
        for (errorClass, needles) in signals where needles.contains(where: { text.contains($0) }) {
            return errorClass
        }
        return nil
    }
}
