"""Self-check of a GPU node (or, with --device cpu, of this machine through the same code): correctness of every
path, then speed and memory against the peers. One table on the console, every row in the JSON.

    python tools/check_gpu.py                        # on a GPU node (sized for minutes; not yet timed on a GPU)
    python tools/check_gpu.py --device cpu --quick   # the same checks on the CPU, small sizes (what the tests run)
    python tools/check_gpu.py --json work_dirs/check_gpu.json --skip-throughput

Checks: backbone CUDA-vs-CPU parity (float32 against float64, outputs and gradients) in every norm mode and training
path; mmcv's NMS against torchvision's; float16 AMP with the asymmetric loss stays finite; one FCOS-TResNet-M
training step. Throughput: classification at 224 with AMP at the largest batch TResNet-M trains at, against timm's
tresnet_m (its faster form here) and resnet50 in channels_last; FCOS-TResNet-M against mmdet's FCOS-R50, step time
and peak memory. Works on a stock CUDA PyTorch without mmcv/mmdet (the detection rows then say what is missing).
Exit status 1 when a check fails.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import torch

from tresnet_tasks.backbone import iabn_available
from tresnet_tasks.benchmark import node_check as nc
from tresnet_tasks.benchmark.peak import gemm_peak_gflops, machine_line
from tresnet_tasks.benchmark.report import render
from tresnet_tasks.machine import bf16_is_fast_here, detection_missing


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu",
                   help="cuda (default where a GPU is seen), cuda:N, or cpu")
    p.add_argument("--quick", action="store_true",
                   help="small sizes and few repeats (classification 64 px, batch 4; detection 256x256): the "
                        "mechanics in minutes on a CPU; figures not comparable with the full run")
    p.add_argument("--batch", type=int, default=None,
                   help="classification batch (default: on a GPU the largest power of two TResNet-M trains at, "
                        "up to 512; on a CPU 16, --quick 4)")
    p.add_argument("--repeats", type=int, default=None, help="timed repeats per network (default 5, --quick 2)")
    p.add_argument("--skip-throughput", action="store_true", help="correctness rows only")
    p.add_argument("--json", default="work_dirs/check_gpu.json", help="every row, settings and the machine")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print("[check_gpu] error: --device cuda but torch sees no GPU (torch.cuda.is_available() is False; "
              f"torch {torch.__version__} built for CUDA {torch.version.cuda}); run with --device cpu to check the "
              "CPU paths", file=sys.stderr)
        return 2
    t0 = time.time()
    det_size = [256, 256] if args.quick else [800, 1333]
    peak = gemm_peak_gflops(str(device) if device.type == "cuda" else "cpu")
    machine = machine_line(device, peak)
    print(f"[check_gpu] {machine}, torch {torch.__version__}"
          + (f", CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}" if device.type == "cuda" else ""),
          flush=True)
    checks = nc.correctness(device, det_size)
    width = max(len(r["check"]) for r in checks)
    print(f"\n{'check':<{width}}  result   detail")
    for r in checks:
        print(f"{r['check']:<{width}}  {r['status']:<7}  {r['detail']}")
    report = {"device": str(device), "machine": machine, "peak_gflops": peak, "torch": torch.__version__,
              "cuda": torch.version.cuda, "checks": checks}
    if not args.skip_throughput:
        report.update(run_throughput(args, device, det_size))
    report["seconds"] = round(time.time() - t0, 1)
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=1, default=str)
    failed = [r["check"] for r in checks if r["status"] == "FAIL"]
    missing = [r["check"] for r in checks if r["status"] == "missing"]
    print(f"\n[check_gpu] {len(checks) - len(failed) - len(missing)} ok, {len(failed)} failed"
          + (f" ({', '.join(failed)})" if failed else "") + f", {len(missing)} missing"
          + (f" ({', '.join(missing)})" if missing else "") + f"; {report['seconds']:.0f} s; JSON: {args.json}")
    return 1 if failed else 0


def run_throughput(args, device: torch.device, det_size) -> dict:
    """Classification (AMP where it pays: always on CUDA, on CPUs with native bfloat16) and detection tables."""
    cuda = device.type == "cuda"
    amp = cuda or bf16_is_fast_here()
    size = 64 if args.quick else 224
    batch = args.batch or (nc.largest_batch(device, size) if cuda else (4 if args.quick else 16))
    repeats = args.repeats or (2 if args.quick else 5)
    warmup = 1 if args.quick else 2
    # In-Place ABN: the library's kernels on a GPU; on a CPU our iabn_torch (the library's CPU kernel is scalar
    # loops without a bfloat16 path)
    ours = ["ours:tresnet_m:bn"] + ((["ours:tresnet_m:iabn"] if iabn_available() else []) if cuda
                                    else ["ours:tresnet_m:iabn_torch"])
    out = {}
    cls_args = nc.bench_args(size=size, batch=batch, amp=amp, repeats=repeats, warmup=warmup, max_batch=False)
    print(f"\n[check_gpu] classification, {size}px, batch {batch}, {'AMP' if amp else 'fp32'}", flush=True)
    out["classification"] = show(nc.guarded_throughput(
        lambda: nc.throughput("classification", device, cls_args, ours, ["timm:resnet50::cl"], "timm:tresnet_m")))
    reason = detection_missing(load=True)
    if reason:
        print(f"[check_gpu] detection throughput: missing: {reason}")
        out["detection"] = {"missing": reason}
        return out
    det_args = nc.bench_args(task="detection", det_size=det_size, batch=2, repeats=repeats, warmup=warmup,
                             no_infer=True)
    print(f"\n[check_gpu] detection training step, {det_size[0]}x{det_size[1]}, batch 2, fp32", flush=True)
    det_ours = [f"{nc.FCOS_CONFIG}@bn"] + ([f"{nc.FCOS_CONFIG}@iabn"] if iabn_available() and cuda else [])
    out["detection"] = show(nc.guarded_throughput(
        lambda: nc.throughput("detection", device, det_args, det_ours, [], nc.FCOS_R50)))
    return out


def show(result: dict) -> dict:
    if "error" in result:
        print(f"[check_gpu] FAIL: {result['error']}")
    else:
        print(result["baseline_choice"])
        print(render(result["rows"]))
    return result


if __name__ == "__main__":
    sys.exit(main())
