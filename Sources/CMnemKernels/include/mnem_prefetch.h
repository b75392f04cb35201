#ifndef MNEM_PREFETCH_H
#define MNEM_PREFETCH_H

/// Asks the CPU to start loading the cache line at `address` (a hint: never faults).
/// Swift has no prefetch of its own; a static inline function is inlined into the Swift caller.
static inline void mnem_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
