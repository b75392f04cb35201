import CFuzzDriver
import FuzzSupport
import MnemCapture

/// libFuzzer's entry point: each input is read as a Claude Code session JSONL.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzClaudeCode(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    FuzzChecks.capture(UnsafeRawBufferPointer(start: start, count: count), format: .claudeCode, fileName: "session.jsonl")
    return 0
}

/// The process's entry point (SwiftPM defines `main` as `<module>_main`): libFuzzer's driver.
@_cdecl("FuzzClaudeCode_main")
public func fuzzClaudeCodeMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    mnem_fuzz_main(argc, argv, fuzzClaudeCode)
}

