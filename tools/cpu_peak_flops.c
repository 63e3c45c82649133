/* Peak fp32 FMA throughput of this CPU (AVX-512), the roofline for tools/benchmark.py --flops.
 *
 *   gcc -O3 -march=native -fopenmp tools/cpu_peak_flops.c -o /tmp/cpu_peak_flops && /tmp/cpu_peak_flops
 *
 * Every thread runs 12 independent chains of 16-wide FMAs (enough to hide FMA latency on current x86 cores);
 * OMP_NUM_THREADS sets the thread count (match torch's). Needs AVX-512F. */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>

int main(void) {
    const long iters = 50000000;
    float sink = 0.0f;
    double t0 = omp_get_wtime();
#pragma omp parallel reduction(+ : sink)
    {
        __m512 acc[12];
        const __m512 a = _mm512_set1_ps(1.0000001f), b = _mm512_set1_ps(1e-7f);
        for (int i = 0; i < 12; i++) acc[i] = _mm512_set1_ps((float)i);
        for (long k = 0; k < iters; k++)
            for (int i = 0; i < 12; i++) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
        for (int i = 0; i < 12; i++) sink += _mm512_reduce_add_ps(acc[i]);
    }
    double dt = omp_get_wtime() - t0;
    int threads = omp_get_max_threads();
    printf("%d threads: %.1f GFLOP/s fp32 peak (checksum %.3g)\n", threads,
           threads * (double)iters * 12 * 16 * 2 / dt / 1e9, sink);
    return 0;
}
