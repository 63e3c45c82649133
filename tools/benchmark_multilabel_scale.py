"""Multi-label at Open Images' scale, on synthetic files in the real layouts (no timing in tests: figures go to the
README): loading a CSL-style index of 1.7 M images x 9,605 classes (time, resident memory of the main process and
of each loader worker, PSS counting shared pages once), and evaluating 125k images x 9,605 classes with the
partial-label mAP (time, peak memory).

    python tools/benchmark_multilabel_scale.py [--images 1700000] [--classes 9605] [--eval-images 125000]
        [--workers 2] [--work-dir /tmp/ml_scale] [--json out.json] [--reuse]
Each phase runs in its own process, so its peak memory is its own.
"""
from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import os
import platform
import resource
import time


def _status(pid="self"):
    """(RSS, PSS) in MB of a process, from /proc (PSS: shared pages split among the processes sharing them)."""
    rss = pss = float("nan")
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1]) / 1024
    except OSError:
        pass
    return rss, pss


def _peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_index(root: str, images: int, classes: int, pos: int = 5, neg: int = 4, seed: int = 0) -> float:
    """A CSL-style data.csv + class descriptions (no image files); returns seconds."""
    import numpy as np
    t0 = time.time()
    os.makedirs(root, exist_ok=True)
    mids = [f"/m/{i:06x}" for i in range(classes)]
    with open(os.path.join(root, "oidv6-class-descriptions.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["LabelName", "DisplayName"])
        w.writerows((m, f"class {i}, synthetic") for i, m in enumerate(mids))
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, classes, size=(images, pos + neg))
    with open(os.path.join(root, "data.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path", "pos", "neg", "split"])
        for i in range(images):
            row = picks[i]
            w.writerow([f"train/{i:08d}.jpg", str([mids[c] for c in row[:pos]]), str([mids[c] for c in row[pos:]]),
                        "train"])
    return time.time() - t0


def _load(root: str, workers: int, queue) -> None:
    from torch.utils.data import DataLoader

    from tresnet_tasks.classification.datasets import OpenImagesDataset
    t0 = time.time()
    ds = OpenImagesDataset(data_root=root, split="train", check_images=False, pipeline=[])
    seconds = time.time() - t0
    main_rss, main_pss = _status()
    loader = DataLoader(ds, batch_size=256, num_workers=workers, collate_fn=len, persistent_workers=True,
                        shuffle=True, multiprocessing_context="fork")
    it = iter(loader)
    for _ in range(20):  # workers fetch and densify samples
        next(it)
    kids = [p.pid for p in multiprocessing.active_children()] or [w.pid for w in getattr(it, "_workers", [])]
    per_worker = [_status(pid) for pid in kids]
    queue.put(dict(images=len(ds), classes=ds.num_classes, load_s=seconds, main_rss_MB=main_rss,
                   main_pss_MB=main_pss, worker_rss_MB=[r for r, _ in per_worker],
                   worker_pss_MB=[p for _, p in per_worker]))
    del it, loader


def _evaluate(images: int, classes: int, queue, known: int = 9, seed: int = 0) -> None:
    import numpy as np
    import torch

    from tresnet_tasks.classification.metrics import MultiLabelMetric
    rng = np.random.default_rng(seed)
    metric = MultiLabelMetric(score_dtype="float16")
    metric.dataset_meta = dict(classes=[f"class {i}" for i in range(classes)])
    base = _peak_mb()
    t0 = time.time()
    batch = 256
    for start in range(0, images, batch):
        n = min(batch, images - start)
        gt = torch.full((n, classes), -1.0)
        cols = torch.from_numpy(rng.integers(0, classes, size=(n, known)))
        labels = torch.from_numpy((rng.random((n, known)) < 0.55).astype(np.float32))
        gt.scatter_(1, cols, labels)
        scores = torch.sigmoid(torch.randn(n, classes) + 2 * gt.clamp(min=0))
        metric.process(None, [dict(scores=s, gt=g) for s, g in zip(scores, gt)])
    t_process = time.time() - t0
    metrics = metric.evaluate(images)
    queue.put(dict(eval_images=images, classes=classes, process_s=t_process, evaluate_s=time.time() - t0 - t_process,
                   peak_MB=_peak_mb(), peak_before_MB=base, mAP=metrics.get("multilabel/mAP")))


def _in_process(target, *args):
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--images", type=int, default=1_700_000)
    p.add_argument("--classes", type=int, default=9605)
    p.add_argument("--eval-images", type=int, default=125_000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--work-dir", default="/tmp/ml_scale")
    p.add_argument("--json")
    p.add_argument("--reuse", action="store_true", help="keep the index files of an earlier run in --work-dir")
    args = p.parse_args(argv)
    out = dict(machine=f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    if not (args.reuse and os.path.isfile(os.path.join(args.work_dir, "data.csv"))):
        out["write_index_s"] = write_index(args.work_dir, args.images, args.classes)
    out["csv_MB"] = os.path.getsize(os.path.join(args.work_dir, "data.csv")) / 2 ** 20
    out["load"] = _in_process(_load, args.work_dir, args.workers)
    print(f"[scale] index: {out['load']}", flush=True)
    out["eval"] = _in_process(_evaluate, args.eval_images, args.classes)
    print(f"[scale] evaluation: {out['eval']}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
    return out


if __name__ == "__main__":
    main()
