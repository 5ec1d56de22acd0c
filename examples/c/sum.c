/* Summing C arrays with coresum: exact integer sums, a correctly rounded float sum, a pool and an
 * asynchronous sum. Build: see bindings/c/README.md, e.g.
 *   cc examples/c/sum.c -I bindings/c/include -L target/release -lcoresum_capi -o sum */
#include <coresum.h>

#include <stdio.h>
#include <stdlib.h>

static int check(int status) {
    if (status != CORESUM_OK) {
        fprintf(stderr, "coresum: %s\n", coresum_last_error());
        exit(2);
    }
    return status;
}

static void done(void *user_data, int status, double sum) {
    printf("%s: status %d, sum %.17g\n", (const char *)user_data, status, sum);
}

int main(void) {
    /* Integers: the exact sum, as 128 bits, whatever the length. */
    enum { N = 1 << 20 };
    int64_t *big = malloc(N * sizeof *big);
    for (size_t i = 0; i < N; i++) big[i] = INT64_MAX;
    coresum_i128 total;
    check(coresum_sum_i64(big, N, &total));
    printf("2^20 * INT64_MAX = 0x%016llx%016llx\n", (unsigned long long)total.hi,
           (unsigned long long)total.lo);

    /* Floats: no intermediate overflow, correctly rounded. */
    double xs[] = {1e308, 1e308, -1e308, 1e-300};
    double sum;
    check(coresum_sum_f64(xs, 4, CORESUM_EXACT, &sum));
    printf("1e308 + 1e308 - 1e308 + 1e-300 = %g\n", sum);

    /* A pool of two pinned workers, and an asynchronous sum on it. */
    coresum_pool *pool;
    check(coresum_pool_new(2, NULL, 0, &pool));
    double *ys = malloc(N * sizeof *ys);
    for (size_t i = 0; i < N; i++) ys[i] = 0.1;
    coresum_task *task;
    check(coresum_pool_sum_f64_async(pool, ys, N, CORESUM_EXACT, done, "async", &task));
    check(coresum_task_wait(task, &sum)); /* after this, `ys` may be freed */
    printf("2^20 * 0.1 = %.17g\n", sum);
    coresum_task_free(task);
    coresum_pool_free(pool);

    /* A bad argument is an error code and a message, never a crash. */
    if (coresum_sum_f64(xs, 4, 7, &sum) == CORESUM_E_INVALID_MODE)
        printf("mode 7: %s\n", coresum_last_error());
    free(big), free(ys);
    return 0;
}
