#ifndef MNEM_SCAN_H
#define MNEM_SCAN_H
#include <stddef.h>
#include <stdint.h>

/* What the CPU and OS support (checked once): 0 neither kernel, 1 AVX2, FMA and F16C (the AVX2
   kernel), 2 AVX-512F as well (both kernels). */
int mnem_scan_level(void);

/* Receives a row whose score cleared its threshold: `row` counts from the first row scanned. */
typedef void (*mnem_scan_visit)(void *context, size_t row, float score);

/* Score `count` float16 vectors (`stride` bytes apart, 32-byte aligned, `lanes` halves each, a
   multiple of 32) against `query` (`lanes` floats), and call `visit` at once, in row order, for
   each row r whose score s satisfies s >= thresholds[min(kinds[r], 4)] (so a NaN score or a NaN
   threshold never calls). `kinds` is one byte per row; `outcomes` (one byte per row) is only
   prefetched, for `visit`'s filter; `thresholds` has 5 entries, read again for every row, so
   `visit` may raise them. Returns how many rows were visited.
   Call the AVX2 kernel only when mnem_scan_level() >= 1, the AVX-512 one when it is 2. */
size_t mnem_scan_f16_avx2(const void *vectors, size_t stride, size_t count, const float *query, size_t lanes, const uint8_t *kinds,
                          const uint8_t *outcomes, const float *thresholds, mnem_scan_visit visit, void *context);
size_t mnem_scan_f16_avx512(const void *vectors, size_t stride, size_t count, const float *query, size_t lanes, const uint8_t *kinds,
                            const uint8_t *outcomes, const float *thresholds, mnem_scan_visit visit, void *context);
#endif
