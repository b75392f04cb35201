#ifndef MNEM_CHECKSUM_H
#define MNEM_CHECKSUM_H
#include <stddef.h>
#include <stdint.h>

/* The sidecar checksum's inner loop: for each whole 32-byte block of `bytes` (`count` is a
   multiple of 32), lane i = (lane i XOR little-endian word i of the block) * FNV-64 prime.

   In C (with a register barrier) because optimizers vectorize this loop into SSE2, which has no 64-bit
   multiply: three 32-bit multiplies and shifts per lane pair, on one dependency chain, ran at
   under 3 bytes a cycle. Four scalar multiply chains run at about 8. */
void mnem_checksum_blocks(const void *bytes, size_t count, uint64_t lanes[4]);

#endif
