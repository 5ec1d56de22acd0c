/* The C ABI from C: every function, every error code a caller can provoke, exact results
 * against an __int128 reference, and the asynchronous sums' callback, wait and cancel.
 * Built against the shared and the static library by .ci/lanes/capi.sh. Exit status 0: all passed. */
#include "coresum.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: check failed: %s (last error: %s)\n", __FILE__,  \
                    __LINE__, #cond, coresum_last_error());                           \
            failures++;                                                               \
        }                                                                             \
    } while (0)

/* The call returns `code` and leaves a message. */
#define CHECK_ERROR(call, code)                                                       \
    do {                                                                              \
        int rc_ = (call);                                                             \
        CHECK(rc_ == (code));                                                         \
        CHECK(coresum_last_error() != NULL && coresum_last_error()[0] != '\0');      \
    } while (0)

static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint64_t next(void) { /* xorshift64* */
    rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1du;
}

static __int128 wide(coresum_i128 v) { return (__int128)(((unsigned __int128)(uint64_t)v.hi << 64) | v.lo); }

/* Random values with the type's extremes mixed in, so that the sums carry past 64 bits. */
#define TEST_INT(T, NAME, MIN, MAX)                                                   \
    static void test_##NAME(const coresum_pool *pool, size_t n) {                     \
        T *data = malloc(n * sizeof(T) + 1);                                          \
        __int128 expected = 0;                                                        \
        for (size_t i = 0; i < n; i++) {                                              \
            uint64_t r = next();                                                      \
            data[i] = r % 7 == 0 ? (T)(MIN) : r % 7 == 1 ? (T)(MAX) : (T)r;           \
            expected += data[i];                                                      \
        }                                                                             \
        coresum_i128 got = {1, 1};                                                    \
        CHECK(coresum_sum_##NAME(data, n, &got) == CORESUM_OK);                       \
        CHECK(wide(got) == expected);                                                 \
        got.lo = 1;                                                                   \
        CHECK(coresum_pool_sum_##NAME(pool, data, n, &got) == CORESUM_OK);            \
        CHECK(wide(got) == expected);                                                 \
        if ((MIN) == 0) CHECK(got.hi >= 0);                                           \
        /* every offset into the array (a misaligned tail start for the kernels) */   \
        for (size_t k = 1; k < 5 && k < n; k++) {                                     \
            expected -= data[k - 1];                                                  \
            CHECK(coresum_sum_##NAME(data + k, n - k, &got) == CORESUM_OK);           \
            CHECK(wide(got) == expected);                                             \
        }                                                                             \
        CHECK_ERROR(coresum_sum_##NAME(NULL, 3, &got), CORESUM_E_NULL_POINTER);       \
        CHECK_ERROR(coresum_sum_##NAME(data, n, NULL), CORESUM_E_NULL_POINTER);       \
        CHECK_ERROR(coresum_pool_sum_##NAME(NULL, data, n, &got), CORESUM_E_NULL_POINTER); \
        CHECK_ERROR(coresum_sum_##NAME(data, SIZE_MAX, &got), CORESUM_E_LENGTH);      \
        if (sizeof(T) > 1)                                                            \
            CHECK_ERROR(coresum_sum_##NAME((const T *)((char *)data + 1), 1, &got),   \
                        CORESUM_E_MISALIGNED);                                        \
        CHECK(coresum_sum_##NAME(NULL, 0, &got) == CORESUM_OK && got.lo == 0 && got.hi == 0); \
        free(data);                                                                   \
    }

TEST_INT(int8_t, i8, INT8_MIN, INT8_MAX)
TEST_INT(uint8_t, u8, 0, UINT8_MAX)
TEST_INT(int16_t, i16, INT16_MIN, INT16_MAX)
TEST_INT(uint16_t, u16, 0, UINT16_MAX)
TEST_INT(int32_t, i32, INT32_MIN, INT32_MAX)
TEST_INT(uint32_t, u32, 0, UINT32_MAX)
TEST_INT(int64_t, i64, INT64_MIN, INT64_MAX)
TEST_INT(uint64_t, u64, 0, UINT64_MAX)

static void test_ints(const coresum_pool *pool) {
    /* small (inline), a few chunks, and large enough for the pool's workers */
    size_t sizes[] = {0, 1, 2, 3, 63, 64, 1000, 100003, 3 << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        size_t n = sizes[i];
        test_i8(pool, n), test_u8(pool, n), test_i16(pool, n), test_u16(pool, n);
        test_i32(pool, n), test_u32(pool, n), test_i64(pool, n), test_u64(pool, n);
    }
    /* all-maximum u64: the sum needs the high half */
    uint64_t max[4] = {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX};
    coresum_i128 got;
    CHECK(coresum_sum_u64(max, 4, &got) == CORESUM_OK);
    CHECK(wide(got) == (__int128)UINT64_MAX * 4 && got.hi == 3);
    int64_t min[2] = {INT64_MIN, INT64_MIN};
    CHECK(coresum_sum_i64(min, 2, &got) == CORESUM_OK);
    CHECK(wide(got) == (__int128)INT64_MIN * 2 && got.hi == -1 && got.lo == 0);
}

static void test_floats(const coresum_pool *pool) {
    double cancel[4] = {1e308, 1e308, -1e308, 1e-300};
    double got = 0;
    CHECK(coresum_sum_f64(cancel, 4, CORESUM_EXACT, &got) == CORESUM_OK && got == 1e308);
    CHECK(coresum_pool_sum_f64(pool, cancel, 4, CORESUM_EXACT, &got) == CORESUM_OK && got == 1e308);
    double tiny[3] = {1.0, 1e-16, 1e-16}; /* naive left-to-right gives 1.0 */
    CHECK(coresum_sum_f64(tiny, 3, CORESUM_EXACT, &got) == CORESUM_OK && got == 1.0 + 2e-16);
    CHECK(coresum_sum_f64(tiny, 3, CORESUM_COMPENSATED, &got) == CORESUM_OK && got == 1.0 + 2e-16);
    CHECK(coresum_sum_f64(tiny, 3, CORESUM_FAST, &got) == CORESUM_OK && fabs(got - 1.0) < 1e-15);
    double nan_inf[2] = {INFINITY, -INFINITY};
    CHECK(coresum_sum_f64(nan_inf, 2, CORESUM_EXACT, &got) == CORESUM_OK && isnan(got));
    double neg_zero[2] = {-0.0, -0.0};
    CHECK(coresum_sum_f64(neg_zero, 2, CORESUM_EXACT, &got) == CORESUM_OK && got == 0 && signbit(got));
    CHECK(coresum_sum_f64(NULL, 0, CORESUM_EXACT, &got) == CORESUM_OK && got == 0 && !signbit(got));

    /* integers as floats: exact in every mode, against the integer reference */
    size_t n = 1 << 21;
    double *d = malloc(n * sizeof *d);
    float *f = malloc(n * sizeof *f);
    __int128 expected = 0, expected_f = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t v = (int32_t)next() >> 8;
        d[i] = v, expected += v;
        f[i] = (float)(v >> 8), expected_f += v >> 8;
    }
    int modes[3] = {CORESUM_EXACT, CORESUM_COMPENSATED, CORESUM_FAST};
    for (int m = 0; m < 3; m++) {
        CHECK(coresum_sum_f64(d, n, modes[m], &got) == CORESUM_OK && got == (double)expected);
        CHECK(coresum_pool_sum_f64(pool, d, n, modes[m], &got) == CORESUM_OK && got == (double)expected);
        CHECK(coresum_sum_f32(f, n, modes[m], &got) == CORESUM_OK && got == (double)expected_f);
        CHECK(coresum_pool_sum_f32(pool, f, n, modes[m], &got) == CORESUM_OK && got == (double)expected_f);
    }
    CHECK_ERROR(coresum_sum_f64(d, n, 3, &got), CORESUM_E_INVALID_MODE);
    CHECK_ERROR(coresum_sum_f64(d, n, -1, &got), CORESUM_E_INVALID_MODE);
    CHECK_ERROR(coresum_pool_sum_f32(pool, f, n, 42, &got), CORESUM_E_INVALID_MODE);
    CHECK_ERROR(coresum_sum_f32(NULL, 1, CORESUM_EXACT, &got), CORESUM_E_NULL_POINTER);
    CHECK_ERROR(coresum_sum_f64(d, n, CORESUM_EXACT, NULL), CORESUM_E_NULL_POINTER);
    CHECK_ERROR(coresum_sum_f64((const double *)((char *)d + 4), 1, CORESUM_EXACT, &got), CORESUM_E_MISALIGNED);
    free(d), free(f);
}

static void test_pool_errors(void) {
    coresum_pool *pool = (coresum_pool *)&failures; /* must stay untouched on failure */
    size_t bad[2] = {0, 1u << 20};
    CHECK_ERROR(coresum_pool_new(0, NULL, 0, &pool), CORESUM_E_NO_THREADS);
    CHECK_ERROR(coresum_pool_new(1, bad, 2, &pool), CORESUM_E_BAD_CORES);
    CHECK_ERROR(coresum_pool_new(1, NULL, 2, &pool), CORESUM_E_NULL_POINTER);
    CHECK_ERROR(coresum_pool_new(1, NULL, 0, NULL), CORESUM_E_NULL_POINTER);
    CHECK(pool == (coresum_pool *)&failures);
    /* one pinned worker on core 0; more threads than cores share them */
    CHECK(coresum_pool_new(1, bad, 1, &pool) == CORESUM_OK);
    coresum_pool_free(pool);
    CHECK(coresum_pool_new(9, bad, 1, &pool) == CORESUM_OK);
    coresum_pool_free(pool);
    coresum_pool_free(NULL);
}

static void test_exact(void) {
    coresum_exact *a = NULL, *b = NULL, *c = NULL;
    double got = -1;
    CHECK(coresum_exact_new(&a) == CORESUM_OK && coresum_exact_new(&b) == CORESUM_OK);
    CHECK(coresum_exact_finish(a, &got) == CORESUM_OK && got == 0 && !signbit(got));
    double terms[3] = {1e308, 1e308, -1e308};
    CHECK(coresum_exact_add_slice(a, terms, 3) == CORESUM_OK);
    CHECK(coresum_exact_add(a, 0.1) == CORESUM_OK);
    float halves[2] = {0.5f, 0.25f};
    CHECK(coresum_exact_add_slice_f32(b, halves, 2) == CORESUM_OK);
    CHECK(coresum_exact_add(b, -1e308) == CORESUM_OK);
    CHECK(coresum_exact_merge(a, b) == CORESUM_OK); /* 1e308 + 0.1 + 0.75 - 1e308 */
    CHECK(coresum_exact_finish(a, &got) == CORESUM_OK && got == 0.1 + 0.75);
    CHECK(coresum_exact_merge(a, a) == CORESUM_OK); /* doubles itself */
    CHECK(coresum_exact_finish(a, &got) == CORESUM_OK && got == 2 * (0.1 + 0.75));

    uint8_t bytes[CORESUM_EXACT_BYTES + 1];
    size_t written = 0;
    CHECK_ERROR(coresum_exact_to_bytes(a, bytes, CORESUM_EXACT_BYTES - 1, &written), CORESUM_E_LENGTH);
    CHECK(written == CORESUM_EXACT_BYTES);
    CHECK_ERROR(coresum_exact_to_bytes(a, NULL, CORESUM_EXACT_BYTES, NULL), CORESUM_E_NULL_POINTER);
    CHECK(coresum_exact_to_bytes(a, bytes, sizeof bytes, &written) == CORESUM_OK);
    CHECK(written == CORESUM_EXACT_BYTES);
    CHECK(coresum_exact_from_bytes(bytes, CORESUM_EXACT_BYTES, &c) == CORESUM_OK);
    CHECK(coresum_exact_finish(c, &got) == CORESUM_OK && got == 2 * (0.1 + 0.75));
    coresum_exact_free(c);
    c = NULL;
    CHECK_ERROR(coresum_exact_from_bytes(bytes, CORESUM_EXACT_BYTES - 1, &c), CORESUM_E_LENGTH);
    CHECK_ERROR(coresum_exact_from_bytes(bytes, CORESUM_EXACT_BYTES + 1, &c), CORESUM_E_LENGTH);
    CHECK_ERROR(coresum_exact_from_bytes(NULL, CORESUM_EXACT_BYTES, &c), CORESUM_E_NULL_POINTER);
    bytes[100] ^= 1;
    CHECK_ERROR(coresum_exact_from_bytes(bytes, CORESUM_EXACT_BYTES, &c), CORESUM_E_DECODE);
    CHECK(c == NULL);
    CHECK_ERROR(coresum_exact_add(NULL, 1.0), CORESUM_E_NULL_POINTER);
    CHECK_ERROR(coresum_exact_add_slice(a, NULL, 1), CORESUM_E_NULL_POINTER);
    CHECK_ERROR(coresum_exact_merge(a, NULL), CORESUM_E_NULL_POINTER);
    CHECK_ERROR(coresum_exact_finish(a, NULL), CORESUM_E_NULL_POINTER);
    CHECK_ERROR(coresum_exact_new(NULL), CORESUM_E_NULL_POINTER);
    coresum_exact_free(a), coresum_exact_free(b), coresum_exact_free(NULL);
}

/* What a callback saw. */
struct seen {
    atomic_int calls;
    int status;
    double sum;
    pthread_t thread;
    coresum_task **task; /* waited on from inside the callback, when set */
    double waited;
};

static void on_done(void *user_data, int status, double sum) {
    struct seen *seen = user_data;
    seen->status = status, seen->sum = sum, seen->thread = pthread_self();
    if (seen->task != NULL && *seen->task != NULL)
        coresum_task_wait(*seen->task, &seen->waited); /* returns at once inside the callback */
    atomic_fetch_add(&seen->calls, 1);
}

static void test_async(const coresum_pool *pool) {
    size_t n = 1 << 22; /* 32 MiB: runs on the workers */
    double *d = malloc(n * sizeof *d);
    __int128 expected = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t v = (int32_t)next() >> 4;
        d[i] = v, expected += v;
    }
    coresum_task *task = NULL;
    struct seen seen = {0};
    seen.task = &task;
    double got = 0;
    CHECK(coresum_pool_sum_f64_async(pool, d, n, CORESUM_EXACT, on_done, &seen, &task) == CORESUM_OK);
    CHECK(coresum_task_wait(task, &got) == CORESUM_OK && got == (double)expected);
    CHECK(atomic_load(&seen.calls) == 1 && seen.status == CORESUM_OK && seen.sum == got);
    CHECK(seen.waited == got);
    CHECK(coresum_task_wait(task, &got) == CORESUM_OK && got == (double)expected); /* again */
    CHECK(coresum_task_cancel(task) == CORESUM_OK); /* finished: nothing to cancel */
    CHECK(coresum_task_wait(task, &got) == CORESUM_OK && got == (double)expected);
    coresum_task_free(task);

    /* small: summed at once, the callback runs before the call returns, on this thread */
    struct seen small = {0};
    CHECK(coresum_pool_sum_f64_async(pool, d, 100, CORESUM_FAST, on_done, &small, &task) == CORESUM_OK);
    CHECK(atomic_load(&small.calls) == 1 && pthread_equal(small.thread, pthread_self()));
    coresum_task_free(task);

    /* f32, no callback */
    float f[1000];
    for (int i = 0; i < 1000; i++) f[i] = (float)i;
    CHECK(coresum_pool_sum_f32_async(pool, f, 1000, CORESUM_EXACT, NULL, NULL, &task) == CORESUM_OK);
    CHECK(coresum_task_wait(task, &got) == CORESUM_OK && got == 499500.0);
    coresum_task_free(task);

    /* cancel: either it finished first or it reports CORESUM_E_CANCELLED; the callback ran
       once either way and the array may be overwritten at once */
    for (int round = 0; round < 20; round++) {
        struct seen cancelled = {0};
        CHECK(coresum_pool_sum_f64_async(pool, d, n, CORESUM_EXACT, on_done, &cancelled, &task) == CORESUM_OK);
        CHECK(coresum_task_cancel(task) == CORESUM_OK);
        CHECK(atomic_load(&cancelled.calls) == 1);
        int rc = coresum_task_wait(task, &got);
        CHECK(rc == cancelled.status);
        CHECK(rc == CORESUM_E_CANCELLED ? isnan(cancelled.sum) : (rc == CORESUM_OK && got == (double)expected));
        coresum_task_free(task);
    }
    /* free of an unfinished task cancels it and waits for its callback */
    struct seen freed = {0};
    CHECK(coresum_pool_sum_f64_async(pool, d, n, CORESUM_EXACT, on_done, &freed, &task) == CORESUM_OK);
    coresum_task_free(task);
    CHECK(atomic_load(&freed.calls) == 1);
    memset(d, 0xff, n * sizeof *d); /* no worker reads it any more */

    CHECK_ERROR(coresum_pool_sum_f64_async(NULL, d, n, CORESUM_EXACT, NULL, NULL, &task), CORESUM_E_NULL_POINTER);
    CHECK_ERROR(coresum_pool_sum_f64_async(pool, NULL, 5, CORESUM_EXACT, NULL, NULL, &task), CORESUM_E_NULL_POINTER);
    CHECK_ERROR(coresum_pool_sum_f64_async(pool, d, n, 9, NULL, NULL, &task), CORESUM_E_INVALID_MODE);
    CHECK_ERROR(coresum_pool_sum_f64_async(pool, d, n, CORESUM_EXACT, NULL, NULL, NULL), CORESUM_E_NULL_POINTER);
    CHECK_ERROR(coresum_task_wait(NULL, &got), CORESUM_E_NULL_POINTER);
    CHECK_ERROR(coresum_task_cancel(NULL), CORESUM_E_NULL_POINTER);
    coresum_task_free(NULL);
    free(d);
}

int main(void) {
    CHECK(strcmp(coresum_last_error(), "") == 0);
    coresum_pool *pool = NULL;
    CHECK(coresum_pool_new(2, NULL, 0, &pool) == CORESUM_OK && pool != NULL);
    test_ints(pool);
    test_floats(pool);
    test_pool_errors();
    test_exact();
    test_async(pool);
    coresum_pool_free(pool);
    if (failures) {
        fprintf(stderr, "%d checks failed\n", failures);
        return 1;
    }
    puts("coresum C ABI: all checks passed");
    return 0;
}
