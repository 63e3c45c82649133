"""bfloat16 for inference and training, on CPU as on GPU: the network in bf16 autocast, the rest in float32.

CPUs with AVX-512 BF16 or AMX run convolutions about twice as fast in bfloat16 (2.09x for TResNet-M in
``tools/benchmark.py``). ``torch.autocast`` does the casting; this module decides where: around the network's own
forward only (detector: ``extract_feat`` = backbone + neck, and the head's convolutions; two-stage detectors: the RPN
head and the RoI heads' forward, each cascade stage's too, with RoI extraction in float32; classifier: backbone
features and head), with the outputs cast back to float32. Post-processing (mmcv's NMS has no bfloat16 CPU kernel),
losses and metrics (numpy) then run in float32 as before.

Why not mmengine's ``AmpOptimWrapper(dtype='bfloat16')``: in mmengine 0.10.7 it asserts a GPU, and it autocasts
the whole loss computation; here the losses stay in float32 and no loss scaler is needed (bfloat16 has float32's
exponent range).
"""
from __future__ import annotations

import types
from typing import Any, Callable, List, Optional, Tuple

import torch
import torch.nn as nn

from ..errors import ConfigError
from ..machine import bf16_is_fast_here, cpu_description


def to_float32(obj: Any) -> Any:
    """bfloat16/float16 tensors in (nested) tuples, lists and dicts -> float32; everything else as is."""
    if isinstance(obj, torch.Tensor):
        return obj.float() if obj.dtype in (torch.bfloat16, torch.float16) else obj
    if isinstance(obj, (list, tuple)):
        converted = [to_float32(o) for o in obj]
        return type(obj)(converted) if not hasattr(obj, "_fields") else type(obj)(*converted)
    if isinstance(obj, dict):
        return type(obj)((k, to_float32(v)) for k, v in obj.items())
    return obj


def _device_type(module: nn.Module) -> str:
    for p in module.parameters():
        return p.device.type
    return "cpu"


def _bf16_method(func: Callable) -> Callable:
    def run(self, *args, **kwargs):
        with torch.autocast(device_type=_device_type(self), dtype=torch.bfloat16):
            out = func(self, *args, **kwargs)
        return to_float32(out)
    run.__wrapped__ = func
    return run


def _heads(module: Optional[nn.Module]) -> List[nn.Module]:
    """A head, or each stage's head of a cascade (mmdet keeps those in a ModuleList)."""
    if module is None:
        return []
    return list(module) if isinstance(module, nn.ModuleList) else [module]


def _targets(model: nn.Module) -> List[Tuple[nn.Module, str]]:
    if hasattr(model, "extract_feat") and hasattr(model, "bbox_head"):  # MMDetection single-stage detector
        return [(model, "extract_feat"), (model.bbox_head, "forward")]
    if hasattr(model, "extract_feat") and hasattr(model, "roi_head"):  # two-stage: Faster / Mask / Cascade R-CNN
        # the RoI extractors stay in float32 (they get the float32 features back): mmcv's RoIAlign and the box
        # and mask targets are float32 code; the RPN and the RoI heads' convolutions / FCs run in bfloat16
        targets = [(model, "extract_feat")] + [(h, "forward") for h in _heads(getattr(model, "rpn_head", None))]
        for name in ("bbox_head", "mask_head"):
            targets += [(h, "forward") for h in _heads(getattr(model.roi_head, name, None))]
        return targets
    if hasattr(model, "backbone") and hasattr(model.backbone, "forward_features") and hasattr(model, "head"):
        return [(model.backbone, "forward_features"), (model.head, "forward")]  # TResNetClassifier
    raise ConfigError(f"bfloat16: do not know which parts of {type(model).__name__} are the network "
                      "(expected an MMDetection detector with extract_feat and bbox_head or roi_head, or "
                      "TResNetClassifier)")


def enable_bf16(model: nn.Module, tool: Optional[str] = None) -> nn.Module:
    """Run ``model``'s network parts under bfloat16 autocast with float32 outputs (in place; returns the model).

    Works on a DDP-wrapped model (its ``.module``). The wrapped methods are bound with ``types.MethodType``, so a
    deep copy (mmengine's EMA model) gets its own. Calling it twice changes nothing. ``tool``: print one line
    saying so, as that tool.
    """
    inner = getattr(model, "module", model)
    for obj, name in _targets(inner):
        current = getattr(obj, name)
        if getattr(current, "__func__", None) is not None and hasattr(current.__func__, "__wrapped__"):
            continue
        setattr(obj, name, types.MethodType(_bf16_method(getattr(type(obj), name)), obj))
    if tool:
        announce_bf16(tool)
    return model


def announce_bf16(tool: str) -> None:
    """One line saying what --bf16 / CPU --amp does here, and whether this CPU computes bfloat16 natively."""
    import sys
    native = torch.cuda.is_available() or bf16_is_fast_here()
    print(f"{tool}: bfloat16 autocast for the network; losses, post-processing and metrics in float32"
          + ("" if native else " (forced on a CPU without native bfloat16: expect it slower than float32)"),
          file=sys.stderr)


def check_bf16_pays(option: str, force: bool = False) -> None:
    """Refuse CPU bfloat16 where it is emulated: on a CPU without AVX-512 BF16, AMX or Arm BF16 it ran at 0.14x of
    float32 (TResNet-M inference, 2-core AMD EPYC with AVX2), a slow-down users would not expect from "mixed
    precision". ``force`` (``--bf16 force``) runs it anyway; GPUs are never refused."""
    if force or torch.cuda.is_available() or bf16_is_fast_here():
        return
    raise ConfigError(f"{option}: this CPU ({cpu_description()}) has no native bfloat16 (AVX-512 BF16, AMX or Arm "
                      "BF16), so bfloat16 is emulated and about 8x slower than float32 (measured 0.14x on an AVX2 "
                      f"CPU); leave out {option}, or add --bf16 force to run it anyway")
