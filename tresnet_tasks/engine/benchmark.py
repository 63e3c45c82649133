"""Measurement primitives for tools/benchmark.py: throughput, bytes saved for backward, peak memory.

Timings are medians over repeats after warm-up, each repeat one batch (synchronised on CUDA). Saved-for-backward
bytes are counted exactly with autograd's saved-tensor hooks: every tensor autograd keeps for the backward pass,
deduplicated by storage, excluding parameters (they are not per-image memory).
"""
from __future__ import annotations

import statistics
import time
from typing import Callable, Dict, List, Optional

import torch
import torch.nn as nn


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_median(fn: Callable[[], None], device: torch.device, warmup: int, repeats: int) -> float:
    """Median wall time (s) of ``fn`` over ``repeats`` runs after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    _sync(device)
    times: List[float] = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def inference_step(model: nn.Module, x: torch.Tensor, amp: bool) -> Callable[[], None]:
    def step():
        with torch.no_grad(), torch.autocast(x.device.type, enabled=amp, dtype=_amp_dtype(x.device)):
            model(x)
    return step


def training_step(model: nn.Module, x: torch.Tensor, amp: bool) -> Callable[[], None]:
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=1e-4, momentum=0.9)
    scaler = torch.amp.GradScaler(x.device.type, enabled=amp and x.device.type == "cuda")
    target = torch.zeros(x.shape[0], dtype=torch.long, device=x.device)

    def step():
        opt.zero_grad(set_to_none=True)
        with torch.autocast(x.device.type, enabled=amp, dtype=_amp_dtype(x.device)):
            loss = nn.functional.cross_entropy(model(x).float(), target)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
    return step


def _amp_dtype(device: torch.device) -> torch.dtype:
    return torch.float16 if device.type == "cuda" else torch.bfloat16


def saved_bytes_for_backward(model: nn.Module, x: torch.Tensor, amp: bool = False) -> int:
    """Bytes autograd keeps for backward in one training forward (unique storages, parameters excluded)."""
    param_ptrs = {p.untyped_storage().data_ptr() for p in model.parameters()}
    seen: Dict[int, int] = {}

    def pack(t: torch.Tensor):
        storage = t.untyped_storage()
        ptr = storage.data_ptr()
        if ptr not in param_ptrs and ptr != 0:
            seen[ptr] = max(seen.get(ptr, 0), storage.nbytes())
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        with torch.autocast(x.device.type, enabled=amp, dtype=_amp_dtype(x.device)):
            out = model(x)
    del out
    return sum(seen.values())


def reset_peak_rss() -> bool:
    """Reset the process's peak RSS (Linux /proc/self/clear_refs); False where unsupported."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss_bytes() -> Optional[int]:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def gpu_max_batch(make_step: Callable[[int], Callable[[], None]], device: torch.device, start: int = 32,
                  limit: int = 4096) -> int:
    """Largest training batch that fits (doubling, then binary search), as the paper's "max batch size"."""
    def fits(n: int) -> bool:
        try:
            make_step(n)()
            _sync(device)
            return True
        except torch.OutOfMemoryError:
            return False
        finally:
            torch.cuda.empty_cache()

    lo, hi = 0, start
    while hi <= limit and fits(hi):
        lo, hi = hi, hi * 2
    hi = min(hi, limit + 1)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo
