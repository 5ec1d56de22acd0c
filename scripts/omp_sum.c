/* The OpenMP peer of benches/pool.rs: the same sums, compiled by the bench at run time with
 * `gcc -O3 -march=native -fopenmp -shared -fPIC` and loaded with dlopen, so it runs in the same
 * process, on the same bytes, in the same criterion run. Threads: OMP_NUM_THREADS,
 * placement: OMP_PROC_BIND=close, both set by the bench. */
#include <stddef.h>
#include <stdint.h>
#include <omp.h>

int64_t omp_sum_i32(const int32_t *x, size_t n) {
    int64_t s = 0;
#pragma omp parallel for reduction(+ : s) schedule(static)
    for (size_t i = 0; i < n; i++) s += x[i];
    return s;
}

uint64_t omp_sum_u8(const uint8_t *x, size_t n) {
    uint64_t s = 0;
#pragma omp parallel for reduction(+ : s) schedule(static)
    for (size_t i = 0; i < n; i++) s += x[i];
    return s;
}

/* A tiny job on every thread: each writes its index, so the region cannot be elided. */
volatile int omp_sink[256];
void omp_round_trip(void) {
#pragma omp parallel
    omp_sink[omp_get_thread_num() & 255] = omp_get_thread_num();
}
