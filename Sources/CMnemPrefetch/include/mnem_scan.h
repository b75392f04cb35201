#ifndef MNEM_SCAN_H
#define MNEM_SCAN_H
#include <stddef.h>

/* 1 if the CPU and OS support AVX2, FMA and F16C (checked once). */
int mnem_wide_scan_available(void);

/* Dot products of `count` float16 vectors (`stride` bytes apart, 32-byte aligned, `lanes`
   halves each, a multiple of 32) with `query` (`lanes` floats), written to `scores`.
   Only call when mnem_wide_scan_available() returned 1. */
void mnem_scores_f16(const void *vectors, size_t stride, size_t count, const float *query, size_t lanes, float *scores);
#endif
