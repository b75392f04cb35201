/* See mnem_linear_q8.h. */
#include "mnem_linear_q8.h"
#include "mnem_scan.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

int mnem_linear_q8_level(void) {
    static int cached = -1;
    if (cached >= 0) return cached;
    int level = 0;
#if defined(__x86_64__)
    int scan = mnem_scan_level();
    if (scan >= 1) level = 1;
    unsigned int a, b, c, d;
    /* AVX512_VNNI is CPUID leaf 7 ECX bit 11. */
    if (scan == 2 && __get_cpuid_count(7, 0, &a, &b, &c, &d) && ((c >> 11) & 1)) level = 2;
#endif
    cached = level;
    return level;
}

static size_t quads(size_t in) { return (in + 3) / 4; }

size_t mnem_q8_padded_outputs(size_t out) { return (out + 15) & ~(size_t)15; }

size_t mnem_q8_weight_bytes(size_t out, size_t in) { return mnem_q8_padded_outputs(out) * quads(in) * 4; }

/* Where w[o][k] goes: its block of 16 outputs, its group of 4 inputs, its lane, its byte. */
static size_t slot(size_t o, size_t k, size_t groups) { return (o / 16) * groups * 64 + (k / 4) * 64 + (o % 16) * 4 + k % 4; }

void mnem_quantize_weights(const float *w, size_t out, size_t in, int8_t *q, float *scales, int32_t *sums) {
    size_t groups = quads(in), padded = mnem_q8_padded_outputs(out);
    memset(q, 0, mnem_q8_weight_bytes(out, in));
    for (size_t o = out; o < padded; o++) scales[o] = 0, sums[o] = 0;
    for (size_t o = 0; o < out; o++) {
        const float *row = w + o * in;
        float largest = 0;
        for (size_t k = 0; k < in; k++) largest = fmaxf(largest, fabsf(row[k]));
        float inverse = largest > 0 ? 127.0f / largest : 0;
        int32_t sum = 0;
        for (size_t k = 0; k < in; k++) {
            long v = lrintf(row[k] * inverse);
            v = v > 127 ? 127 : v < -127 ? -127 : v;
            q[slot(o, k, groups)] = (int8_t)v;
            sum += (int32_t)v;
        }
        scales[o] = largest / 127.0f;
        sums[o] = sum;
    }
}

/* Row r of x to bytes: v = round(x / scale) in -127...127, stored as v + offset (128 for the VNNI
   kernel's unsigned operand, 0 otherwise, as two's complement); the row is padded to a whole
   group of 4 with zeros (stored as the offset). */
static void quantize_rows_portable(const float *x, size_t rows, size_t in, uint8_t *q, float *row_scales, int offset) {
    size_t stride = quads(in) * 4;
    for (size_t r = 0; r < rows; r++) {
        const float *row = x + r * in;
        float largest = 0;
        for (size_t k = 0; k < in; k++) largest = fmaxf(largest, fabsf(row[k]));
        float inverse = largest > 0 ? 127.0f / largest : 0;
        uint8_t *out = q + r * stride;
        for (size_t k = 0; k < in; k++) {
            int v = (int)lrintf(row[k] * inverse);
            v = v > 127 ? 127 : v < -127 ? -127 : v;
            out[k] = (uint8_t)(v + offset);
        }
        for (size_t k = in; k < stride; k++) out[k] = (uint8_t)offset;
        row_scales[r] = largest / 127.0f;
    }
}

static void linear_q8_portable(const uint8_t *xq, const float *xs, size_t rows, size_t in, const int8_t *w, const float *ws, const float *bias,
                               size_t out, float *y, size_t stride_y) {
    size_t groups = quads(in), stride = groups * 4;
    for (size_t r = 0; r < rows; r++) {
        const int8_t *xr = (const int8_t *)(xq + r * stride);
        for (size_t o = 0; o < out; o++) {
            const int8_t *block = w + (o / 16) * groups * 64 + (o % 16) * 4;
            int32_t dot = 0;
            for (size_t g = 0; g < groups; g++)
                for (size_t j = 0; j < 4; j++) dot += (int32_t)xr[4 * g + j] * (int32_t)block[g * 64 + j];
            y[r * stride_y + o] = (bias ? bias[o] : 0) + xs[r] * ws[o] * (float)dot;
        }
    }
}

#if defined(__x86_64__)

#define INLINE inline __attribute__((always_inline))

static INLINE int32_t load4(const uint8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

__attribute__((target("avx2"))) static void quantize_rows_avx2(const float *x, size_t rows, size_t in, uint8_t *q, float *row_scales, int offset) {
    if (in % 32 != 0) {
        quantize_rows_portable(x, rows, in, q, row_scales, offset);
        return;
    }
    const __m256 magnitude = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7), shift = _mm256_set1_epi8((char)offset);
    for (size_t r = 0; r < rows; r++) {
        const float *row = x + r * in;
        __m256 largest = _mm256_setzero_ps();
        for (size_t k = 0; k < in; k += 8) largest = _mm256_max_ps(largest, _mm256_and_ps(_mm256_loadu_ps(row + k), magnitude));
        __m128 m = _mm_max_ps(_mm256_castps256_ps128(largest), _mm256_extractf128_ps(largest, 1));
        m = _mm_max_ps(m, _mm_movehl_ps(m, m));
        m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 0x55));
        float top = _mm_cvtss_f32(m);
        __m256 inverse = _mm256_set1_ps(top > 0 ? 127.0f / top : 0);
        uint8_t *out = q + r * in;
        for (size_t k = 0; k < in; k += 32) {
            /* Rounded to nearest (even on ties); |value| <= 127, and packing saturates anyway. */
            __m256i a = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(row + k), inverse));
            __m256i b = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(row + k + 8), inverse));
            __m256i c = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(row + k + 16), inverse));
            __m256i d = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(row + k + 24), inverse));
            __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(a, b), _mm256_packs_epi32(c, d));
            bytes = _mm256_max_epi8(bytes, _mm256_set1_epi8(-127));
            bytes = _mm256_add_epi8(_mm256_permutevar8x32_epi32(bytes, order), shift);
            _mm256_storeu_si256((__m256i *)(out + k), bytes);
        }
        row_scales[r] = top / 127.0f;
    }
}

/* `count` outputs (at most `lanes`) of sums `acc` to floats: bias + scale * weight scale * sum. */
__attribute__((target("avx2"))) static INLINE void finish8(__m256i acc, float scale, const float *ws, const float *bias, size_t count, float *y) {
    __m256 value = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), _mm256_mul_ps(_mm256_set1_ps(scale), _mm256_loadu_ps(ws)));
    if (bias && count >= 8) value = _mm256_add_ps(value, _mm256_loadu_ps(bias));
    if (count >= 8) {
        _mm256_storeu_ps(y, value);
    } else {
        float lanes[8];
        _mm256_storeu_ps(lanes, value);
        for (size_t i = 0; i < count; i++) y[i] = lanes[i] + (bias ? bias[i] : 0);
    }
}

/* AVX2 has no byte dot product of signed by signed: maddubs takes an unsigned operand, so |x|
   meets w carrying x's sign. Pairs sum to at most 2 * 127 * 127 = 32258: the 16-bit step never
   saturates (neither operand is ever -128). One block of 16 outputs (two registers) for R rows. */
__attribute__((target("avx2"))) static INLINE void block_avx2(const uint8_t *xq, size_t stride, const float *xs, int R, size_t groups,
                                                             const int8_t *wb, const float *ws, const float *bias, size_t count, float *y,
                                                             size_t stride_y) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i acc[4][2];
    for (int i = 0; i < R; i++) acc[i][0] = acc[i][1] = _mm256_setzero_si256();
    for (size_t g = 0; g < groups; g++) {
        __m256i lo = _mm256_loadu_si256((const __m256i *)(wb + g * 64)), hi = _mm256_loadu_si256((const __m256i *)(wb + g * 64 + 32));
        for (int i = 0; i < R; i++) {
            __m256i xb = _mm256_set1_epi32(load4(xq + i * stride + 4 * g)), ax = _mm256_sign_epi8(xb, xb);
            acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(_mm256_maddubs_epi16(ax, _mm256_sign_epi8(lo, xb)), ones));
            acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(_mm256_maddubs_epi16(ax, _mm256_sign_epi8(hi, xb)), ones));
        }
    }
    for (int i = 0; i < R; i++) {
        finish8(acc[i][0], xs[i], ws, bias, count < 8 ? count : 8, y + i * stride_y);
        if (count > 8) finish8(acc[i][1], xs[i], ws + 8, bias ? bias + 8 : NULL, count - 8, y + i * stride_y + 8);
    }
}

__attribute__((target("avx2"))) static void linear_q8_avx2(const uint8_t *xq, const float *xs, size_t rows, size_t in, const int8_t *w,
                                                          const float *ws, const float *bias, size_t out, float *y, size_t stride_y) {
    size_t groups = quads(in), stride = groups * 4;
    /* Outputs outside, rows inside: a block's weights are read from memory once and stay in L1
       while every row passes (rows outside read the whole matrix again per four rows). */
    for (size_t o = 0; o < out; o += 16) {
        for (size_t r = 0; r < rows; r += 4) {
            int R = rows - r < 4 ? (int)(rows - r) : 4;
            const int8_t *wb = w + (o / 16) * groups * 64;
            size_t count = out - o < 16 ? out - o : 16;
            const float *b = bias ? bias + o : NULL;
            float *yo = y + r * stride_y + o;
            /* Constant row counts, so the accumulators live in registers. */
            switch (R) {
            case 4: block_avx2(xq + r * stride, stride, xs + r, 4, groups, wb, ws + o, b, count, yo, stride_y); break;
            case 3: block_avx2(xq + r * stride, stride, xs + r, 3, groups, wb, ws + o, b, count, yo, stride_y); break;
            case 2: block_avx2(xq + r * stride, stride, xs + r, 2, groups, wb, ws + o, b, count, yo, stride_y); break;
            default: block_avx2(xq + r * stride, stride, xs + r, 1, groups, wb, ws + o, b, count, yo, stride_y); break;
            }
        }
    }
}

#define VNNI __attribute__((target("avx512f,avx512vnni")))

/* vpdpbusd multiplies unsigned by signed bytes, so x arrives as x + 128 and each sum is
   corrected by 128 times its weight row's sum. B blocks of 16 outputs for R rows: per group of 4
   inputs, B weight loads and R broadcasts feed R * B instructions of 64 multiply-adds. */
VNNI static INLINE void block_vnni(const uint8_t *xq, size_t stride, const float *xs, int R, int B, size_t groups, const int8_t *wb,
                                   size_t block_bytes, const float *ws, const int32_t *sums, const float *bias, size_t count, float *y,
                                   size_t stride_y) {
    __m512i acc[4][2];
    for (int i = 0; i < R; i++)
        for (int j = 0; j < B; j++) acc[i][j] = _mm512_setzero_si512();
    for (size_t g = 0; g < groups; g++) {
        __m512i wv[2];
        /* The next blocks' weights, 4 KB ahead: the hardware streamer stops at page boundaries,
           and a short text's rows leave too little work per page to hide the miss. Only useful
           the first time through, but a hint costs next to nothing. */
        for (int j = 0; j < B; j++) _mm_prefetch((const char *)(wb + j * block_bytes + g * 64 + 2 * block_bytes), _MM_HINT_T0);
        for (int j = 0; j < B; j++) wv[j] = _mm512_loadu_si512(wb + j * block_bytes + g * 64);
        for (int i = 0; i < R; i++) {
            __m512i xb = _mm512_set1_epi32(load4(xq + i * stride + 4 * g));
            for (int j = 0; j < B; j++) acc[i][j] = _mm512_dpbusd_epi32(acc[i][j], xb, wv[j]);
        }
    }
    for (int j = 0; j < B; j++) {
        size_t n = count > 16 * (size_t)j ? count - 16 * (size_t)j : 0;
        if (n == 0) break;
        __mmask16 keep = n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1);
        __m512i correction = _mm512_slli_epi32(_mm512_maskz_loadu_epi32(keep, sums + 16 * j), 7);
        __m512 scale = _mm512_maskz_loadu_ps(keep, ws + 16 * j);
        __m512 b = bias ? _mm512_maskz_loadu_ps(keep, bias + 16 * j) : _mm512_setzero_ps();
        for (int i = 0; i < R; i++) {
            __m512 sum = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc[i][j], correction));
            __m512 value = _mm512_fmadd_ps(sum, _mm512_mul_ps(scale, _mm512_set1_ps(xs[i])), b);
            _mm512_mask_storeu_ps(y + i * stride_y + 16 * j, keep, value);
        }
    }
}

VNNI static void linear_q8_vnni(const uint8_t *xq, const float *xs, size_t rows, size_t in, const int8_t *w, const float *ws,
                                const int32_t *sums, const float *bias, size_t out, float *y, size_t stride_y) {
    size_t groups = quads(in), stride = groups * 4, block_bytes = groups * 64;
    /* Outputs outside, rows inside: two blocks' weights (12 KB at in = 384) are read from memory
       once and stay in L1 while every row passes. */
    for (size_t o = 0; o < out; o += 32) {
        for (size_t r = 0; r < rows; r += 4) {
            int R = rows - r < 4 ? (int)(rows - r) : 4;
            const int8_t *wb = w + (o / 16) * block_bytes;
            size_t count = out - o < 32 ? out - o : 32;
            int B = count > 16 ? 2 : 1;
            const float *b = bias ? bias + o : NULL;
            const uint8_t *xr = xq + r * stride;
            float *yo = y + r * stride_y + o;
#define CASE(RR, BB) block_vnni(xr, stride, xs + r, RR, BB, groups, wb, block_bytes, ws + o, sums + o, b, count, yo, stride_y)
            if (B == 2) {
                switch (R) {
                case 4: CASE(4, 2); break;
                case 3: CASE(3, 2); break;
                case 2: CASE(2, 2); break;
                default: CASE(1, 2); break;
                }
            } else {
                switch (R) {
                case 4: CASE(4, 1); break;
                case 3: CASE(3, 1); break;
                case 2: CASE(2, 1); break;
                default: CASE(1, 1); break;
                }
            }
#undef CASE
        }
    }
}
#endif

void mnem_linear_q8(const float *x, size_t rows, size_t in, const int8_t *w, const float *scales, const int32_t *sums, const float *bias,
                    size_t out, float *y, uint8_t *scratch, float *row_scales) {
    mnem_linear_q8_at(mnem_linear_q8_level(), x, rows, in, w, scales, sums, bias, out, y, scratch, row_scales);
}

void mnem_linear_q8_at(int level, const float *x, size_t rows, size_t in, const int8_t *w, const float *scales, const int32_t *sums,
                       const float *bias, size_t out, float *y, uint8_t *scratch, float *row_scales) {
    mnem_q8_quantize_input(level, x, rows, in, scratch, row_scales);
    mnem_q8_outputs(level, scratch, row_scales, rows, in, w, scales, sums, bias, 0, out, y, out);
}

void mnem_q8_quantize_input(int level, const float *x, size_t rows, size_t in, uint8_t *scratch, float *row_scales) {
    if (level > mnem_linear_q8_level()) level = mnem_linear_q8_level();
#if defined(__x86_64__)
    if (level >= 1) {
        quantize_rows_avx2(x, rows, in, scratch, row_scales, level == 2 ? 128 : 0);
        return;
    }
#endif
    quantize_rows_portable(x, rows, in, scratch, row_scales, 0);
}

void mnem_q8_outputs(int level, const uint8_t *xq, const float *row_scales, size_t rows, size_t in, const int8_t *w, const float *scales,
                     const int32_t *sums, const float *bias, size_t first, size_t count, float *y, size_t stride) {
    if (level > mnem_linear_q8_level()) level = mnem_linear_q8_level();
    /* The block of output `first` (a multiple of 16) starts the weights this call reads. */
    const int8_t *wf = w + (first / 16) * quads(in) * 64;
    const float *bf = bias ? bias + first : NULL;
#if defined(__x86_64__)
    if (level == 2) {
        linear_q8_vnni(xq, row_scales, rows, in, wf, scales + first, sums + first, bf, count, y + first, stride);
        return;
    }
    if (level == 1) {
        linear_q8_avx2(xq, row_scales, rows, in, wf, scales + first, bf, count, y + first, stride);
        return;
    }
#endif
    linear_q8_portable(xq, row_scales, rows, in, wf, scales + first, bf, count, y + first, stride);
}
