/* The float16 scan kernels: AVX2 with FMA and F16C, and AVX-512 where the CPU has it.
 *
 * Swift's SIMD types compile to the baseline x86-64 target (SSE2), where widening float16 takes
 * several integer operations per lane; F16C does it in one instruction and FMA fuses the
 * multiply-add. Even so, widening is the costly part: with AVX2 a 512-byte row takes 32
 * conversions of 2 micro-ops each, about as long as reading the row from L3, so the scan cannot
 * keep up with the read. AVX-512 converts 16 halves per instruction and, at 256 dimensions,
 * holds the whole query in 16 registers, leaving one load per 32 bytes. Chosen at run time; the
 * Swift loop remains the fallback.
 *
 * The kernels also compare each score with a threshold per kind and hand only the
 * rows at or above it to the caller, at once, through a function that may raise the thresholds:
 * once the heaps are full almost no row can enter them, and skipping the rest here saves the
 * per-row filter lookups and heap compare in Swift that cost a third of the scan. Calling back
 * rather than returning candidates in chunks keeps the thresholds exact from the first full heap
 * on (fewer candidates) and the read stream unbroken (no pause per chunk).
 *
 * Loops step pointers rather than index them (an indexed memory operand is split into two
 * micro-ops on Intel cores, filling the out-of-order window), and the 256-lane case is unrolled
 * whole; the first AVX2 loop did neither. */
#include "mnem_scan.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#include <stdint.h>

int mnem_scan_level(void) {
    static int cached = -1;
    if (cached >= 0) return cached;
    unsigned int a, b, c, d;
    int level = 0;
    if (__get_cpuid(1, &a, &b, &c, &d)) {
        int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, f16c = (c >> 29) & 1;
        if (fma && osxsave && avx && f16c) {
            unsigned int lo, hi;
            __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
            if ((lo & 6) == 6 && __get_cpuid_count(7, 0, &a, &b, &c, &d) && ((b >> 5) & 1)) {
                level = 1;
                /* AVX-512F, and the OS saves the opmask and all 32 zmm registers. */
                if (((b >> 16) & 1) && (lo & 0xE0) == 0xE0) level = 2;
            }
        }
    }
    cached = level;
    return level;
}

/* How far ahead of the row being scored the prefetch hints run, in bytes: a 4 KB page, since
   the hardware streamer stops at page boundaries and a row takes too long to score for the
   out-of-order window alone to keep enough reads in flight from DRAM. */
#ifndef MNEM_SCAN_PREFETCH_DISTANCE
#define MNEM_SCAN_PREFETCH_DISTANCE 4096
#endif
/* One hint per this many bytes of the row ahead. */
#ifndef MNEM_SCAN_PREFETCH_STEP
#define MNEM_SCAN_PREFETCH_STEP 64
#endif

static inline __attribute__((always_inline)) void prefetch_row(const char *row, size_t stride) {
    const char *ahead = row + MNEM_SCAN_PREFETCH_DISTANCE;
    for (size_t l = 0; l < stride; l += MNEM_SCAN_PREFETCH_STEP) _mm_prefetch(ahead + l, _MM_HINT_T0);
}

/* Hands row r to the caller when its score clears the threshold of its kind (codes past the
   valid ones share the last slot). A NaN score or threshold never clears. The caller may raise
   thresholds: they are read again for every row. Only the kind column is read per row: also
   reading the outcomes cost 2-4% of the scan in a C harness. They are only prefetched, a line
   per 64 rows, so the caller's filter finds a handed-over row's outcome in cache. */
#define VISIT(r, score)                                                                  \
    do {                                                                                 \
        if (((r) & 63) == 0) _mm_prefetch((const char *)outcomes + (r) + 64, _MM_HINT_T0); \
        unsigned k_ = kinds[(r)];                                                        \
        float t_ = thresholds[k_ < 4 ? k_ : 4];                                          \
        if (__builtin_expect((score) >= t_, 0)) { visit(context, (r), (score)); visited++; } \
    } while (0)

__attribute__((target("avx2,fma,f16c"))) static inline __attribute__((always_inline)) float
dot_avx2(const char *row, const float *q, size_t lanes) {
    const __m128i *h = (const __m128i *)row;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    for (size_t i = 0; i < lanes; i += 32, h += 4, q += 32) {
        a0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_load_si128(h)), _mm256_loadu_ps(q), a0);
        a1 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_load_si128(h + 1)), _mm256_loadu_ps(q + 8), a1);
        a2 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_load_si128(h + 2)), _mm256_loadu_ps(q + 16), a2);
        a3 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_load_si128(h + 3)), _mm256_loadu_ps(q + 24), a3);
    }
    __m256 s = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
    __m128 x = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    x = _mm_add_ss(x, _mm_shuffle_ps(x, x, 0x55));
    return _mm_cvtss_f32(x);
}

__attribute__((target("avx2,fma,f16c")))
size_t mnem_scan_f16_avx2(const void *vectors, size_t stride, size_t count, const float *query, size_t lanes, const uint8_t *kinds,
                          const uint8_t *outcomes, const float *thresholds, mnem_scan_visit visit, void *context) {
    const char *row = (const char *)vectors;
    size_t visited = 0;
    if (lanes == 256) {
        /* The common width (lanes = stride / 2, so 512-byte rows), unrolled whole. */
        for (size_t r = 0; r < count; r++, row += 512) {
            prefetch_row(row, 512);
            float score = dot_avx2(row, query, 256);
            VISIT(r, score);
        }
    } else {
        for (size_t r = 0; r < count; r++, row += stride) {
            prefetch_row(row, stride);
            float score = dot_avx2(row, query, lanes);
            VISIT(r, score);
        }
    }
    return visited;
}

__attribute__((target("avx512f"))) static inline __attribute__((always_inline)) float hsum512(__m512 v) {
    __m256 s = _mm256_add_ps(_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    __m128 x = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    x = _mm_add_ss(x, _mm_movehdup_ps(x));
    return _mm_cvtss_f32(x);
}

__attribute__((target("avx512f")))
size_t mnem_scan_f16_avx512(const void *vectors, size_t stride, size_t count, const float *query, size_t lanes, const uint8_t *kinds,
                            const uint8_t *outcomes, const float *thresholds, mnem_scan_visit visit, void *context) {
    const char *row = (const char *)vectors;
    size_t visited = 0;
    if (lanes == 256) {
        /* The whole query in 16 registers: one load per 16 halves. */
        __m512 q[16];
        for (int i = 0; i < 16; i++) q[i] = _mm512_loadu_ps(query + 16 * i);
        for (size_t r = 0; r < count; r++, row += 512) {
            prefetch_row(row, 512);
            const __m256i *h = (const __m256i *)row;
            __m512 a0 = _mm512_mul_ps(_mm512_cvtph_ps(_mm256_load_si256(h)), q[0]);
            __m512 a1 = _mm512_mul_ps(_mm512_cvtph_ps(_mm256_load_si256(h + 1)), q[1]);
            __m512 a2 = _mm512_mul_ps(_mm512_cvtph_ps(_mm256_load_si256(h + 2)), q[2]);
            __m512 a3 = _mm512_mul_ps(_mm512_cvtph_ps(_mm256_load_si256(h + 3)), q[3]);
            for (int i = 4; i < 16; i += 4) {
                a0 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_load_si256(h + i)), q[i], a0);
                a1 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_load_si256(h + i + 1)), q[i + 1], a1);
                a2 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_load_si256(h + i + 2)), q[i + 2], a2);
                a3 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_load_si256(h + i + 3)), q[i + 3], a3);
            }
            float score = hsum512(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
            VISIT(r, score);
        }
    } else {
        for (size_t r = 0; r < count; r++, row += stride) {
            prefetch_row(row, stride);
            const __m256i *h = (const __m256i *)row;
            const float *q = query;
            __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
            size_t i = 0;
            for (; i + 64 <= lanes; i += 64, h += 4, q += 64) {
                a0 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_load_si256(h)), _mm512_loadu_ps(q), a0);
                a1 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_load_si256(h + 1)), _mm512_loadu_ps(q + 16), a1);
                a2 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_load_si256(h + 2)), _mm512_loadu_ps(q + 32), a2);
                a3 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_load_si256(h + 3)), _mm512_loadu_ps(q + 48), a3);
            }
            if (i < lanes) { /* lanes is a multiple of 32: one half-block left */
                a0 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_load_si256(h)), _mm512_loadu_ps(q), a0);
                a1 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_load_si256(h + 1)), _mm512_loadu_ps(q + 16), a1);
            }
            float score = hsum512(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
            VISIT(r, score);
        }
    }
    return visited;
}
#else
int mnem_scan_level(void) { return 0; }
size_t mnem_scan_f16_avx2(const void *vectors, size_t stride, size_t count, const float *query, size_t lanes, const uint8_t *kinds,
                          const uint8_t *outcomes, const float *thresholds, mnem_scan_visit visit, void *context) {
    (void)vectors; (void)stride; (void)count; (void)query; (void)lanes; (void)kinds; (void)outcomes; (void)thresholds; (void)visit; (void)context;
    return 0;
}
size_t mnem_scan_f16_avx512(const void *vectors, size_t stride, size_t count, const float *query, size_t lanes, const uint8_t *kinds,
                            const uint8_t *outcomes, const float *thresholds, mnem_scan_visit visit, void *context) {
    return mnem_scan_f16_avx2(vectors, stride, count, query, lanes, kinds, outcomes, thresholds, visit, context);
}
#endif
