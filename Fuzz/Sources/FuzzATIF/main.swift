import CFuzzDriver
import FuzzSupport
import MnemCapture

/// libFuzzer's entry point: each input is read as a ATIF trajectory.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzATIF(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    FuzzChecks.capture(UnsafeRawBufferPointer(start: start, count: count), format: .atif, fileName: "run.trajectory.json")
    return 0
}

/// The process's entry point (SwiftPM defines `main` as `<module>_main`): libFuzzer's driver.
@_cdecl("FuzzATIF_main")
public func fuzzATIFMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    mnem_fuzz_main(argc, argv, fuzzATIF)
}

