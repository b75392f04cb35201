#ifndef MNEM_ENCODER_H
#define MNEM_ENCODER_H
#include <stddef.h>

/* The transformer encoder's steps besides its dense layers (mnem_linear, mnem_linear_q8), for
   `n` tokens of `d` floats in rows. Once the dense layers ran in 8 bits, these were most of the
   time of a long text: attention is n^2 per head, and GELU and softmax call erf and exp once per
   element, which scalar libm does at a few nanoseconds each. With AVX2 and FMA (mnem_scan_level()
   >= 1) they run eight lanes at a time, exp and erf as polynomials (Cephes' expf, within 2 ulp;
   Abramowitz and Stegun 7.1.26 for erf, within 1.5e-7); otherwise as plain C with libm. */

/* Multi-head self-attention: for each of `heads` heads of d / heads lanes,
   out_i = sum over j of softmax_j(q_i . k_j * scale) v_j. `scratch` holds (n + 8) * (d / heads + 1)
   floats. No masking: every token attends to every token. */
void mnem_attention(const float *q, const float *k, const float *v, size_t n, size_t d, size_t heads, float scale, float *out, float *scratch);

/* mnem_attention for heads [first, first + count) only: threads with a scratch each may compute
   disjoint heads at once. */
void mnem_attention_heads(const float *q, const float *k, const float *v, size_t n, size_t d, size_t heads, size_t first, size_t count,
                          float scale, float *out, float *scratch);

/* x = GELU(x) = x / 2 * (1 + erf(x / sqrt 2)), BERT's exact form, for `count` floats. */
void mnem_gelu(float *x, size_t count);

/* x = LayerNorm(x + residual) per row, with `weight` and `bias` of d floats; a NULL `residual`
   normalizes x alone (the embeddings' LayerNorm). */
void mnem_add_layer_norm(float *x, const float *residual, size_t rows, size_t d, const float *weight, const float *bias, float epsilon);

#endif
