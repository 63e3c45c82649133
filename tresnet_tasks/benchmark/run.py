"""Measuring several networks side by side: interleaved repeats, medians, then FLOPs, stage times and memory."""
from __future__ import annotations

import argparse
import statistics
from typing import Dict, List, Sequence

import torch

from .benches import make_bench
from .report import add_rates
from .specs import Spec
from .workers import WorkerBench

# Every setting measure_all and the benches read, at tools/benchmark.py's defaults: the tool's options start from
# these, and so does the node self-check (tools/check_gpu.py), so the two cannot drift apart.
DEFAULTS = dict(task="classification", size=224, det_size=[800, 1333], batch=16, amp=False, channels_last=False,
                compile=False, warmup=2, repeats=5, no_train=False, no_infer=False, max_batch=False, flops=False,
                threads=None, same_process=False)
DETECTION_BATCH = 2  # --batch's default for --task detection


def settings(**overrides) -> argparse.Namespace:
    """:data:`DEFAULTS` with ``overrides``, as the namespace :func:`measure_all` reads."""
    unknown = set(overrides) - set(DEFAULTS)
    if unknown:
        raise TypeError(f"unknown benchmark settings {sorted(unknown)}")
    return argparse.Namespace(**{**DEFAULTS, **overrides})


def measure_all(specs: Sequence[Spec], args, device: torch.device) -> List[Dict]:
    """Medians of interleaved repeats: repeat r of every network runs before repeat r+1 of any, so that a machine
    that slows down or speeds up during the run moves every row alike and the ratios stay fair. Each network runs
    in its own process unless ``args.same_process``."""
    benches = [make_bench(s, args, device) if args.same_process else WorkerBench(s, args, device) for s in specs]
    rows: List[Dict] = [{"model": s.text} for s in specs]
    try:
        for phase, skip in (("infer", args.no_infer), ("train", args.no_train)):
            if skip:
                continue
            times: List[List[float]] = [[] for _ in benches]
            for r in range(args.warmup + args.repeats):
                for i, b in enumerate(benches):
                    t = b.call(phase)
                    if t is not None and r >= args.warmup:
                        times[i].append(t)
            for row, ts in zip(rows, times):
                if ts:
                    row[f"{phase}_img_s"] = args.batch / statistics.median(ts)
        extra = (["flops"] if args.flops else []) + (["stage_times"] if args.task == "detection" and not
                                                     args.no_infer else []) + ([] if args.no_train else ["memory"])
        for phase in extra:
            for row, b in zip(rows, benches):
                row.update(b.call(phase))
        add_rates(rows)
    finally:
        for b in benches:
            if isinstance(b, WorkerBench):
                b.close()
    return rows
