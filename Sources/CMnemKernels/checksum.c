#include "mnem_checksum.h"

#include <string.h>

void mnem_checksum_blocks(const void *bytes, size_t count, uint64_t lanes[4]) {
    const uint64_t prime = 0x00000100000001B3ULL;
    const unsigned char *p = bytes;
    uint64_t a = lanes[0], b = lanes[1], c = lanes[2], d = lanes[3];
#pragma clang loop vectorize(disable) interleave(disable)
    for (size_t i = 0; i + 32 <= count; i += 32) {
        uint64_t w[4];
        memcpy(w, p + i, 32);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        for (int k = 0; k < 4; k++) w[k] = __builtin_bswap64(w[k]);
#endif
        a = (a ^ w[0]) * prime;
        b = (b ^ w[1]) * prime;
        c = (c ^ w[2]) * prime;
        d = (d ^ w[3]) * prime;
        /* Keeps the four lanes in general registers: without it clang's SLP vectorizer pairs them
           into SSE2 again, whatever the loop pragma says. */
        __asm__("" : "+r"(a), "+r"(b), "+r"(c), "+r"(d));
    }
    lanes[0] = a;
    lanes[1] = b;
    lanes[2] = c;
    lanes[3] = d;
}
