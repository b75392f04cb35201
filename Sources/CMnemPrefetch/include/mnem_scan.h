#ifndef MNEM_SCAN_H
#define MNEM_SCAN_H
#include <stddef.h>
#include <stdint.h>

/* 1 if the CPU and OS support AVX2, FMA and F16C (checked once). */
int mnem_wide_scan_available(void);

/* Scores `count` float16 vectors (`stride` bytes apart, 32-byte aligned, `lanes` halves each, a
   multiple of 32) against `query` (`lanes` floats) and keeps the candidates: row r is kept when
   its score s satisfies s >= thresholds[codes[r]] (so a NaN score or a NaN threshold never
   keeps it). Kept rows are written in order to `rows` (their index, 0..<count) and `scores`
   (both with room for `count`); returns how many were kept.
   `codes` is one byte per row (the kind column), `thresholds` has 256 entries.
   Only call when mnem_wide_scan_available() returned 1. */
size_t mnem_scan_f16(const void *vectors, size_t stride, size_t count, const float *query, size_t lanes,
                     const uint8_t *codes, const float *thresholds, uint32_t *rows, float *scores);
#endif
