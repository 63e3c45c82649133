/* Peak fp32 FMA throughput of this CPU, the roofline for tools/benchmark.py --flops; any x86-64 or Arm CPU.
 *
 *   gcc -O3 -march=native -ffp-contract=fast -fopenmp tools/cpu_peak_flops.c -o /tmp/cpu_peak_flops && /tmp/cpu_peak_flops
 *   (Arm with an older gcc: -mcpu=native)
 *
 * Written with the compiler's generic vector type at the widest width the -march gives (AVX-512: 16 floats, AVX2:
 * 8, SSE/NEON: 4), so it builds everywhere and every multiply-add becomes one FMA instruction. Every thread runs 12
 * independent chains (enough to hide FMA latency on current cores); OMP_NUM_THREADS sets the thread count (match
 * torch's). tools/benchmark.py measures a GEMM-based figure itself
 * (tresnet_tasks/benchmark/peak.py); this one is the hardware's FMA ceiling. */
#include <omp.h>
#include <stdio.h>

/* the widest vector the -march gives, so that every accumulator stays in a register */
#if defined(__AVX512F__)
#define WIDTH 16
#elif defined(__AVX__)
#define WIDTH 8
#else
#define WIDTH 4 /* SSE, NEON */
#endif
typedef float vec __attribute__((vector_size(WIDTH * 4)));
#define CHAINS 12

int main(void) {
    const long iters = 50000000;
    float sink = 0.0f;
    double t0 = omp_get_wtime();
#pragma omp parallel reduction(+ : sink)
    {
        vec acc[CHAINS];
        vec a, b;
        for (int j = 0; j < WIDTH; j++) { a[j] = 1.0000001f; b[j] = 1e-7f; }
        for (int i = 0; i < CHAINS; i++)
            for (int j = 0; j < WIDTH; j++) acc[i][j] = (float)i;
        for (long k = 0; k < iters; k++)
            for (int i = 0; i < CHAINS; i++) acc[i] = acc[i] * a + b;
        for (int i = 0; i < CHAINS; i++)
            for (int j = 0; j < WIDTH; j++) sink += acc[i][j];
    }
    double dt = omp_get_wtime() - t0;
    int threads = omp_get_max_threads();
    printf("%d threads: %.1f GFLOP/s fp32 peak (checksum %.3g)\n", threads,
           threads * (double)iters * CHAINS * WIDTH * 2 / dt / 1e9, sink);
    return 0;
}
