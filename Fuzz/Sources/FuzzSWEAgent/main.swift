import CFuzzDriver
import FuzzSupport
import MnemCapture

/// libFuzzer's entry point: each input is read as a SWE-agent trajectory.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSWEAgent(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    FuzzChecks.capture(UnsafeRawBufferPointer(start: start, count: count), format: .sweAgent, fileName: "instance-1.traj")
    return 0
}

/// The process's entry point (SwiftPM defines `main` as `<module>_main`): libFuzzer's driver.
@_cdecl("FuzzSWEAgent_main")
public func fuzzSWEAgentMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    mnem_fuzz_main(argc, argv, fuzzSWEAgent)
}

