"""The node self-check behind ``tools/check_gpu.py``: does this machine run every path of the project correctly, and
how fast against the peers?

Correctness rows (each ``ok``, ``FAIL`` or ``missing``, with the measured figure):

- ``parity <norm> <path>``: the backbone on the device in float32 against the same weights on the CPU in float64
  (the independent truth), outputs and every gradient, for each norm mode (``bn``; ``iabn``: inplace_abn's compiled
  kernels; ``iabn_torch``) and training path (``plain``; ``lean``: activations kept as recipes; ``norm_eval``: frozen
  statistics with recomputed 1x1 convs). TF32 is switched off for these rows only, so that a wrong kernel cannot hide
  in TF32's rounding.
- ``nms mmcv``: mmcv's compiled NMS on the device against torchvision's CPU NMS.
- ``amp asl``: a few multi-label training steps in float16 autocast with a gradient scaler (bfloat16 on a CPU without
  float16 autocast) under the asymmetric loss: losses, gradients and weights stay finite.
- ``fcos step``: one FCOS-TResNet-M training step (loss finite, every trainable parameter gets a gradient).

Throughput rows: the benchmark's own machinery (:func:`~.run.measure_all`, one process per network, interleaved
repeats) with the peer at its best form (:mod:`.baseline`): classification at 224 with AMP at the largest batch
TResNet-M trains at on this GPU, against timm's tresnet_m and resnet50; FCOS-TResNet-M against mmdet's FCOS-R50,
step time and peak memory. Without mmcv/mmdet the detection rows say what is missing and the rest still runs.
"""
from __future__ import annotations

import argparse
import contextlib
import math
from typing import Callable, Dict, List, Optional

import torch

from ..backbone import create_tresnet, iabn_available
from ..backbone.norms import randomize_norms
from ..classification.losses import AsymmetricLoss
from ..machine import detection_missing
from . import measure as bm
from .baseline import peer_forms, pick_fastest
from .benches import DetectionBench
from .report import add_ratios
from .run import DETECTION_BATCH, measure_all, settings
from .specs import parse_detector_spec, parse_model_spec

FCOS_CONFIG = "configs/fcos/fcos_tresnet-m_fpn_gn-head_1x_coco.py"
FCOS_R50 = "mmdet::fcos/fcos_r50-caffe_fpn_gn-head_1x_coco.py"
NORMS = ("bn", "iabn", "iabn_torch")
PATHS = {"plain": dict(lean_memory=False), "lean": dict(lean_memory=True), "norm_eval": dict(norm_eval=True)}
PARITY_TOL = 1e-3  # float32 against float64 through the small network: errors here are ~1e-6, a wrong kernel ~1


def row(name: str, status: str, detail: str, **figures) -> Dict:
    return {"check": name, "status": status, "detail": detail, **figures}


def guarded(name: str, fn: Callable[[], Dict]) -> Dict:
    """Run one check; an exception is that row's FAIL (with its message), never the end of the self-check."""
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - every failure becomes a row the user reads
        return row(name, "FAIL", f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:300])


@contextlib.contextmanager
def no_tf32():
    old = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = old


def _rel(a: torch.Tensor, b: torch.Tensor) -> float:
    """max |a - b| relative to max |b| (b: the float64 truth)."""
    a, b = a.detach().double().cpu(), b.detach().double().cpu()
    return float((a - b).abs().max() / b.abs().max().clamp(min=1e-12))


def _grads(model, x):
    return {"input": x.grad, **{n: p.grad for n, p in model.named_parameters() if p.requires_grad}}


def backbone_parity(device: torch.device, norm: str, path: str, size: int = 64) -> Dict:
    """One norm mode and training path on ``device`` (float32) against float64 on the CPU, the plain path."""
    name = f"parity {norm} {path}"
    if norm == "iabn" and not iabn_available():
        return row(name, "missing", "inplace_abn is not importable here (pip install inplace-abn, built for this "
                                    "torch and CUDA); the other norm modes do not need it")
    small = dict(layers=(1, 2, 1, 1), width=0.25, num_classes=10)
    torch.manual_seed(0)
    ref = randomize_norms(create_tresnet("tresnet_m", norm="bn", lean_memory=False,
                                         norm_eval=path == "norm_eval", **small)).double()
    model = create_tresnet("tresnet_m", norm=norm, **PATHS[path], **small)
    model.load_state_dict(ref.state_dict())
    model.to(device).train()
    ref.train()
    g = torch.Generator().manual_seed(1)
    x64 = torch.rand(4, 3, size, size, generator=g, dtype=torch.float64)
    w64 = torch.randn(4, 10, generator=g, dtype=torch.float64)
    x64.requires_grad_()
    x = x64.detach().float().to(device).requires_grad_()
    with no_tf32():
        y = model(x)
        (y * w64.float().to(device)).sum().backward()
    y64 = ref(x64)
    (y64 * w64).sum().backward()
    out_err = _rel(y, y64)
    got, truth = _grads(model, x), _grads(ref, x64)
    missing = [n for n, t in truth.items() if t is not None and got.get(n) is None]
    if missing:
        return row(name, "FAIL", f"no gradient for {missing[:3]}")
    grad_err = max(_rel(got[n], t) for n, t in truth.items() if t is not None)
    ok = out_err < PARITY_TOL and grad_err < PARITY_TOL and all(torch.isfinite(v).all() for v in got.values())
    return row(name, "ok" if ok else "FAIL", f"output {out_err:.1e}, gradients {grad_err:.1e} (max relative "
                                             f"difference to float64 on the CPU; tolerance {PARITY_TOL:g})",
               output_rel_err=out_err, grad_rel_err=grad_err)


def mmcv_nms(device: torch.device) -> Dict:
    reason = detection_missing(load=True)
    if reason:
        return row("nms mmcv", "missing", reason)
    from mmcv.ops import nms
    from torchvision.ops import nms as tv_nms
    g = torch.Generator().manual_seed(0)
    xy = torch.rand(500, 2, generator=g) * 400
    boxes = torch.cat([xy, xy + 20 + torch.rand(500, 2, generator=g) * 80], 1)
    scores = torch.rand(500, generator=g)
    _, keep = nms(boxes.to(device), scores.to(device), 0.5)
    truth = tv_nms(boxes, scores, 0.5)
    same = torch.equal(keep.cpu().sort().values, truth.sort().values)
    return row("nms mmcv", "ok" if same else "FAIL",
               f"{len(keep)} of 500 boxes kept on {device.type}, torchvision's CPU NMS keeps {len(truth)}"
               + ("" if same else " (different boxes)"))


def amp_dtype(device: torch.device) -> torch.dtype:
    """float16 where autocast supports it on this device (CUDA; recent CPUs builds too), else bfloat16."""
    if device.type == "cuda":
        return torch.float16
    try:
        with torch.autocast("cpu", dtype=torch.float16):
            torch.ones(2, 2) @ torch.ones(2, 2)
        return torch.float16
    except RuntimeError:
        return torch.bfloat16


def amp_asl(device: torch.device, steps: int = 5) -> Dict:
    """Multi-label training under AMP and the asymmetric loss, COCO-like targets (few positives), loss scaling. The
    norm mode is what training picks on a GPU (``auto``: inplace_abn where it loads); on a CPU ``bn`` (inplace_abn's
    CPU kernel has no half-precision path, and the README steers CPU runs away from it)."""
    dtype = amp_dtype(device)
    torch.manual_seed(0)
    model = create_tresnet("tresnet_m", num_classes=80, layers=(1, 2, 1, 1), width=0.25,
                           norm="auto" if device.type == "cuda" else "bn").to(device).train()
    loss_fn = AsymmetricLoss()
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    scaler = torch.amp.GradScaler(device.type, enabled=dtype == torch.float16)
    losses, skipped = [], 0
    for _ in range(steps):
        x = torch.rand(8, 3, 64, 64, device=device)
        y = (torch.rand(8, 80, device=device) < 0.04).float()
        opt.zero_grad(set_to_none=True)
        with torch.autocast(device.type, dtype=dtype):
            loss = loss_fn(model(x), y)
        scaler.scale(loss).backward()
        before = scaler.get_scale() if scaler.is_enabled() else None
        scaler.step(opt)
        scaler.update()
        skipped += int(before is not None and scaler.get_scale() < before)
        losses.append(float(loss.detach()))
    # the loss on saturated logits (+-30: probabilities 1 and 0 in float16) must stay finite too
    with torch.autocast(device.type, dtype=dtype):
        extreme = loss_fn(torch.full((2, 80), 30.0, device=device, dtype=dtype).mul_(torch.tensor([[1.0], [-1.0]],
                          device=device, dtype=dtype)), (torch.rand(2, 80, device=device) < 0.5).float())
    finite = all(math.isfinite(v) for v in losses) and math.isfinite(float(extreme)) and all(
        torch.isfinite(p).all() for p in model.parameters())
    name = {torch.float16: "float16", torch.bfloat16: "bfloat16"}[dtype]
    return row("amp asl", "ok" if finite and skipped < steps else "FAIL",
               f"{name} autocast, {steps} steps: loss {losses[0]:.3g} -> {losses[-1]:.3g}, {skipped} of "
               f"them skipped by the loss scaler, loss at saturated logits {float(extreme):.3g}", dtype=name, losses=losses)


def fcos_step(device: torch.device, size: List[int]) -> Dict:
    reason = detection_missing(load=True)
    if reason:
        return row("fcos step", "missing", reason)
    bench = DetectionBench(parse_detector_spec(f"{FCOS_CONFIG}@bn"),
                           settings(task="detection", det_size=size, batch=DETECTION_BATCH), device)
    bench.model.train()
    loss = bench._loss()
    loss.backward()
    params = [n for n, p in bench.model.named_parameters() if p.requires_grad]
    no_grad = [n for n, p in bench.model.named_parameters() if p.requires_grad and p.grad is None]
    ok = math.isfinite(float(loss)) and not no_grad
    return row("fcos step", "ok" if ok else "FAIL",
               f"FCOS-TResNet-M, {size[0]}x{size[1]}, batch 2: loss {float(loss):.3g}, gradients in "
               f"{len(params) - len(no_grad)} of {len(params)} trainable tensors", loss=float(loss))


def correctness(device: torch.device, det_size: List[int]) -> List[Dict]:
    rows = [guarded(f"parity {n} {p}", lambda n=n, p=p: backbone_parity(device, n, p)) for n in NORMS for p in PATHS]
    rows.append(guarded("nms mmcv", lambda: mmcv_nms(device)))
    rows.append(guarded("amp asl", lambda: amp_asl(device)))
    rows.append(guarded("fcos step", lambda: fcos_step(device, det_size)))
    return rows


bench_args = settings  # the benchmark tool's defaults, with overrides


def largest_batch(device: torch.device, size: int, cap: int = 512) -> int:
    """The largest power-of-two training batch (up to ``cap``) TResNet-M trains at here with AMP."""
    model = create_tresnet("tresnet_m").to(device).to(memory_format=torch.channels_last).train()

    def step(n: int):
        x = torch.rand(n, 3, size, size, device=device).contiguous(memory_format=torch.channels_last)
        return bm.training_step(model, x, True)

    batch = bm.gpu_max_batch(step, device, start=16, limit=cap)
    model.cpu()
    torch.cuda.empty_cache()
    return 1 << max(0, batch.bit_length() - 1) if batch else 1


def throughput(task: str, device: torch.device, args: argparse.Namespace, ours: List[str], others: List[str],
               peer: str) -> Dict:
    """Ours and the peers side by side; ratios against the peer's fastest form."""
    parse = parse_detector_spec if task == "detection" else parse_model_spec
    texts = ours + others
    forms = peer_forms(task, peer, [])
    texts += [f for f in forms if f not in texts]
    rows = measure_all([parse(t) for t in texts], args, device)
    baseline, choice = pick_fastest(rows, forms)
    add_ratios(rows, baseline)
    return {"settings": {k: v for k, v in vars(args).items()}, "baseline": baseline, "baseline_choice": choice,
            "rows": rows}


def guarded_throughput(fn: Callable[[], Dict]) -> Dict:
    """A throughput table, or ``{"error": ...}`` when a network could not be measured (the report still gets
    written)."""
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - reported as one line in the table and the JSON
        last = str(e).strip().splitlines()[-1] if str(e).strip() else ""
        return {"error": (last if last.startswith(type(e).__name__) else f"{type(e).__name__}: {last}")[:500]}
