#ifndef MNEM_PAIR_H
#define MNEM_PAIR_H
#include <stddef.h>
#include <stdint.h>

/* Two threads for one long text's forward pass: the caller and a helper that spins for work.
   Each dense layer and each attention is split in two halves; the caller computes the first and
   then, if the helper has not yet taken the second, computes it too (so a helper the OS has not
   scheduled never makes a layer slower than one thread would). Dispatch's worker threads were
   woken too late for layers of a few tens of microseconds: a 48-token text gained nothing.

   A pair lives for one text; mnem_pair_start returns NULL when no thread can be made (then
   callers run everything themselves). Not for concurrent use by several callers. */
typedef struct mnem_pair mnem_pair;

mnem_pair *mnem_pair_start(void);
void mnem_pair_stop(mnem_pair *pair);

/* mnem_q8_outputs for outputs [0, out), split at a block boundary between the two threads. */
void mnem_pair_q8_outputs(mnem_pair *pair, int level, const uint8_t *xq, const float *row_scales, size_t rows, size_t in, const int8_t *w,
                          const float *scales, const int32_t *sums, const float *bias, size_t out, float *y);

/* mnem_attention split by heads, each half with its own scratch (mnem_attention's size each). */
void mnem_pair_attention(mnem_pair *pair, const float *q, const float *k, const float *v, size_t n, size_t d, size_t heads, float scale,
                         float *out, float *scratch0, float *scratch1);

#endif
