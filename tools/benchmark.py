"""Speed and memory of TResNet implementations side by side, in one run (tresnet_tasks.benchmark does the work).

    python tools/benchmark.py [--models ours:tresnet_m:iabn_torch ours:tresnet_m:bn ours:tresnet_m:bn:fold \
        timm:tresnet_m::cl timm:tresnet_m timm:resnet50::cl] [--baseline best|SPEC] [--peer timm:tresnet_m] [--size 224]
        [--batch 16] [--device cpu] [--amp] [--warmup 2] [--repeats 5] [--no-train] [--max-batch] [--json out.json]
    python tools/benchmark.py --task detection [--models CONFIG[@norm][,key=value][::cl|::onnx|::int8|::openvino] mmdet::<config> ...]

Model specs: see tresnet_tasks/benchmark/specs.py (``ours:<variant>:<norm>[:<options>]``, ``timm:<name>[::<options>]``
with options cl, fold, compile, onnx, bf16 joined by '+'; detection ``CONFIG[@norm][,key=value...][::cl|::onnx|::int8|::openvino]``).

Each network lives in its own process (clean peak memory); repeats are interleaved across networks, so drifts of a
shared machine move all rows alike. Reports medians of inference and training images/s, bytes saved for backward
per image, the peak memory of one training step per image, peak RSS (CPU) or peak allocated memory and max batch
(GPU, --max-batch), and ratios to the baseline row: by default the fastest form of the peer on this machine
(tresnet_tasks/benchmark/baseline.py; detection: the R50 version of the same detector from mmdet's package, e.g.
Faster R-CNN R50 for configs/faster_rcnn/*), named under the table with the CPU, its vector capability, the threads and
the machine's measured fp32 GEMM peak.
"""
from __future__ import annotations

import argparse
import datetime
import json
import shlex
import sys
from typing import Dict, List

import torch

from tresnet_tasks.benchmark.baseline import (BEST, DEFAULT_DET_PEER, DEFAULT_PEER, default_det_peer, peer_forms,
                                              pick_fastest)
from tresnet_tasks.benchmark.peak import gemm_peak_gflops, machine_line
from tresnet_tasks.benchmark.report import add_ratios, plot_ratios, render
from tresnet_tasks.benchmark.run import DEFAULTS, DETECTION_BATCH, measure_all
from tresnet_tasks.benchmark.specs import DEFAULT_DET_MODELS, DEFAULT_MODELS, parse_spec
from tresnet_tasks.cli.args import clear_errors
from tresnet_tasks.cli.config import require_detection
from tresnet_tasks.machine import package_versions, source_commit


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--task", choices=["classification", "detection"], default=DEFAULTS["task"],
                   help="detection: MMDetection configs side by side (CONFIG[@norm][::cl|::onnx|::int8|::openvino] or mmdet::<config in mmdet>)")
    p.add_argument("--models", nargs="+", default=None,
                   help=f"default: {' '.join(DEFAULT_MODELS)}; detection: {' '.join(DEFAULT_DET_MODELS)}")
    p.add_argument("--baseline", default=BEST,
                   help="the row ratios are taken against; 'best' (default): the fastest form of --peer on this "
                        "machine (NCHW or channels_last; compiled too where one of ours is), measured in this run")
    p.add_argument("--peer", default=None,
                   help=f"the network we compare with (default {DEFAULT_PEER}; detection: mmdet's R50 config that the "
                        f"first of --models was written over, e.g. RetinaNet R50 for a RetinaNet config, else "
                        f"{DEFAULT_DET_PEER})")
    p.add_argument("--size", type=int, default=DEFAULTS["size"])
    p.add_argument("--det-size", type=int, nargs=2, default=list(DEFAULTS["det_size"]), metavar=("H", "W"),
                   help="detection input size before padding to 32 (default 800 1333, the configs' test scale)")
    p.add_argument("--batch", type=int, default=None, help=f"default {DEFAULTS['batch']}; detection {DETECTION_BATCH}")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--amp", action="store_true", help="autocast (fp16 on CUDA, bf16 on CPU)")
    p.add_argument("--channels-last", action="store_true", help="channels_last for every model")
    p.add_argument("--compile", action="store_true", help="torch.compile every model")
    p.add_argument("--warmup", type=int, default=DEFAULTS["warmup"])
    p.add_argument("--repeats", type=int, default=DEFAULTS["repeats"])
    p.add_argument("--no-train", action="store_true")
    p.add_argument("--no-infer", action="store_true")
    p.add_argument("--max-batch", action="store_true", help="GPU: search the largest training batch")
    p.add_argument("--flops", action="store_true",
                   help="count each model's FLOPs per image (inference; a training step's forward + backward; "
                        "detection: the backbone's share) and report achieved GFLOP/s (compare with the machine's "
                        "peak, e.g. from tools/cpu_peak_flops.c)")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--json", help="write rows and settings here")
    p.add_argument("--plot", help="draw the ratio columns as a bar chart (PNG) here")
    p.add_argument("--same-process", action="store_true",
                   help="measure every model in this process (default: one subprocess per model, so that peak "
                        "memory and allocator/cache state of one model do not leak into the next)")
    args = p.parse_args(argv)
    det = args.task == "detection"
    args.models = args.models or (DEFAULT_DET_MODELS if det else DEFAULT_MODELS)
    args.peer = args.peer or (None if det else DEFAULT_PEER)  # detection: from the configs, in main()
    args.batch = args.batch or (DETECTION_BATCH if det else DEFAULTS["batch"])
    return args


def main(argv=None) -> List[Dict]:
    args = parse_args(argv)
    with clear_errors("benchmark"):
        if args.task == "detection":
            require_detection("--task detection")
        specs = [parse_spec(args.task, m) for m in args.models]
        args.peer = args.peer or default_det_peer(specs)
        forms = peer_forms(args.task, args.peer, specs) if args.baseline == BEST else []
        specs += [parse_spec(args.task, f) for f in forms if f not in args.models]
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    peak = gemm_peak_gflops(device.type if device.type == "cpu" else str(device))  # before the workers start
    torch.manual_seed(0)
    rows = measure_all(specs, args, device)
    choice = None
    if forms:
        args.baseline, choice = pick_fastest(rows, forms)
    for row in rows:
        print("[benchmark] " + ", ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}"
                                         for k, v in row.items()), flush=True)
    add_ratios(rows, args.baseline)
    machine = machine_line(device, peak)
    size = "x".join(map(str, args.det_size)) if args.task == "detection" else f"{args.size}px"
    print(f"\n{size}, batch {args.batch}, {'AMP' if args.amp else 'fp32'}, {machine}, torch {torch.__version__}, "
          f"median of {args.repeats} after {args.warmup} warm-up\n")
    print(f"ratio = value / value of the baseline row ({args.baseline})")
    if choice:
        print(choice)
    print(render(rows))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:  # the form tools/render_results.py renders into docs
            json.dump({"what": f"{args.task}, {size}, batch {args.batch}, {'AMP' if args.amp else 'fp32'}, "
                               f"medians of {args.repeats}",
                       "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
                       "commit": source_commit(),
                       "command": shlex.join(["python", "tools/benchmark.py",
                                              *(sys.argv[1:] if argv is None else argv)]),
                       "machine": machine, "versions": package_versions(), "settings": vars(args), "peak_gflops": peak,
                       "baseline": args.baseline, "baseline_choice": choice, "torch": torch.__version__,
                       "rows": rows}, f, indent=1)
    if args.plot:
        chart = plot_ratios(rows, args.baseline, args.plot, f"{size}, batch {args.batch}, {machine}")
        print(f"[benchmark] chart: {chart}")
    return rows


if __name__ == "__main__":
    main()
