import CFuzzDriver
import FuzzSupport

/// libFuzzer's entry point: each input is read as a memory file (JSON parser, memory
/// validation, canonical JSON, the secret scanner).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMemory(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    FuzzChecks.memory(UnsafeRawBufferPointer(start: start, count: count))
    return 0
}

/// The process's entry point (SwiftPM defines `main` as `<module>_main`): libFuzzer's driver.
@_cdecl("FuzzMemory_main")
public func fuzzMemoryMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    mnem_fuzz_main(argc, argv, fuzzMemory)
}

