/* The float16 scan kernel with AVX2, FMA and F16C.
 *
 * Swift's SIMD types compile to the baseline x86-64 target (SSE2), where widening float16 takes
 * several integer operations per lane; F16C does it in one instruction and FMA fuses the
 * multiply-add, which leaves the scan bound by memory rather than by arithmetic. Chosen at run
 * time; the Swift loop remains the fallback.
 *
 * The kernel also compares each score with a per-kind threshold and hands back only the rows at
 * or above it: once the heaps are full almost no row can enter them, and skipping the rest here
 * saves the per-row filter lookups and heap compare in Swift that cost a third of the scan. */
#include "mnem_scan.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#include <stdint.h>

int mnem_wide_scan_available(void) {
    static int cached = -1;
    if (cached >= 0) return cached;
    unsigned int a, b, c, d;
    int ok = 0;
    if (__get_cpuid(1, &a, &b, &c, &d)) {
        int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, f16c = (c >> 29) & 1;
        if (fma && osxsave && avx && f16c) {
            unsigned int lo, hi;
            __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
            if ((lo & 6) == 6 && __get_cpuid_count(7, 0, &a, &b, &c, &d) && ((b >> 5) & 1)) ok = 1;
        }
    }
    cached = ok;
    return ok;
}

/* How far ahead of the row being scored the prefetch hints run, in bytes. */
#define MNEM_SCAN_PREFETCH_DISTANCE 4096

__attribute__((target("avx2,fma,f16c")))
size_t mnem_scan_f16(const void *vectors, size_t stride, size_t count, const float *query, size_t lanes,
                     const uint8_t *codes, const float *thresholds, uint32_t *rows, float *scores) {
    const char *row = (const char *)vectors;
    size_t kept = 0;
    for (size_t r = 0; r < count; r++, row += stride) {
        _mm_prefetch(row + MNEM_SCAN_PREFETCH_DISTANCE, _MM_HINT_T0);
        _mm_prefetch(row + MNEM_SCAN_PREFETCH_DISTANCE + 64, _MM_HINT_T0);
        _mm_prefetch(row + MNEM_SCAN_PREFETCH_DISTANCE + 128, _MM_HINT_T0);
        _mm_prefetch(row + MNEM_SCAN_PREFETCH_DISTANCE + 192, _MM_HINT_T0);
        const uint16_t *halves = (const uint16_t *)row;
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
        for (size_t i = 0; i < lanes; i += 32) {
            a0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_load_si128((const __m128i *)(halves + i))), _mm256_loadu_ps(query + i), a0);
            a1 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_load_si128((const __m128i *)(halves + i + 8))), _mm256_loadu_ps(query + i + 8), a1);
            a2 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_load_si128((const __m128i *)(halves + i + 16))), _mm256_loadu_ps(query + i + 16), a2);
            a3 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_load_si128((const __m128i *)(halves + i + 24))), _mm256_loadu_ps(query + i + 24), a3);
        }
        __m256 s = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
        __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
        h = _mm_add_ps(h, _mm_movehl_ps(h, h));
        h = _mm_add_ss(h, _mm_shuffle_ps(h, h, 0x55));
        float score = _mm_cvtss_f32(h);
        /* Written always, counted only when kept: no branch to mispredict while the heaps fill. */
        rows[kept] = (uint32_t)r;
        scores[kept] = score;
        kept += score >= thresholds[codes[r]];
    }
    return kept;
}
#else
int mnem_wide_scan_available(void) { return 0; }
size_t mnem_scan_f16(const void *vectors, size_t stride, size_t count, const float *query, size_t lanes,
                     const uint8_t *codes, const float *thresholds, uint32_t *rows, float *scores) {
    (void)vectors; (void)stride; (void)count; (void)query; (void)lanes; (void)codes; (void)thresholds; (void)rows; (void)scores;
    return 0;
}
#endif
