/* SHA-1 block function using the x86 SHA extensions (SHA-NI).
 *
 * Git names every object by SHA-1, and mnem computes the ids of the objects it packs itself
 * (a first compaction hashes 200,000 files). The portable Swift rounds remain the fallback.
 * The state is kept with A in the highest lane and E alone in the highest lane of its own
 * register, as sha1rnds4 and sha1nexte use them; each group of four rounds adds the next four
 * message words and extends the schedule with sha1msg1, an exclusive or, and sha1msg2. */
#include "mnem_sha.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

/* Rounds 4g..4g+3 for g >= 1: E_CUR takes the message words M_G, E_OTHER keeps ABCD for the next
   group; the schedule words are extended where the group still has later words to feed. */
#define SHA1_GROUP(E_CUR, E_OTHER, M_G, M_G1, M_G2, M_G3, FUNC, DO_MSG2, DO_MSG1, DO_XOR) \
    do {                                                                             \
        E_CUR = _mm_sha1nexte_epu32(E_CUR, M_G);                                     \
        E_OTHER = abcd;                                                              \
        if (DO_MSG2) M_G1 = _mm_sha1msg2_epu32(M_G1, M_G);                           \
        abcd = _mm_sha1rnds4_epu32(abcd, E_CUR, FUNC);                               \
        if (DO_MSG1) M_G3 = _mm_sha1msg1_epu32(M_G3, M_G);                           \
        if (DO_XOR) M_G2 = _mm_xor_si128(M_G2, M_G);                                 \
    } while (0)

__attribute__((target("sha,sse4.1,ssse3")))
void mnem_sha1_hardware_blocks(uint32_t state[5], const uint8_t *data, size_t blocks) {
    /* Reverses the 16 bytes: big-endian words, the first word in the highest lane. */
    const __m128i mask = _mm_set_epi64x(0x0001020304050607ULL, 0x08090a0b0c0d0e0fULL);
    __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)state), 0x1B);
    __m128i e0 = _mm_set_epi32((int)state[4], 0, 0, 0);
    __m128i e1;
    for (size_t block = 0; block < blocks; block++, data += 64) {
        const __m128i abcdSave = abcd;
        const __m128i e0Save = e0;
        __m128i m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 0)), mask);
        __m128i m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16)), mask);
        __m128i m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 32)), mask);
        __m128i m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 48)), mask);

        /* Rounds 0-3. */
        e0 = _mm_add_epi32(e0, m0);
        e1 = abcd;
        abcd = _mm_sha1rnds4_epu32(abcd, e0, 0);
        /* Rounds 4-79, g = 1…19: message words m[g % 4], function g / 5. */
        SHA1_GROUP(e1, e0, m1, m2, m3, m0, 0, 0, 1, 0);
        SHA1_GROUP(e0, e1, m2, m3, m0, m1, 0, 0, 1, 1);
        SHA1_GROUP(e1, e0, m3, m0, m1, m2, 0, 1, 1, 1);
        SHA1_GROUP(e0, e1, m0, m1, m2, m3, 0, 1, 1, 1);
        SHA1_GROUP(e1, e0, m1, m2, m3, m0, 1, 1, 1, 1);
        SHA1_GROUP(e0, e1, m2, m3, m0, m1, 1, 1, 1, 1);
        SHA1_GROUP(e1, e0, m3, m0, m1, m2, 1, 1, 1, 1);
        SHA1_GROUP(e0, e1, m0, m1, m2, m3, 1, 1, 1, 1);
        SHA1_GROUP(e1, e0, m1, m2, m3, m0, 1, 1, 1, 1);
        SHA1_GROUP(e0, e1, m2, m3, m0, m1, 2, 1, 1, 1);
        SHA1_GROUP(e1, e0, m3, m0, m1, m2, 2, 1, 1, 1);
        SHA1_GROUP(e0, e1, m0, m1, m2, m3, 2, 1, 1, 1);
        SHA1_GROUP(e1, e0, m1, m2, m3, m0, 2, 1, 1, 1);
        SHA1_GROUP(e0, e1, m2, m3, m0, m1, 2, 1, 1, 1);
        SHA1_GROUP(e1, e0, m3, m0, m1, m2, 3, 1, 1, 1);
        SHA1_GROUP(e0, e1, m0, m1, m2, m3, 3, 1, 1, 1);
        SHA1_GROUP(e1, e0, m1, m2, m3, m0, 3, 1, 0, 1);
        SHA1_GROUP(e0, e1, m2, m3, m0, m1, 3, 1, 0, 0);
        SHA1_GROUP(e1, e0, m3, m0, m1, m2, 3, 0, 0, 0);

        e0 = _mm_sha1nexte_epu32(e0, e0Save);
        abcd = _mm_add_epi32(abcd, abcdSave);
    }
    _mm_storeu_si128((__m128i *)state, _mm_shuffle_epi32(abcd, 0x1B));
    state[4] = (uint32_t)_mm_extract_epi32(e0, 3);
}

#else
void mnem_sha1_hardware_blocks(uint32_t state[5], const uint8_t *data, size_t blocks) {
    (void)state; (void)data; (void)blocks;
}
#endif
