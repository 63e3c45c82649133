"""The machine's fp32 ceiling, measured where the benchmark runs: what every "% of peak" figure divides by.

A large float32 matrix product through torch (MKL/oneDNN on x86, OpenBLAS/ACL on Arm, cuBLAS on GPU): what a
tuned library reaches on this machine, on any CPU torch runs on, no compiler needed. It sits below the bare FMA
ceiling that ``tools/cpu_peak_flops.c`` measures (2-core AMD EPYC Zen 4: 136-162 GFLOP/s against 219; a convolution
can beat it, so read "% of peak" against the C figure where you have one).
"""
from __future__ import annotations

import time
from typing import Optional

import torch

from ..machine import device_description


def gemm_peak_gflops(device: str = "cpu", n: int = 2048, repeats: int = 5, threads: Optional[int] = None) -> float:
    """Best of ``repeats`` ``n x n @ n x n`` float32 products, in GFLOP/s (2 n^3 operations each)."""
    old = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        a = torch.randn(n, n, device=device)
        b = torch.randn(n, n, device=device)
        out = torch.empty(n, n, device=device)
        torch.mm(a, b, out=out)  # warm-up: library initialisation, page faults
        best = float("inf")
        for _ in range(repeats):
            if device != "cpu":
                torch.cuda.synchronize(device)
            t0 = time.perf_counter()
            torch.mm(a, b, out=out)
            if device != "cpu":
                torch.cuda.synchronize(device)
            best = min(best, time.perf_counter() - t0)
        return 2 * n ** 3 / best / 1e9
    finally:
        torch.set_num_threads(old)


def machine_line(device: torch.device, peak_gflops: Optional[float]) -> str:
    """What every table names: the processor (CPU model and torch's vector capability, or the GPU), the threads,
    and the measured fp32 peak."""
    return device_description(device) + (f", fp32 GEMM peak {peak_gflops:.0f} GFLOP/s" if peak_gflops else "")
