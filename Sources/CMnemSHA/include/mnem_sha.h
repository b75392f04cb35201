#ifndef MNEM_SHA_H
#define MNEM_SHA_H
#include <stddef.h>
#include <stdint.h>

/* Whether this CPU has the x86 SHA extensions (and SSE4.1), checked once. */
int mnem_sha256_hardware_available(void);

/* SHA-256 compression of `blocks` 64-byte blocks into `state` with the SHA extensions.
   Only call when mnem_sha256_hardware_available() returned 1. */
void mnem_sha256_hardware_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);
/* SHA-1 compression of `blocks` 64-byte blocks into `state` (h0…h4) with the SHA extensions.
   Only call when mnem_sha256_hardware_available() returned 1 (the same extensions). */
void mnem_sha1_hardware_blocks(uint32_t state[5], const uint8_t *data, size_t blocks);
#endif
