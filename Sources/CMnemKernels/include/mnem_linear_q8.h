#ifndef MNEM_LINEAR_Q8_H
#define MNEM_LINEAR_Q8_H
#include <stddef.h>
#include <stdint.h>

/* Dense layers in 8-bit integers, for the transformer embedder at hook speed: weights quantized
   once per output row (symmetric, scale = largest magnitude / 127), inputs quantized per row as
   each layer runs (dynamic quantization), products summed exactly in 32-bit integers and scaled
   back to float. A quarter of the bytes of float32 to map and stream, and 64 multiply-adds per
   instruction with AVX-512 VNNI.

   The weights are stored interleaved, as VNNI wants them: outputs in blocks of 16, and within a
   block, for each group of 4 inputs, the 4 bytes of each of the 16 outputs (64 bytes). One
   vpdpbusd of 4 input bytes broadcast against those 64 bytes adds to 16 outputs at once, so no
   sum is ever reduced across a register. Outputs are padded to a multiple of 16 and inputs to a
   multiple of 4, with zeros.

   Which kernel runs (checked once): 2 AVX-512 VNNI, 1 AVX2, 0 portable C. All three compute the
   same integer sums, so the same outputs up to the float rounding of the final scale. */
int mnem_linear_q8_level(void);


/* Bytes of the interleaved weights of `out` rows of `in` inputs; the scales and sums hold
   mnem_q8_padded_outputs(out) entries. */
size_t mnem_q8_weight_bytes(size_t out, size_t in);
size_t mnem_q8_padded_outputs(size_t out);

/* Quantizes `out` rows of `in` floats (PyTorch's layout) into `q` (mnem_q8_weight_bytes, the
   layout above): q[o][k] = round(w[o][k] / scales[o]) in -127...127, sums[o] = the sum of row o of q
   (the VNNI kernel's correction for its unsigned operand). A row of zeros gets scale 0. */
void mnem_quantize_weights(const float *w, size_t out, size_t in, int8_t *q, float *scales, int32_t *sums);

/* y[r][o] = bias[o] + sum over k of x[r][k] * w[o][k], with w quantized by mnem_quantize_weights
   and each row of x quantized on the way. `scratch` holds rows * (in rounded up to 4) bytes and
   `row_scales` rows floats; `y` (rows of `out` floats) must not overlap `x`. `bias` may be NULL. */
void mnem_linear_q8(const float *x, size_t rows, size_t in, const int8_t *w, const float *scales, const int32_t *sums, const float *bias,
                    size_t out, float *y, uint8_t *scratch, float *row_scales);

/* mnem_linear_q8 with the kernel of `level` (at most mnem_linear_q8_level()), so tests hold every
   kernel the CPU has to the same sums. */
void mnem_linear_q8_at(int level, const float *x, size_t rows, size_t in, const int8_t *w, const float *scales, const int32_t *sums,
                       const float *bias, size_t out, float *y, uint8_t *scratch, float *row_scales);

/* mnem_linear_q8_at in two steps, so threads can share one quantized input and each compute some
   of the outputs: quantize the rows of x into `scratch` and `row_scales` for the kernel of
   `level`; then outputs [first, first + count) of every row (`first` a multiple of 16) into
   y[r * stride + o]. The second step only reads the scratch, so calls for disjoint ranges may run
   at once. */
void mnem_q8_quantize_input(int level, const float *x, size_t rows, size_t in, uint8_t *scratch, float *row_scales);
void mnem_q8_outputs(int level, const uint8_t *xq, const float *row_scales, size_t rows, size_t in, const int8_t *w, const float *scales,
                     const int32_t *sums, const float *bias, size_t first, size_t count, float *y, size_t stride);

#endif
