import CFuzzDriver
import FuzzSupport
import MnemCapture

/// libFuzzer's entry point: each input is read as a mini-swe-agent trajectory.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMiniSWEAgent(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    FuzzChecks.capture(UnsafeRawBufferPointer(start: start, count: count), format: .miniSweAgent, fileName: "owner__project-1.traj.json")
    return 0
}

/// The process's entry point (SwiftPM defines `main` as `<module>_main`): libFuzzer's driver.
@_cdecl("FuzzMiniSWEAgent_main")
public func fuzzMiniSWEAgentMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    mnem_fuzz_main(argc, argv, fuzzMiniSWEAgent)
}

