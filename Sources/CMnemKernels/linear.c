/* See mnem_linear.h. */
#include "mnem_linear.h"
#include "mnem_scan.h"

static void linear_portable(const float *x, size_t rows, size_t in, const float *w, const float *bias, size_t out, float *y) {
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * in;
        for (size_t o = 0; o < out; o++) {
            const float *wo = w + o * in;
            /* Four partial sums: independent chains the compiler can keep in flight. */
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            size_t k = 0;
            for (; k + 4 <= in; k += 4) {
                s0 += xr[k] * wo[k];
                s1 += xr[k + 1] * wo[k + 1];
                s2 += xr[k + 2] * wo[k + 2];
                s3 += xr[k + 3] * wo[k + 3];
            }
            for (; k < in; k++) s0 += xr[k] * wo[k];
            y[r * out + o] = (bias ? bias[o] : 0) + ((s0 + s1) + (s2 + s3));
        }
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2,fma"))) static inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 0x55));
    return _mm_cvtss_f32(s);
}

__attribute__((target("avx2,fma"))) static void linear_avx2(const float *x, size_t rows, size_t in, const float *w, const float *bias, size_t out, float *y) {
    size_t o = 0;
    for (; o + 4 <= out; o += 4) {
        const float *w0 = w + o * in, *w1 = w0 + in, *w2 = w1 + in, *w3 = w2 + in;
        float b0 = bias ? bias[o] : 0, b1 = bias ? bias[o + 1] : 0, b2 = bias ? bias[o + 2] : 0, b3 = bias ? bias[o + 3] : 0;
        size_t r = 0;
        for (; r + 2 <= rows; r += 2) {
            const float *xa = x + r * in, *xb = xa + in;
            __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0;
            for (size_t k = 0; k < in; k += 8) {
                __m256 va = _mm256_loadu_ps(xa + k), vb = _mm256_loadu_ps(xb + k);
                __m256 v0 = _mm256_loadu_ps(w0 + k), v1 = _mm256_loadu_ps(w1 + k), v2 = _mm256_loadu_ps(w2 + k), v3 = _mm256_loadu_ps(w3 + k);
                a0 = _mm256_fmadd_ps(va, v0, a0);
                a1 = _mm256_fmadd_ps(va, v1, a1);
                a2 = _mm256_fmadd_ps(va, v2, a2);
                a3 = _mm256_fmadd_ps(va, v3, a3);
                c0 = _mm256_fmadd_ps(vb, v0, c0);
                c1 = _mm256_fmadd_ps(vb, v1, c1);
                c2 = _mm256_fmadd_ps(vb, v2, c2);
                c3 = _mm256_fmadd_ps(vb, v3, c3);
            }
            float *ya = y + r * out + o, *yb = ya + out;
            ya[0] = b0 + hsum(a0), ya[1] = b1 + hsum(a1), ya[2] = b2 + hsum(a2), ya[3] = b3 + hsum(a3);
            yb[0] = b0 + hsum(c0), yb[1] = b1 + hsum(c1), yb[2] = b2 + hsum(c2), yb[3] = b3 + hsum(c3);
        }
        for (; r < rows; r++) {
            const float *xa = x + r * in;
            __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            for (size_t k = 0; k < in; k += 8) {
                __m256 va = _mm256_loadu_ps(xa + k);
                a0 = _mm256_fmadd_ps(va, _mm256_loadu_ps(w0 + k), a0);
                a1 = _mm256_fmadd_ps(va, _mm256_loadu_ps(w1 + k), a1);
                a2 = _mm256_fmadd_ps(va, _mm256_loadu_ps(w2 + k), a2);
                a3 = _mm256_fmadd_ps(va, _mm256_loadu_ps(w3 + k), a3);
            }
            float *ya = y + r * out + o;
            ya[0] = b0 + hsum(a0), ya[1] = b1 + hsum(a1), ya[2] = b2 + hsum(a2), ya[3] = b3 + hsum(a3);
        }
    }
    for (; o < out; o++) {
        const float *wo = w + o * in;
        for (size_t r = 0; r < rows; r++) {
            const float *xa = x + r * in;
            __m256 a = _mm256_setzero_ps();
            for (size_t k = 0; k < in; k += 8) a = _mm256_fmadd_ps(_mm256_loadu_ps(xa + k), _mm256_loadu_ps(wo + k), a);
            y[r * out + o] = (bias ? bias[o] : 0) + hsum(a);
        }
    }
}
#endif

void mnem_linear(const float *x, size_t rows, size_t in, const float *w, const float *bias, size_t out, float *y) {
#if defined(__x86_64__)
    if (in % 8 == 0 && mnem_scan_level() >= 1) {
        linear_avx2(x, rows, in, w, bias, out, y);
        return;
    }
#endif
    linear_portable(x, rows, in, w, bias, out, y);
}
