import CFuzzDriver
import FuzzSupport
import MnemCapture

/// libFuzzer's entry point: each input is read as a OpenHands event stream.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOpenHandsEvents(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    FuzzChecks.capture(UnsafeRawBufferPointer(start: start, count: count), format: .openHandsEvents, fileName: "events.json")
    return 0
}

/// The process's entry point (SwiftPM defines `main` as `<module>_main`): libFuzzer's driver.
@_cdecl("FuzzOpenHandsEvents_main")
public func fuzzOpenHandsEventsMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    mnem_fuzz_main(argc, argv, fuzzOpenHandsEvents)
}

