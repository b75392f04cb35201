import CFuzzDriver
import FuzzSupport
import MnemCapture

/// libFuzzer's entry point: each input is read as a Aider chat history.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAider(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    FuzzChecks.capture(UnsafeRawBufferPointer(start: start, count: count), format: .aider, fileName: ".aider.chat.history.md")
    return 0
}

/// The process's entry point (SwiftPM defines `main` as `<module>_main`): libFuzzer's driver.
@_cdecl("FuzzAider_main")
public func fuzzAiderMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    mnem_fuzz_main(argc, argv, fuzzAider)
}

