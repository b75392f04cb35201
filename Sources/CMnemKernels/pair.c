/* See mnem_pair.h. */
#include "mnem_pair.h"
#include "mnem_encoder.h"
#include "mnem_linear_q8.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define PAUSE() _mm_pause()
#else
#define PAUSE() ((void)0)
#endif

enum { JOB_Q8, JOB_ATTENTION };

struct job {
    int kind;
    /* JOB_Q8 */
    int level;
    const uint8_t *xq;
    const float *row_scales;
    size_t rows, in, out, half;
    const int8_t *w;
    const float *scales;
    const int32_t *sums;
    const float *bias;
    float *y;
    /* JOB_ATTENTION */
    const float *q, *k, *v;
    size_t n, d, heads;
    float scale;
    float *context, *scratch[2];
};

/* Generations: the caller posts job g; whoever moves `claimed` from g - 1 to g runs its second
   half; the helper reports `finished` = g when it ran it. The job is written before `posted` and
   only rewritten after the second half of the last one is known done. */
struct mnem_pair {
    pthread_t thread;
    _Atomic uint64_t posted, claimed, finished;
    _Atomic int stop;
    struct job job;
};

static void run(const struct job *job, int part) {
    if (job->kind == JOB_Q8) {
        size_t first = part == 0 ? 0 : job->half, count = part == 0 ? job->half : job->out - job->half;
        mnem_q8_outputs(job->level, job->xq, job->row_scales, job->rows, job->in, job->w, job->scales, job->sums, job->bias, first, count, job->y,
                        job->out);
    } else {
        size_t half = job->heads / 2;
        size_t first = part == 0 ? 0 : half, count = part == 0 ? half : job->heads - half;
        mnem_attention_heads(job->q, job->k, job->v, job->n, job->d, job->heads, first, count, job->scale, job->context, job->scratch[part]);
    }
}

/* Spins a while, then yields: the machine may have fewer free cores than threads. */
static void wait_a_little(unsigned *spins) {
    if (++*spins < 4000) {
        PAUSE();
    } else {
        sched_yield();
    }
}

static void *helper(void *argument) {
    struct mnem_pair *pair = argument;
    uint64_t seen = 0;
    unsigned spins = 0;
    for (;;) {
        uint64_t generation = atomic_load_explicit(&pair->posted, memory_order_acquire);
        if (generation == seen) {
            wait_a_little(&spins);
            continue;
        }
        spins = 0;
        seen = generation;
        if (atomic_load_explicit(&pair->stop, memory_order_acquire)) return NULL;
        uint64_t expected = generation - 1;
        if (atomic_compare_exchange_strong_explicit(&pair->claimed, &expected, generation, memory_order_acq_rel, memory_order_acquire)) {
            run(&pair->job, 1);
            atomic_store_explicit(&pair->finished, generation, memory_order_release);
        }
    }
}

mnem_pair *mnem_pair_start(void) {
    struct mnem_pair *pair = calloc(1, sizeof *pair);
    if (!pair) return NULL;
    if (pthread_create(&pair->thread, NULL, helper, pair) != 0) {
        free(pair);
        return NULL;
    }
    return pair;
}

void mnem_pair_stop(mnem_pair *pair) {
    if (!pair) return;
    atomic_store_explicit(&pair->stop, 1, memory_order_release);
    atomic_fetch_add_explicit(&pair->posted, 1, memory_order_acq_rel);
    pthread_join(pair->thread, NULL);
    free(pair);
}

/* Posts `job`, runs its first half, then its second unless the helper has it. */
static void split(mnem_pair *pair, const struct job *job) {
    if (!pair) {
        run(job, 0);
        run(job, 1);
        return;
    }
    pair->job = *job;
    uint64_t generation = atomic_load_explicit(&pair->posted, memory_order_relaxed) + 1;
    atomic_store_explicit(&pair->posted, generation, memory_order_release);
    run(&pair->job, 0);
    uint64_t expected = generation - 1;
    if (atomic_compare_exchange_strong_explicit(&pair->claimed, &expected, generation, memory_order_acq_rel, memory_order_acquire)) {
        run(&pair->job, 1);
        return;
    }
    unsigned spins = 0;
    while (atomic_load_explicit(&pair->finished, memory_order_acquire) != generation) wait_a_little(&spins);
}

void mnem_pair_q8_outputs(mnem_pair *pair, int level, const uint8_t *xq, const float *row_scales, size_t rows, size_t in, const int8_t *w,
                          const float *scales, const int32_t *sums, const float *bias, size_t out, float *y) {
    size_t half = ((out / 2 + 15) / 16) * 16;
    if (half >= out) {
        mnem_q8_outputs(level, xq, row_scales, rows, in, w, scales, sums, bias, 0, out, y, out);
        return;
    }
    struct job job = {.kind = JOB_Q8, .level = level, .xq = xq, .row_scales = row_scales, .rows = rows, .in = in, .out = out, .half = half,
                      .w = w, .scales = scales, .sums = sums, .bias = bias, .y = y};
    split(pair, &job);
}

void mnem_pair_attention(mnem_pair *pair, const float *q, const float *k, const float *v, size_t n, size_t d, size_t heads, float scale,
                         float *out, float *scratch0, float *scratch1) {
    struct job job = {.kind = JOB_ATTENTION, .q = q, .k = k, .v = v, .n = n, .d = d, .heads = heads, .scale = scale, .context = out,
                      .scratch = {scratch0, scratch1}};
    split(pair, &job);
}
