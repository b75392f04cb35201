#ifndef MNEM_LINEAR_H
#define MNEM_LINEAR_H
#include <stddef.h>

/* A dense layer: y[r][o] = bias[o] + sum over k of x[r][k] * w[o][k], for `rows` input vectors of
   `in` floats, with PyTorch's weight layout (`out` rows of `in` floats). `y` must not overlap `x`.

   The transformer embedder spends nearly all its time here. Swift's SIMD types compile to the
   baseline SSE2 target without FMA, so this is C: an AVX2+FMA kernel where mnem_scan_level() >= 1
   and `in` is a multiple of 8, a portable loop otherwise. The kernel takes two input rows and four
   weight rows at a time (eight accumulators): six loads feed eight fused multiply-adds, and the
   four weight rows (6 KB at in = 384) stay in L1 while every input row passes by. */
void mnem_linear(const float *x, size_t rows, size_t in, const float *w, const float *bias, size_t out, float *y);

#endif
