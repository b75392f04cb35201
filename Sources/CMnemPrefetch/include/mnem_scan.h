#ifndef MNEM_SCAN_H
#define MNEM_SCAN_H
#include <stddef.h>
#include <stdint.h>

/* What the CPU and OS support (checked once): 0 neither kernel, 1 AVX2, FMA and F16C (the AVX2
   kernel), 2 AVX-512F as well (both kernels). */
int mnem_scan_level(void);

/* Score `count` float16 vectors (`stride` bytes apart, 32-byte aligned, `lanes` halves each, a
   multiple of 32) against `query` (`lanes` floats) and keep the candidates: row r is kept when
   its score s satisfies s >= thresholds[codes[r]] (so a NaN score or a NaN threshold never
   keeps it). Kept rows are written in order to `rows` (their index, 0..<count) and `scores`
   (both with room for `count`); returns how many were kept.
   `codes` is one byte per row (the kind column), `thresholds` has 256 entries.
   Call the AVX2 kernel only when mnem_scan_level() >= 1, the AVX-512 one when it is 2. */
size_t mnem_scan_f16_avx2(const void *vectors, size_t stride, size_t count, const float *query, size_t lanes,
                          const uint8_t *codes, const float *thresholds, uint32_t *rows, float *scores);
size_t mnem_scan_f16_avx512(const void *vectors, size_t stride, size_t count, const float *query, size_t lanes,
                            const uint8_t *codes, const float *thresholds, uint32_t *rows, float *scores);
#endif
