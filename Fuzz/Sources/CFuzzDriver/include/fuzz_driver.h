#ifndef MNEM_FUZZ_DRIVER_H
#define MNEM_FUZZ_DRIVER_H
#include <stddef.h>
#include <stdint.h>

/// Runs libFuzzer's driver (flags, corpus directories, the loop) over `callback`.
///
/// SwiftPM links an executable with `main` defined as `<module>_main`, so libFuzzer's own
/// `main` is never pulled in; each target's `<module>_main` calls this instead.
int mnem_fuzz_main(int argc, char **argv, int (*callback)(const uint8_t *data, size_t size));

#endif
