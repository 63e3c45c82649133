"""Speed and memory of TResNet implementations side by side, in one process.

    python tools/benchmark.py [--models ours:tresnet_m:bn ours:tresnet_m:iabn ours:tresnet_m:bn:fold+cl \
        timm:tresnet_m timm:resnet50] [--baseline timm:tresnet_m] [--size 224] [--batch 16] [--device cpu]
        [--amp] [--warmup 2] [--repeats 5] [--no-train] [--max-batch] [--json out.json]

Model specs: ``ours:<variant>:<norm>[:<options>]`` with norm bn | iabn and options joined by '+':
``cl`` (channels_last), ``fold`` (norms folded into convs; inference only), ``compile`` (torch.compile);
``timm:<name>`` for any timm model (e.g. tresnet_m, resnet50). Reports inference and training images/s (medians),
bytes saved for backward per image, peak RSS (CPU) or peak allocated memory and max batch (GPU, --max-batch), and
the ratio of each to the baseline row.
"""
from __future__ import annotations

import argparse
import json
import os.path as osp
import platform
import sys
from typing import Dict, List, Optional

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

from tresnet_tasks.engine import benchmark as bm  # noqa: E402

DEFAULT_MODELS = ["ours:tresnet_m:bn", "ours:tresnet_m:bn:cl", "ours:tresnet_m:iabn", "ours:tresnet_m:bn:fold+cl",
                  "timm:tresnet_m", "timm:resnet50"]


def build(spec: str, device: torch.device, compile_all: bool, channels_last_all: bool) -> Dict:
    parts = spec.split(":")
    opts = set(parts[3].split("+")) if len(parts) > 3 and parts[3] else set()
    if parts[0] == "ours":
        from tresnet_tasks import create_tresnet, fold_norms
        model = create_tresnet(parts[1], num_classes=1000, norm=parts[2] if len(parts) > 2 else "bn")
        if "fold" in opts:
            model = fold_norms(model.eval())
    elif parts[0] == "timm":
        import timm
        model = timm.create_model(parts[1], num_classes=1000)
    else:
        raise ValueError(f"model spec must start with 'ours:' or 'timm:', got {spec!r}")
    cl = "cl" in opts or channels_last_all
    model = model.to(device)
    if cl:
        model = model.to(memory_format=torch.channels_last)
    if "compile" in opts or compile_all:
        model = torch.compile(model)
    return dict(model=model, channels_last=cl, train_ok="fold" not in opts)


def measure(spec: str, args, device: torch.device) -> Dict:
    built = build(spec, device, args.compile, args.channels_last)
    model: nn.Module = built["model"]
    fmt = torch.channels_last if built["channels_last"] else torch.contiguous_format

    def batch(n: int) -> torch.Tensor:
        return torch.rand(n, 3, args.size, args.size, device=device).contiguous(memory_format=fmt)

    x = batch(args.batch)
    row: Dict[str, Optional[float]] = {"model": spec}
    if not args.no_infer:
        model.eval()
        t = bm.time_median(bm.inference_step(model, x, args.amp), device, args.warmup, args.repeats)
        row["infer_img_s"] = args.batch / t
    if not args.no_train and built["train_ok"]:
        model.train()
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        rss_ok = device.type == "cpu" and bm.reset_peak_rss()
        t = bm.time_median(bm.training_step(model, x, args.amp), device, args.warmup, args.repeats)
        row["train_img_s"] = args.batch / t
        if device.type == "cuda":
            row["peak_alloc_MB"] = torch.cuda.max_memory_allocated(device) / 2 ** 20
        elif rss_ok:
            row["peak_rss_MB"] = bm.peak_rss_bytes() / 2 ** 20
        row["saved_MB_per_img"] = bm.saved_bytes_for_backward(model, x, args.amp) / args.batch / 2 ** 20
        if args.max_batch and device.type == "cuda":
            row["max_batch"] = bm.gpu_max_batch(lambda n: bm.training_step(model, batch(n), args.amp), device)
    del built, model, x
    if device.type == "cuda":
        torch.cuda.empty_cache()
    return row


def add_ratios(rows: List[Dict], baseline: str) -> None:
    base = next((r for r in rows if r["model"] == baseline), None)
    if base is None:
        return
    for r in rows:
        for key in ("infer_img_s", "train_img_s", "saved_MB_per_img", "peak_rss_MB", "peak_alloc_MB", "max_batch"):
            if r.get(key) is not None and base.get(key):
                r[f"{key}_ratio"] = r[key] / base[key]


def render(rows: List[Dict], baseline: str) -> str:
    cols = [("infer_img_s", "infer img/s"), ("train_img_s", "train img/s"), ("saved_MB_per_img", "saved MB/img"),
            ("peak_rss_MB", "peak RSS MB"), ("peak_alloc_MB", "peak alloc MB"), ("max_batch", "max batch")]
    cols = [c for c in cols if any(r.get(c[0]) is not None for r in rows)]
    head = "| model | " + " | ".join(f"{name} | ratio" for _, name in cols) + " |"
    lines = [head, "|" + "---|" * (1 + 2 * len(cols))]
    for r in rows:
        cells = []
        for key, _ in cols:
            v, ratio = r.get(key), r.get(f"{key}_ratio")
            cells += ["-" if v is None else f"{v:.1f}", "-" if ratio is None else f"{ratio:.2f}"]
        lines.append(f"| {r['model']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", nargs="+", default=DEFAULT_MODELS)
    p.add_argument("--baseline", default="timm:tresnet_m")
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--amp", action="store_true", help="autocast (fp16 on CUDA, bf16 on CPU)")
    p.add_argument("--channels-last", action="store_true", help="channels_last for every model")
    p.add_argument("--compile", action="store_true", help="torch.compile every model")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--no-train", action="store_true")
    p.add_argument("--no-infer", action="store_true")
    p.add_argument("--max-batch", action="store_true", help="GPU: search the largest training batch")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--json", help="write rows and settings here")
    p.add_argument("--same-process", action="store_true",
                   help="measure every model in this process (default: one fresh subprocess per model, so that "
                        "peak memory and allocator/cache state of one model do not leak into the next)")
    p.add_argument("--worker", help=argparse.SUPPRESS)  # internal: measure this one spec, print its row as JSON
    return p.parse_args(argv)


def measure_isolated(spec: str, argv: List[str]) -> Dict:
    """Run this tool on one model in a fresh interpreter and read back its row."""
    import subprocess
    cmd = [sys.executable, osp.abspath(__file__), *argv, "--worker", spec]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"benchmark of {spec} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _worker_argv(argv: Optional[List[str]]) -> List[str]:
    """The command-line options to pass to a worker: everything but --models/--json/--worker."""
    argv = list(sys.argv[1:] if argv is None else argv)
    out, skip = [], False
    for a in argv:
        if a in ("--models", "--json", "--worker"):
            skip = True
            continue
        if skip and not a.startswith("--"):
            continue
        skip = False
        out.append(a)
    return out


def main(argv=None) -> List[Dict]:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    torch.manual_seed(0)
    if args.worker:
        print(json.dumps(measure(args.worker, args, device)))
        return []
    rows = []
    for spec in args.models:
        row = measure(spec, args, device) if args.same_process else measure_isolated(spec, _worker_argv(argv))
        rows.append(row)
        print("[benchmark] " + ", ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}"
                                         for k, v in row.items()), flush=True)
    add_ratios(rows, args.baseline)
    machine = (torch.cuda.get_device_name(device) if device.type == "cuda"
               else f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads")
    print(f"\n{args.size}px, batch {args.batch}, {'AMP' if args.amp else 'fp32'}, {machine}, torch {torch.__version__}, "
          f"median of {args.repeats} after {args.warmup} warm-up\n")
    print(f"ratio = value / value of the baseline row ({args.baseline})")
    print(render(rows, args.baseline))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"settings": vars(args), "machine": machine, "torch": torch.__version__, "rows": rows}, f,
                      indent=1)
    return rows


if __name__ == "__main__":
    main()
