/* See mnem_encoder.h. */
#include "mnem_encoder.h"
#include "mnem_scan.h"

#include <math.h>

static void attention_portable(const float *q, const float *k, const float *v, size_t n, size_t d, size_t heads, size_t first, size_t count,
                               float scale, float *out, float *scores) {
    size_t width = d / heads;
    for (size_t h = first; h < first + count; h++) {
        size_t offset = h * width;
        for (size_t i = 0; i < n; i++) {
            const float *qi = q + i * d + offset;
            float largest = -INFINITY;
            for (size_t j = 0; j < n; j++) {
                const float *kj = k + j * d + offset;
                float dot = 0;
                for (size_t c = 0; c < width; c++) dot += qi[c] * kj[c];
                scores[j] = dot * scale;
                if (scores[j] > largest) largest = scores[j];
            }
            float total = 0;
            for (size_t j = 0; j < n; j++) {
                scores[j] = expf(scores[j] - largest);
                total += scores[j];
            }
            float *o = out + i * d + offset;
            for (size_t c = 0; c < width; c++) o[c] = 0;
            for (size_t j = 0; j < n; j++) {
                float weight = scores[j] / total;
                const float *vj = v + j * d + offset;
                for (size_t c = 0; c < width; c++) o[c] += weight * vj[c];
            }
        }
    }
}

static void gelu_portable(float *x, size_t count) {
    for (size_t i = 0; i < count; i++) x[i] = 0.5f * x[i] * (1 + erff(x[i] * 0.70710678f));
}

static void add_layer_norm_portable(float *x, const float *residual, size_t rows, size_t d, const float *weight, const float *bias, float epsilon) {
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * d;
        float mean = 0;
        for (size_t j = 0; j < d; j++) {
            if (residual) row[j] += residual[r * d + j];
            mean += row[j];
        }
        mean /= (float)d;
        float variance = 0;
        for (size_t j = 0; j < d; j++) variance += (row[j] - mean) * (row[j] - mean);
        float inverse = 1 / sqrtf(variance / (float)d + epsilon);
        for (size_t j = 0; j < d; j++) row[j] = (row[j] - mean) * inverse * weight[j] + bias[j];
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))

AVX2 static inline float sum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 0x55));
    return _mm_cvtss_f32(s);
}

AVX2 static inline float max8(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_shuffle_ps(s, s, 0x55));
    return _mm_cvtss_f32(s);
}

/* Cephes' expf: e^x = 2^n e^r with |r| <= ln 2 / 2, e^r by a degree-5 polynomial. Below -87.3 the
   result is 0 (softmax's far tail), above 88.4 it saturates. */
AVX2 static inline __m256 exp8(__m256 x) {
    x = _mm256_min_ps(x, _mm256_set1_ps(88.3762626647949f));
    x = _mm256_max_ps(x, _mm256_set1_ps(-87.3365447505531f));
    __m256 n = _mm256_floor_ps(_mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f)));
    x = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    x = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), x);
    __m256 y = _mm256_set1_ps(1.9875691500e-4f);
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507e-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073e-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894e-2f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459e-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201e-1f));
    y = _mm256_fmadd_ps(y, _mm256_mul_ps(x, x), _mm256_add_ps(x, _mm256_set1_ps(1)));
    __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(bits));
}

/* Per head: the head's keys transposed (width rows of n), so eight scores come from one
   broadcast of a query lane and one fused multiply-add per lane; the weighted sum of values
   broadcasts each weight over the value row's width / 8 registers. */
AVX2 static void attention_avx2(const float *q, const float *k, const float *v, size_t n, size_t d, size_t heads, size_t first, size_t count,
                                float scale, float *out, float *scratch) {
    size_t width = d / heads;
    size_t padded = (n + 7) & ~(size_t)7;
    float *keys = scratch, *scores = scratch + width * padded;
    for (size_t h = first; h < first + count; h++) {
        size_t offset = h * width;
        for (size_t c = 0; c < width; c++) {
            for (size_t j = 0; j < n; j++) keys[c * padded + j] = k[j * d + offset + c];
            for (size_t j = n; j < padded; j++) keys[c * padded + j] = 0;
        }
        for (size_t i = 0; i < n; i++) {
            const float *qi = q + i * d + offset;
            __m256 largest = _mm256_set1_ps(-INFINITY);
            size_t j = 0;
            /* Four blocks of eight scores at once: four independent chains of fused multiply-adds
               rather than one waiting on its own latency. */
            for (; j + 32 <= padded; j += 32) {
                __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
                for (size_t c = 0; c < width; c++) {
                    __m256 lane = _mm256_set1_ps(qi[c]);
                    const float *row = keys + c * padded + j;
                    s0 = _mm256_fmadd_ps(lane, _mm256_loadu_ps(row), s0);
                    s1 = _mm256_fmadd_ps(lane, _mm256_loadu_ps(row + 8), s1);
                    s2 = _mm256_fmadd_ps(lane, _mm256_loadu_ps(row + 16), s2);
                    s3 = _mm256_fmadd_ps(lane, _mm256_loadu_ps(row + 24), s3);
                }
                __m256 scaled[4] = {s0, s1, s2, s3};
                for (size_t b = 0; b < 4; b++) {
                    __m256 s = _mm256_mul_ps(scaled[b], _mm256_set1_ps(scale));
                    _mm256_storeu_ps(scores + j + 8 * b, s);
                    if (j + 8 * b + 8 <= n) largest = _mm256_max_ps(largest, s);
                }
            }
            for (; j < padded; j += 8) {
                __m256 s = _mm256_setzero_ps();
                for (size_t c = 0; c < width; c++) s = _mm256_fmadd_ps(_mm256_set1_ps(qi[c]), _mm256_loadu_ps(keys + c * padded + j), s);
                s = _mm256_mul_ps(s, _mm256_set1_ps(scale));
                _mm256_storeu_ps(scores + j, s);
                if (j + 8 <= n) largest = _mm256_max_ps(largest, s);
            }
            float top = max8(largest);
            for (size_t j = n & ~(size_t)7; j < n; j++) top = scores[j] > top ? scores[j] : top;
            __m256 total = _mm256_setzero_ps();
            for (size_t j = 0; j < padded; j += 8) {
                __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(scores + j), _mm256_set1_ps(top)));
                if (j + 8 > n) {
                    /* Lanes past the last token weigh nothing. */
                    __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
                    __m256 keep = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32((int)(n - j)), lane));
                    e = _mm256_and_ps(e, keep);
                }
                _mm256_storeu_ps(scores + j, e);
                total = _mm256_add_ps(total, e);
            }
            float inverse = 1 / sum8(total);
            float *o = out + i * d + offset;
            if (width % 8 == 0 && width <= 64) {
                /* Even and odd tokens in separate accumulators: twice the chains in flight. */
                __m256 even[8], odd[8];
                size_t lanes = width / 8;
                for (size_t c = 0; c < lanes; c++) even[c] = odd[c] = _mm256_setzero_ps();
                size_t t = 0;
                for (; t + 2 <= n; t += 2) {
                    __m256 w0 = _mm256_set1_ps(scores[t]), w1 = _mm256_set1_ps(scores[t + 1]);
                    const float *v0 = v + t * d + offset, *v1 = v0 + d;
                    for (size_t c = 0; c < lanes; c++) {
                        even[c] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(v0 + 8 * c), even[c]);
                        odd[c] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(v1 + 8 * c), odd[c]);
                    }
                }
                if (t < n) {
                    __m256 w0 = _mm256_set1_ps(scores[t]);
                    const float *v0 = v + t * d + offset;
                    for (size_t c = 0; c < lanes; c++) even[c] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(v0 + 8 * c), even[c]);
                }
                for (size_t c = 0; c < lanes; c++) _mm256_storeu_ps(o + 8 * c, _mm256_mul_ps(_mm256_add_ps(even[c], odd[c]), _mm256_set1_ps(inverse)));
            } else {
                for (size_t c = 0; c < width; c++) o[c] = 0;
                for (size_t j = 0; j < n; j++) {
                    float weight = scores[j] * inverse;
                    const float *vj = v + j * d + offset;
                    for (size_t c = 0; c < width; c++) o[c] += weight * vj[c];
                }
            }
        }
    }
}

/* erf by Abramowitz and Stegun 7.1.26: 1 - t (a1 + t (a2 + ...)) e^(-x^2), t = 1 / (1 + p|x|), with x's sign. */
AVX2 static void gelu_avx2(float *x, size_t count) {
    const __m256 sign = _mm256_set1_ps(-0.0f), one = _mm256_set1_ps(1), half = _mm256_set1_ps(0.5f);
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 value = _mm256_loadu_ps(x + i);
        __m256 z = _mm256_mul_ps(value, _mm256_set1_ps(0.70710678118654752f));
        __m256 a = _mm256_andnot_ps(sign, z);
        __m256 t = _mm256_div_ps(one, _mm256_fmadd_ps(_mm256_set1_ps(0.3275911f), a, one));
        __m256 p = _mm256_set1_ps(1.061405429f);
        p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.453152027f));
        p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.421413741f));
        p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.284496736f));
        p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.254829592f));
        p = _mm256_mul_ps(p, t);
        __m256 erf = _mm256_fnmadd_ps(p, exp8(_mm256_mul_ps(_mm256_xor_ps(a, sign), a)), one);
        erf = _mm256_or_ps(erf, _mm256_and_ps(z, sign));
        _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_mul_ps(half, value), _mm256_add_ps(one, erf)));
    }
    gelu_portable(x + i, count - i);
}

AVX2 static void add_layer_norm_avx2(float *x, const float *residual, size_t rows, size_t d, const float *weight, const float *bias, float epsilon) {
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * d;
        __m256 total = _mm256_setzero_ps();
        for (size_t j = 0; j < d; j += 8) {
            __m256 s = _mm256_loadu_ps(row + j);
            if (residual) {
                s = _mm256_add_ps(s, _mm256_loadu_ps(residual + r * d + j));
                _mm256_storeu_ps(row + j, s);
            }
            total = _mm256_add_ps(total, s);
        }
        float mean = sum8(total) / (float)d;
        __m256 centre = _mm256_set1_ps(mean), squares = _mm256_setzero_ps();
        for (size_t j = 0; j < d; j += 8) {
            __m256 c = _mm256_sub_ps(_mm256_loadu_ps(row + j), centre);
            squares = _mm256_fmadd_ps(c, c, squares);
        }
        __m256 inverse = _mm256_set1_ps(1 / sqrtf(sum8(squares) / (float)d + epsilon));
        for (size_t j = 0; j < d; j += 8) {
            __m256 c = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(row + j), centre), inverse);
            _mm256_storeu_ps(row + j, _mm256_fmadd_ps(c, _mm256_loadu_ps(weight + j), _mm256_loadu_ps(bias + j)));
        }
    }
}
#endif

void mnem_attention(const float *q, const float *k, const float *v, size_t n, size_t d, size_t heads, float scale, float *out, float *scratch) {
    mnem_attention_heads(q, k, v, n, d, heads, 0, heads, scale, out, scratch);
}

void mnem_attention_heads(const float *q, const float *k, const float *v, size_t n, size_t d, size_t heads, size_t first, size_t count,
                          float scale, float *out, float *scratch) {
#if defined(__x86_64__)
    if (mnem_scan_level() >= 1) {
        attention_avx2(q, k, v, n, d, heads, first, count, scale, out, scratch);
        return;
    }
#endif
    attention_portable(q, k, v, n, d, heads, first, count, scale, out, scratch);
}

void mnem_gelu(float *x, size_t count) {
#if defined(__x86_64__)
    if (mnem_scan_level() >= 1) {
        gelu_avx2(x, count);
        return;
    }
#endif
    gelu_portable(x, count);
}

void mnem_add_layer_norm(float *x, const float *residual, size_t rows, size_t d, const float *weight, const float *bias, float epsilon) {
#if defined(__x86_64__)
    if (mnem_scan_level() >= 1 && d % 8 == 0) {
        add_layer_norm_avx2(x, residual, rows, d, weight, bias, epsilon);
        return;
    }
#endif
    add_layer_norm_portable(x, residual, rows, d, weight, bias, epsilon);
}
