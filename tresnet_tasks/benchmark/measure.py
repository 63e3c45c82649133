"""Measurement primitives for the benchmark: throughput, bytes saved for backward, peak memory.

Timings are of one batch per call (synchronised on CUDA); tools/benchmark.py takes medians of interleaved repeats. Saved-for-backward
bytes are counted exactly with autograd's saved-tensor hooks: every tensor autograd keeps for the backward pass,
deduplicated by storage, excluding parameters (they are not per-image memory). The step peak is the most memory
one training step has allocated at any moment (activations, temporaries, gradients): from CUDA's allocator on GPU,
from the profiler's record of every CPU allocation and free on CPU.
"""
from __future__ import annotations

import copy
import os
import tempfile
import time
from typing import Callable, Dict, List, Optional

import torch
import torch.nn as nn

from ..backbone.lean import saved_storages
from ..deploy.detector import detection_graph, write_onnx
from ..deploy.quantize import quantize_int8
from ..deploy.runtime import ort_session


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_once(fn: Callable[[], None], device: torch.device) -> float:
    """Wall time (s) of one call of ``fn`` (synchronised on CUDA)."""
    _sync(device)
    t0 = time.perf_counter()
    fn()
    _sync(device)
    return time.perf_counter() - t0


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


def _parameter_storages(model: nn.Module) -> List[int]:
    return [p.untyped_storage().data_ptr() for p in model.parameters()]


def saved_bytes_for_backward(model: nn.Module, x: torch.Tensor, amp: bool = False) -> int:
    """Bytes autograd keeps for backward in one training forward (unique storages, parameters excluded)."""
    def forward():
        with torch.autocast(x.device.type, enabled=amp, dtype=_amp_dtype(x.device)):
            return model(x)
    return sum(size for _, size in saved_storages(forward, _parameter_storages(model)).values())


def saved_bytes_by_part(run_forward: Callable[[], object], model: nn.Module,
                        parts: Dict[str, nn.Module]) -> Dict[str, int]:
    """Bytes autograd keeps for backward while ``run_forward()`` runs (distinct storages, ``model``'s parameters
    excluded), attributed to the named submodule whose forward was running when the tensor was saved, else
    ``'rest'`` (e.g. the loss). A storage saved in several places counts once, for the first."""
    active: List[str] = []
    handles = []

    def enter(name):
        def hook(module, args):
            active.append(name)  # returns None: the module's inputs stay as they are
        return hook

    def leave(module, args, out):
        active.pop()  # returns None: the module's output stays as it is

    for name, module in parts.items():
        handles.append(module.register_forward_pre_hook(enter(name)))
        handles.append(module.register_forward_hook(leave))
    try:
        seen = saved_storages(run_forward, _parameter_storages(model), lambda: active[-1] if active else "rest")
    finally:
        for h in handles:
            h.remove()
    totals = {name: 0 for name in [*parts, "rest"]}
    for part, size in seen.values():
        totals[part] += size
    return totals


def step_peak_bytes(step: Callable[[], None], device: torch.device) -> Optional[int]:
    """Peak bytes allocated during one call of ``step`` beyond what was allocated before it."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        before = torch.cuda.memory_allocated(device)
        torch.cuda.reset_peak_memory_stats(device)
        step()
        torch.cuda.synchronize(device)
        return torch.cuda.max_memory_allocated(device) - before
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        step()
    # the profiler's "[memory]" records: +bytes at each allocation, -bytes at each free, with a timestamp
    records = sorted((e.start_ns(), e.nbytes()) for e in prof.profiler.kineto_results.events()
                     if e.name() == "[memory]")
    live, peak = 0, 0
    for _, delta in records:
        live += delta
        peak = max(peak, live)
    return peak


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


def gflop_per_image(model: nn.Module, x: torch.Tensor) -> float:
    """GFLOP (2 x multiply-adds) of one forward pass per image, counted by torch's FlopCounterMode."""
    with torch.no_grad():
        return gflop_of(lambda: model(x)) / x.shape[0]


def gflop_of(run: Callable[[], object]) -> float:
    """GFLOP of everything ``run`` computes (forward, and backward if it runs one: a training step's real work,
    recomputations included), counted by torch's FlopCounterMode (convolutions, matmuls and their gradients)."""
    from torch.utils.flop_counter import FlopCounterMode
    counter = FlopCounterMode(display=False)
    with counter:
        run()
    return counter.get_total_flops() / 1e9


def onnxruntime_runner(model: nn.Module, x: torch.Tensor, int8: bool = False,
                       provider: Optional[str] = None) -> Callable[[], None]:
    """Export ``model`` (eval) to ONNX and return a call running it on ``x`` with ONNX Runtime (one batch).

    The deploy route of tools/export.py: CUDA execution provider for CUDA inputs, else CPU (or ``provider``,
    e.g. ``openvino``) with torch's thread count; ``int8``: quantized as ``tools/export.py --int8`` does (QDQ),
    calibrated here on the benchmark's own random batch (the ranges do not change the speed).
    """
    feed = {"image": x.detach().cpu().contiguous().numpy()}
    # the session holds the whole graph once built: the files go with the folder (CI machines are reused)
    with tempfile.TemporaryDirectory(prefix="tt-bench-onnx-") as folder:
        path = os.path.join(folder, "model.onnx")
        with torch.no_grad():
            torch.onnx.export(model.eval(), x, path, input_names=["image"], output_names=["logits"],
                              opset_version=17, dynamo=False)
        if int8:
            quantize_int8(path, os.path.join(folder, "model_int8.onnx"), [feed["image"]] * 2)  # the exported shape
            path = os.path.join(folder, "model_int8.onnx")
        session = ort_session(path, provider or ("cuda" if x.is_cuda else "cpu"), threads=torch.get_num_threads())
    return lambda: session.run(None, feed)


def exported_detector_runner(model: nn.Module, x: torch.Tensor, samples, form: str) -> Callable[[], None]:
    """The detector exported as tools/export.py exports it (post-processing in the graph), and a call running it on
    ``x`` with ONNX Runtime: ``form`` ``onnx`` (CPU, or CUDA for CUDA inputs), ``int8`` (its convolutions
    quantized, calibrated on ``x``: the ranges do not change the speed) or ``openvino`` (that execution provider)."""
    sizes = torch.tensor([s.metainfo["img_shape"][:2] for s in samples], dtype=torch.int64)
    feed = {"image": x.detach().float().cpu().contiguous().numpy(), "image_size": sizes.numpy()}
    with tempfile.TemporaryDirectory(prefix="tt-bench-det-onnx-") as folder:
        path = os.path.join(folder, "model.onnx")
        net = detection_graph(copy.deepcopy(model).cpu().float().eval())
        write_onnx(net, path, torch.from_numpy(feed["image"]), sizes)
        if form == "int8":
            quantize_int8(path, os.path.join(folder, "model_int8.onnx"), [feed] * 2, op_types=["Conv"])
            path = os.path.join(folder, "model_int8.onnx")
        provider = "openvino" if form == "openvino" else ("cuda" if x.is_cuda else "cpu")
        session = ort_session(path, provider, threads=torch.get_num_threads())
    return lambda: session.run(None, feed)
