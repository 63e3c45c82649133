"""Speed and memory of TResNet implementations side by side, in one run.

    python tools/benchmark.py [--models ours:tresnet_m:iabn_torch ours:tresnet_m:bn ours:tresnet_m:bn:fold \
        timm:tresnet_m::cl timm:tresnet_m timm:resnet50::cl] [--baseline timm:tresnet_m::cl] [--size 224] [--batch 16]
        [--device cpu] [--amp] [--warmup 2] [--repeats 5] [--no-train] [--max-batch] [--json out.json]

Model specs: ``ours:<variant>:<norm>[:<options>]`` with norm bn | iabn | iabn_torch and options joined by '+':
``cl`` (channels_last; ours is channels_last already), ``fold`` (norms folded into convs), ``compile``
(torch.compile), ``onnx`` (exported, run by ONNX Runtime), ``bf16`` (weights and inputs in bfloat16); fold, onnx
and bf16 are inference only. ``timm:<name>[::<options>]`` is any timm model (e.g. tresnet_m, resnet50), e.g.
``timm:tresnet_m::cl`` in channels_last, the default baseline.

Each model lives in its own worker process (clean peak memory); repeats are interleaved across models (repeat r of
every model before repeat r+1 of any), so drifts of a shared machine move all rows alike. Reports medians of
inference and training images/s, bytes saved for backward per image, the peak memory of one training step per
image, peak RSS (CPU) or peak allocated memory and max batch (GPU, --max-batch), and ratios to the baseline row.
"""
from __future__ import annotations

import argparse
import ast
import json
import os.path as osp
import platform
import statistics
import sys
from typing import Dict, List, Optional

import torch
import torch.nn as nn

from tresnet_tasks.benchmark import measure as bm

# The peer at its best: timm in channels_last (oneDNN's and cuDNN's fast layout) is the baseline; timm in NCHW
# (timm's default) stays as a labelled reference row. Compiled rows compare with compiled peers (--compile, or a
# '+compile' option on each side).
DEFAULT_MODELS = ["ours:tresnet_m:iabn_torch", "ours:tresnet_m:bn", "ours:tresnet_m:bn:fold",
                  "timm:tresnet_m::cl", "timm:tresnet_m", "timm:resnet50::cl"]
DEFAULT_BASELINE = "timm:tresnet_m::cl"


def build(spec: str, device: torch.device, compile_all: bool, channels_last_all: bool) -> Dict:
    parts = spec.split(":")
    opts = set(parts[3].split("+")) if len(parts) > 3 and parts[3] else set()
    unknown = opts - {"cl", "fold", "compile", "bf16", "onnx"}
    if unknown:
        raise ValueError(f"unknown options {sorted(unknown)} in {spec!r}; use cl, fold, compile, bf16, onnx")
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
    dtype = torch.bfloat16 if "bf16" in opts else torch.float32
    model = model.to(device=device, dtype=dtype)
    if cl:
        model = model.to(memory_format=torch.channels_last)
    if "compile" in opts or compile_all:
        model = torch.compile(model)
    inference_only = bool(opts & {"fold", "bf16", "onnx"})
    return dict(model=model, channels_last=cl, dtype=dtype, onnx="onnx" in opts, train_ok=not inference_only)


class Bench:
    """One model, measured one repeat at a time (so that the caller can interleave models)."""

    def __init__(self, spec: str, args, device: torch.device):
        self.spec, self.args, self.device = spec, args, device
        built = build(spec, device, args.compile, args.channels_last)
        self.model: nn.Module = built["model"]
        self.train_ok = built["train_ok"]
        fmt = torch.channels_last if built["channels_last"] else torch.contiguous_format
        self.batch = lambda n: torch.rand(n, 3, args.size, args.size, device=device, dtype=built["dtype"]
                                          ).contiguous(memory_format=fmt)
        self.x = self.batch(args.batch)
        self.model.eval()
        self.gflop_per_img = bm.gflop_per_image(self.model, self.x[:1]) if args.flops else None
        self._infer = (bm.onnxruntime_runner(self.model, self.x) if built["onnx"]
                       else bm.inference_step(self.model, self.x, args.amp))
        self._train = None
        self._rss_ok = False

    def infer(self) -> float:
        return bm.time_once(self._infer, self.device)

    def train(self) -> Optional[float]:
        if not self.train_ok:
            return None
        if self._train is None:  # first call: switch to training, start the memory peaks here
            self.model.train()
            self._train = bm.training_step(self.model, self.x, self.args.amp)
            if self.device.type == "cuda":
                torch.cuda.reset_peak_memory_stats(self.device)
            self._rss_ok = self.device.type == "cpu" and bm.reset_peak_rss()
        return bm.time_once(self._train, self.device)

    def memory(self) -> Dict[str, Optional[float]]:
        if not self.train_ok:
            return {}
        if self._train is None:
            self.train()
        mib, n = 2 ** 20, self.args.batch
        row: Dict[str, Optional[float]] = {}
        if self.device.type == "cuda":
            row["peak_alloc_MB"] = torch.cuda.max_memory_allocated(self.device) / mib
        elif self._rss_ok:
            row["peak_rss_MB"] = bm.peak_rss_bytes() / mib
        row["saved_MB_per_img"] = bm.saved_bytes_for_backward(self.model, self.x, self.args.amp) / n / mib
        row["step_peak_MB"] = bm.step_peak_bytes(self._train, self.device) / mib
        if self.args.max_batch and self.device.type == "cuda":
            row["max_batch"] = bm.gpu_max_batch(
                lambda b: bm.training_step(self.model, self.batch(b), self.args.amp), self.device)
        return row

    def flops(self) -> Dict[str, Optional[float]]:
        """GFLOP per image of inference and (when trained) of one training step, forward + backward."""
        row = {"gflop_per_img": self.gflop_per_img}
        if self.train_ok and not self.args.no_train:
            if self._train is None:
                self.train()
            row["train_gflop_per_img"] = bm.gflop_of(self._train) / self.args.batch
        return row

    def call(self, method: str):
        return getattr(self, method)()


# The peer at its best here too: mmdet's FCOS-R50 in channels_last (TResNet converts its inputs to channels_last
# itself, so the FPN and head after it run NHWC as well).
DEFAULT_DET_MODELS = ["configs/fcos/fcos_tresnet-m_fpn_gn-head_1x_coco.py@iabn_torch", "mmdet::fcos/fcos_r50-caffe_fpn_gn-head_1x_coco.py::cl",
                      "mmdet::fcos/fcos_r50-caffe_fpn_gn-head_1x_coco.py"]
DEFAULT_DET_BASELINE = "mmdet::fcos/fcos_r50-caffe_fpn_gn-head_1x_coco.py::cl"


def det_config(spec: str):
    """``CONFIG[@norm][,key=value...][::cl]``: a config file, or ``mmdet::<path>`` for a config shipped in the mmdet
    package; ``@norm`` sets a TResNet backbone's norm mode and ``key=value`` other backbone arguments (e.g.
    ``@iabn_torch,recompute_convs=False``); ``::cl``, channels_last, is applied by :class:`DetBench`.
    Pretrained init is dropped (random weights time the same)."""
    import mmdet
    from mmengine.config import Config
    path, _, norm = (spec[:-len("::cl")] if spec.endswith("::cl") else spec).partition("@")
    if path.startswith("mmdet::"):
        path = osp.join(osp.dirname(mmdet.__file__), ".mim", "configs", path[len("mmdet::"):])
    cfg = Config.fromfile(path)
    backbone = cfg.model.backbone
    backbone.init_cfg = None
    for item in filter(None, norm.split(",")):
        key, eq, value = item.partition("=")
        if eq:
            backbone[key] = ast.literal_eval(value)
        else:
            backbone.norm = item
    return cfg


class DetBench:
    """One MMDetection detector at ``--det-size`` (padded as its data preprocessor does), batch ``--batch``:
    inference (backbone, neck and head + post-processing timed separately), a training step (loss, backward, SGD),
    bytes saved for backward per image (backbone and the rest) and the step's peak memory."""

    def __init__(self, spec: str, args, device: torch.device):
        from mmdet.registry import MODELS
        from mmdet.utils import register_all_modules
        register_all_modules(init_default_scope=True)
        import tresnet_tasks.registry  # noqa: F401 - registers the TResNet backbone
        self.spec, self.args, self.device = spec, args, device
        self.model = MODELS.build(det_config(spec).model).to(device)
        self.channels_last = spec.endswith("::cl")
        if self.channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
        if args.amp:  # the tools' --bf16 / CPU --amp path: network in bfloat16 autocast, the rest in float32
            from tresnet_tasks.engine.precision import enable_bf16
            enable_bf16(self.model)
        self.train_ok = True
        self.inputs, self.samples = self.batch(args.batch)
        self.parts: Dict[str, List[float]] = {"backbone": [], "neck": [], "head": []}
        self._train = None
        self._rss_ok = False

    def batch(self, n: int):
        from mmdet.structures import DetDataSample
        from mmengine.structures import InstanceData
        h, w = self.args.det_size
        gen = torch.Generator().manual_seed(0)
        imgs, samples = [], []
        for _ in range(n):
            imgs.append(torch.randint(0, 256, (3, h, w), dtype=torch.uint8, generator=gen))
            xy = torch.rand(5, 2, generator=gen) * torch.tensor([w * 0.6, h * 0.6])
            wh = 32 + torch.rand(5, 2, generator=gen) * torch.tensor([w * 0.3, h * 0.3])
            sample = DetDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w), scale_factor=(1.0, 1.0)))
            sample.gt_instances = InstanceData(bboxes=torch.cat([xy, xy + wh], 1),
                                               labels=torch.randint(0, self.model.bbox_head.num_classes, (5,),
                                                                    generator=gen))
            samples.append(sample)
        data = self.model.data_preprocessor({"inputs": imgs, "data_samples": samples}, True)
        fmt = torch.channels_last if self.channels_last else torch.contiguous_format
        return data["inputs"].to(self.device).contiguous(memory_format=fmt), data["data_samples"]

    def infer(self) -> float:
        m = self.model.eval()
        times = []
        with torch.no_grad():
            feats = [None]

            def backbone():
                feats[0] = m.backbone(self.inputs)

            def neck():
                feats[0] = m.neck(feats[0])

            def head():
                m.bbox_head.predict(feats[0], self.samples, rescale=False)

            for name, fn in (("backbone", backbone), ("neck", neck), ("head", head)):
                t = bm.time_once(fn, self.device)
                self.parts[name].append(t)
                times.append(t)
        return sum(times)

    def _loss(self):
        loss, _ = self.model.parse_losses(self.model.loss(self.inputs, self.samples))
        return loss

    def train(self) -> float:
        if self._train is None:
            self.model.train()
            opt = torch.optim.SGD([p for p in self.model.parameters() if p.requires_grad], lr=1e-4, momentum=0.9)

            def step():
                opt.zero_grad(set_to_none=True)
                self._loss().backward()
                opt.step()
            self._train = step
            if self.device.type == "cuda":
                torch.cuda.reset_peak_memory_stats(self.device)
            self._rss_ok = self.device.type == "cpu" and bm.reset_peak_rss()
        return bm.time_once(self._train, self.device)

    def memory(self) -> Dict[str, Optional[float]]:
        if self._train is None:
            self.train()
        mib, n = 2 ** 20, self.args.batch
        saved = bm.saved_bytes_by_part(self._loss, self.model, {"backbone": self.model.backbone})
        row: Dict[str, Optional[float]] = {"backbone_saved_MB_per_img": saved["backbone"] / n / mib,
                                           "saved_MB_per_img": sum(saved.values()) / n / mib,
                                           "step_peak_MB": bm.step_peak_bytes(self._train, self.device) / mib}
        if self.device.type == "cuda":
            row["peak_alloc_MB"] = torch.cuda.max_memory_allocated(self.device) / mib
        elif self._rss_ok:
            row["peak_rss_MB"] = bm.peak_rss_bytes() / mib
        return row

    def stage_times(self) -> Dict[str, float]:
        n = self.args.batch
        return {f"{k}_ms_per_img": 1000 * statistics.median(v[self.args.warmup:] or v) / n
                for k, v in self.parts.items() if v}

    def flops(self) -> Dict[str, float]:
        """GFLOP per image: inference (the backbone's share too) and one training step (forward, backward and the
        recomputations of the lean path: the work a step really does)."""
        n = self.args.batch
        m = self.model.eval()
        with torch.no_grad():
            row = {"backbone_gflop_per_img": bm.gflop_of(lambda: m.backbone(self.inputs)) / n,
                   "gflop_per_img": bm.gflop_of(lambda: m.predict(self.inputs, self.samples)) / n}
        self.model.train()  # back to what the timing and memory phases measure
        if not self.args.no_train:
            if self._train is None:
                self.train()
            row["train_gflop_per_img"] = bm.gflop_of(self._train) / n
        return row

    def call(self, method: str):
        return getattr(self, method)()


class WorkerBench:
    """A :class:`Bench` in its own interpreter (clean peak memory, no allocator state shared between models),
    driven over a pipe: one JSON line per call."""

    def __init__(self, spec: str, argv: List[str]):
        import subprocess
        import tempfile
        self.spec = spec
        self.log = tempfile.TemporaryFile(mode="w+")  # a file, not a pipe: a chatty worker can never block on it
        self.proc = subprocess.Popen([sys.executable, osp.abspath(__file__), *argv, "--worker", spec],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True)
        self._read()  # "ready" once the model is built

    def _read(self):
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            self.log.seek(0)
            raise RuntimeError(f"benchmark worker for {self.spec} exited {self.proc.returncode}:\n"
                               f"{self.log.read()[-3000:]}")
        return json.loads(line)["result"]

    def call(self, method: str):
        self.proc.stdin.write(method + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=60)
        except Exception:  # noqa: BLE001 - best effort
            self.proc.kill()
        self.log.close()


def serve(spec: str, args, device: torch.device) -> None:
    """Worker side of :class:`WorkerBench`."""
    import os
    out = os.fdopen(os.dup(1), "w")  # the protocol pipe; anything else written to fd 1 (by Python or C++) goes
    os.dup2(2, 1)                    # to the worker's log instead
    bench = (DetBench if args.task == "detection" else Bench)(spec, args, device)
    out.write(json.dumps({"result": "ready"}) + "\n")
    out.flush()
    for line in sys.stdin:
        out.write(json.dumps({"result": bench.call(line.strip())}) + "\n")
        out.flush()


def measure_all(specs: List[str], args, device: torch.device, argv: Optional[List[str]]) -> List[Dict]:
    """Medians of interleaved repeats: repeat r of every model runs before repeat r+1 of any, so that a machine
    that slows down or speeds up during the run moves every row alike and the ratios stay fair."""
    local = DetBench if args.task == "detection" else Bench
    benches = [local(s, args, device) if args.same_process else WorkerBench(s, _worker_argv(argv)) for s in specs]
    rows = [{"model": s} for s in specs]
    try:
        for phase, key in (("infer", "infer_img_s"), ("train", "train_img_s")):
            if (phase == "infer" and args.no_infer) or (phase == "train" and args.no_train):
                continue
            times: List[List[float]] = [[] for _ in benches]
            for r in range(args.warmup + args.repeats):
                for i, b in enumerate(benches):
                    t = b.call(phase)
                    if t is not None and r >= args.warmup:
                        times[i].append(t)
            for row, ts in zip(rows, times):
                if ts:
                    row[key] = args.batch / statistics.median(ts)
        if args.flops:
            for row, b in zip(rows, benches):
                row.update(b.call("flops"))
                # achieved GFLOP/s: how close each model runs to the machine's peak (tools/cpu_peak_flops.c)
                if row.get("infer_img_s") and row.get("gflop_per_img"):
                    row["infer_gflop_s"] = row["infer_img_s"] * row["gflop_per_img"]
                if row.get("train_img_s") and row.get("train_gflop_per_img"):
                    row["train_gflop_s"] = row["train_img_s"] * row["train_gflop_per_img"]
        if args.task == "detection" and not args.no_infer:
            for row, b in zip(rows, benches):
                row.update(b.call("stage_times"))
        if not args.no_train:
            for row, b in zip(rows, benches):
                row.update(b.call("memory"))
    finally:
        for b in benches:
            if isinstance(b, WorkerBench):
                b.close()
    return rows


def add_ratios(rows: List[Dict], baseline: str) -> None:
    base = next((r for r in rows if r["model"] == baseline), None)
    if base is None:
        return
    for r in rows:
        for key in ("infer_img_s", "infer_gflop_s", "train_img_s", "gflop_per_img", "backbone_gflop_per_img",
                    "train_gflop_per_img", "train_gflop_s", "saved_MB_per_img", "step_peak_MB", "peak_rss_MB",
                    "peak_alloc_MB", "max_batch", "backbone_ms_per_img", "neck_ms_per_img", "head_ms_per_img",
                    "backbone_saved_MB_per_img"):
            if r.get(key) is not None and base.get(key):
                r[f"{key}_ratio"] = r[key] / base[key]


def render(rows: List[Dict], baseline: str) -> str:
    cols = [("gflop_per_img", "GFLOP/img"), ("backbone_gflop_per_img", "backbone GFLOP/img"),
            ("infer_img_s", "infer img/s"), ("infer_gflop_s", "infer GFLOP/s"), ("backbone_ms_per_img", "backbone ms"),
            ("neck_ms_per_img", "neck ms"), ("head_ms_per_img", "head+post ms"),
            ("train_gflop_per_img", "train GFLOP/img"), ("train_img_s", "train img/s"), ("train_gflop_s", "train GFLOP/s"),
            ("backbone_saved_MB_per_img", "backbone saved MB/img"), ("saved_MB_per_img", "saved MB/img"),
            ("step_peak_MB", "step peak MB"), ("peak_rss_MB", "peak RSS MB"),
            ("peak_alloc_MB", "peak alloc MB"), ("max_batch", "max batch")]
    cols = [c for c in cols if any(r.get(c[0]) is not None for r in rows)]
    head = "| model | " + " | ".join(f"{name} | ratio" for _, name in cols) + " |"
    lines = [head, "|" + "---|" * (1 + 2 * len(cols))]
    for r in rows:
        cells = []
        for key, _ in cols:
            v, ratio = r.get(key), r.get(f"{key}_ratio")
            value = "-" if v is None else (f"{v:.2f}" if abs(v) < 10 else f"{v:.1f}")  # detection: < 1 img/s
            cells += [value, "-" if ratio is None else f"{ratio:.2f}"]
        lines.append(f"| {r['model']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--task", choices=["classification", "detection"], default="classification",
                   help="detection: MMDetection configs side by side (CONFIG[@norm][::cl] or mmdet::<config in mmdet>)")
    p.add_argument("--models", nargs="+", default=None,
                   help=f"default: {' '.join(DEFAULT_MODELS)}; detection: {' '.join(DEFAULT_DET_MODELS)}")
    p.add_argument("--baseline", default=None,
                   help="the row ratios are taken against (default: timm's tresnet_m in channels_last; detection: "
                        "mmdet's FCOS-R50 in channels_last)")
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--det-size", type=int, nargs=2, default=[800, 1333], metavar=("H", "W"),
                   help="detection input size before padding to 32 (default 800 1333, the configs' test scale)")
    p.add_argument("--batch", type=int, default=None, help="default 16; detection 2")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--amp", action="store_true", help="autocast (fp16 on CUDA, bf16 on CPU)")
    p.add_argument("--channels-last", action="store_true", help="channels_last for every model")
    p.add_argument("--compile", action="store_true", help="torch.compile every model")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--repeats", type=int, default=5)
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
    p.add_argument("--worker", help=argparse.SUPPRESS)  # internal: serve one spec's measurements over a pipe
    args = p.parse_args(argv)
    det = args.task == "detection"
    args.models = args.models or (DEFAULT_DET_MODELS if det else DEFAULT_MODELS)
    args.baseline = args.baseline or (DEFAULT_DET_BASELINE if det else DEFAULT_BASELINE)
    args.batch = args.batch or (2 if det else 16)
    return args


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
        serve(args.worker, args, device)
        return []
    rows = measure_all(args.models, args, device, argv)
    for row in rows:
        print("[benchmark] " + ", ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}"
                                         for k, v in row.items()), flush=True)
    add_ratios(rows, args.baseline)
    machine = (torch.cuda.get_device_name(device) if device.type == "cuda"
               else f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads")
    size = "x".join(map(str, args.det_size)) if args.task == "detection" else f"{args.size}px"
    print(f"\n{size}, batch {args.batch}, {'AMP' if args.amp else 'fp32'}, {machine}, torch {torch.__version__}, "
          f"median of {args.repeats} after {args.warmup} warm-up\n")
    print(f"ratio = value / value of the baseline row ({args.baseline})")
    print(render(rows, args.baseline))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"settings": vars(args), "machine": machine, "torch": torch.__version__, "rows": rows}, f,
                      indent=1)
    if args.plot:
        print(f"[benchmark] chart: {plot_ratios(rows, args.baseline, args.plot, f'{size}, batch {args.batch}, {machine}')}")
    return rows


def plot_ratios(rows: List[Dict], baseline: str, out_png: str, setting: str) -> str:
    """The table's ratio columns as grouped bars (higher is better for speed, lower for memory)."""
    from tresnet_tasks.visualization.charts import ratio_bars
    names = {"infer_img_s": "inference img/s", "train_img_s": "training img/s", "saved_MB_per_img": "saved MB/img",
             "backbone_saved_MB_per_img": "backbone saved MB/img", "step_peak_MB": "step peak MB",
             "peak_alloc_MB": "peak alloc MB", "max_batch": "max batch"}
    columns = {label: [r.get(f"{key}_ratio") for r in rows] for key, label in names.items()
               if any(r.get(f"{key}_ratio") is not None for r in rows)}
    return ratio_bars([r["model"] for r in rows], columns, out_png, f"ratio to {baseline} ({setting})", baseline)


if __name__ == "__main__":
    main()
