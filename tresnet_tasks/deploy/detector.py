"""Exporting a detector to ONNX with its post-processing in the graph.

mmdet's full ``predict`` does not go through ``torch.export`` (data-dependent sizes inside mmcv's ops); its
``mode='tensor'`` raw head outputs do, and the post-processing is written here with exportable ops: one-stage heads
(FCOS, RetinaNet, ATSS, GFL) in ``dense_heads.py``, two-stage ones (Faster / Mask / Cascade R-CNN) in
``two_stage.py``. Inputs: the preprocessed, padded batch and each image's size before padding; output:
``detections`` (N, 7) rows of ``[batch index, x1, y1, x2, y2, score, label]`` in input pixels, and for Mask R-CNN
``masks`` (N, M, M), each detection's mask probabilities over its box.
"""
from __future__ import annotations

import contextlib
import io
import os
import warnings
from typing import Any, Dict, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn
from mmengine.registry import DefaultScope

from ..errors import CheckpointMismatchError, ConfigError
from ..machine import package_versions
from ..fileio import read_checkpoint_file, sha256_of
from .contract import CONTRACT_VERSION, INT8_FILE, MODEL_FILE, write_contract
from .dense_heads import DENSE_HEADS, DenseHeadPostProcess
from .quantize import detection_calibration, export_int8
from .runtime import ort_session
from .two_stage import ROI_HEADS, TwoStagePostProcess

EXPORTABLE = tuple(DENSE_HEADS) + ROI_HEADS
FCOSPostProcess = DenseHeadPostProcess  # the name of the FCOS-only first version


OUTPUTS = ("detections", "masks")
MASKS = {"name": "masks", "dtype": "float32", "shape": ["N", "M", "M"],
         "meaning": "each detection's mask probabilities for its label, over its box (row i of detections); for the "
                    "image: resize bilinearly into the box (in original-image pixels, as mmdet's _do_paste_mask) "
                    "and keep pixels >= post_processing.mask_thr_binary"}


def detection_graph(detector: nn.Module) -> nn.Module:
    """The exportable ``(image, image_size) -> detections`` module of a built detector (eval mode)."""
    if getattr(detector, "roi_head", None) is not None:
        return TwoStagePostProcess(detector).eval()
    return DenseHeadPostProcess(detector).eval()


def write_onnx(net: nn.Module, path: str, x: torch.Tensor, sizes: torch.Tensor, opset: int = 18) -> None:
    """``net`` (a :func:`detection_graph`) traced at ``(x, sizes)`` into ``path``: batch, H and W dynamic (H and W
    as multiples of 32, as TResNet needs), outputs ``detections`` (and ``masks``)."""
    outputs = 2 if getattr(net, "with_mask", False) else 1
    if x.shape[0] < 2:  # traced at batch 1, torch.export would fix the batch at 1 (its 0/1 specialisation)
        x, sizes = x.repeat(2, 1, 1, 1), sizes.repeat(2, 1)
    batch = torch.export.Dim("batch", min=1, max=256)
    dims = {"image": {0: batch, 2: 32 * torch.export.Dim("h32", min=1, max=128),
                      3: 32 * torch.export.Dim("w32", min=1, max=128)}, "image_size": {0: batch}}
    with torch.no_grad(), warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        program = torch.onnx.export(net, (x, sizes), dynamo=True, opset_version=opset,
                                    input_names=["image", "image_size"], output_names=list(OUTPUTS[:outputs]),
                                    dynamic_shapes=dims, verbose=False)
        program.save(path)


def _resize_rule(pipeline) -> Dict[str, Any]:
    step = next((s for s in pipeline if s.get("type") == "Resize"), None)
    if step is None or not step.get("keep_ratio", False):
        raise ConfigError("the test pipeline has no Resize(keep_ratio=True): the contract cannot state its resize")
    long_side, short_side = max(step["scale"]), min(step["scale"])
    return {"rule": "keep_ratio", "scale": list(step["scale"]), "interpolation": "bilinear",
            "means": f"scale by min({long_side} / long side, {short_side} / short side) (mmcv's rescale, rounded "
                     "to int), then pad right and bottom with 0 to multiples of pad_size_divisor"}


def build_detector(cfg, checkpoint: str, loaded: Optional[Dict[str, Any]] = None) -> nn.Module:
    """The config's detector with plain BatchNorm and the checkpoint's weights (``loaded``: the file already read)."""
    from mmdet.registry import MODELS  # detection installed: checked by the tool before
    model_cfg = cfg.model.copy()
    backbone = model_cfg.get("backbone")
    if isinstance(backbone, dict) and backbone.get("type") in ("TResNet", "TResNetBackbone"):
        backbone.update(norm="bn")  # In-Place ABN is not traceable; the weights mean the same in every mode
    with DefaultScope.overwrite_default_scope("mmdet"):
        model = MODELS.build(model_cfg)
    head = type(getattr(model, "bbox_head", None) or getattr(model, "roi_head", None)).__name__
    if head not in EXPORTABLE:
        raise ConfigError(f"{cfg.filename}: exporting a {type(model).__name__} ({head}) is not available in this "
                          f"version ({', '.join(EXPORTABLE)} are; docs/deploy.md lists what is open)")
    load_detector_weights(model, checkpoint, cfg.filename, loaded)
    return model.eval()


def load_detector_weights(model: nn.Module, checkpoint: str, config: Optional[str],
                          loaded: Optional[Dict[str, Any]] = None) -> None:
    """The checkpoint's weights into ``model``, read by the safe reader (unless ``loaded``); one that does not fit
    the config (another family, class count or width) is one line naming what differs."""
    state = read_checkpoint_file(checkpoint) if loaded is None else loaded
    state = state.get("state_dict", state) if isinstance(state, dict) else state
    if not isinstance(state, dict):
        raise CheckpointMismatchError(f"{checkpoint}: holds no state dict")
    state = {k[len("module."):] if k.startswith("module.") else k: v for k, v in state.items()}
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    shapes = [f"{k} {tuple(state[k].shape)} vs {tuple(v.shape)}" for k, v in own.items()
              if k in state and hasattr(state[k], "shape") and tuple(state[k].shape) != tuple(v.shape)]
    if missing or unexpected or shapes:
        parts = [f"{len(found)} {what} (e.g. {', '.join(found[:2])})" for what, found in
                 (("missing", missing), ("unexpected", unexpected), ("of another shape", shapes)) if found]
        raise CheckpointMismatchError(f"{checkpoint} does not fit {config or 'the config'}: {'; '.join(parts)}; "
                                      "export with the config the checkpoint was trained with")
    model.load_state_dict(state, strict=True)


def export_detector(cfg, checkpoint: str, out_dir: str, size: Optional[Sequence[int]] = None, opset: int = 18,
                    int8: bool = False, calib_images: int = 200) -> Dict[str, Any]:
    """Write ``out_dir/model.onnx`` and ``out_dir/model.json`` for a detector config (with ``int8``, also
    ``out_dir/model_int8.onnx``: its convolutions quantized, calibrated on ``calib_images`` training images);
    returns the contract."""
    ckpt = read_checkpoint_file(checkpoint)
    model = build_detector(cfg, checkpoint, ckpt)
    resize = _resize_rule(cfg.test_dataloader.dataset.pipeline)
    h, w = (list(size) * 2)[:2] if size else [max(resize["scale"])] * 2
    if h % 32 or w % 32:
        raise ConfigError(f"--size {h} {w}: TResNet needs H and W divisible by 32")
    net = detection_graph(model)
    outputs = 2 if getattr(net, "with_mask", False) else 1
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, MODEL_FILE)
    x, sizes = torch.rand(2, 3, h, w), torch.tensor([[h, w], [h, w - 32 if w > 32 else w]])
    write_onnx(net, path, x, sizes, opset)
    with torch.no_grad():
        ref = net(x, sizes)
    got = ort_session(path).run(list(OUTPUTS[:outputs]), {"image": x.numpy(), "image_size": sizes.numpy()})
    ref = [r.numpy() for r in (ref if isinstance(ref, tuple) else (ref,))]
    diff = max(float(np.abs(g - r).max(initial=0.0)) if g.shape == r.shape else float("inf")
               for g, r in zip(got, ref))
    pre = cfg.model.get("data_preprocessor") or {}
    classes = list(((ckpt.get("meta") or {}).get("dataset_meta") or {}).get("classes") or
                   cfg.test_dataloader.dataset.get("metainfo", {}).get("classes") or [])
    contract = {
        "format": "tresnet-tasks-onnx", "version": CONTRACT_VERSION, "model": MODEL_FILE, "task": "detection",
        "input": {"name": "image", "layout": "NCHW", "dtype": "float32", "channels": "RGB" if pre.get(
            "bgr_to_rgb") else "BGR", "mean": list(pre.get("mean", [0, 0, 0])), "std": list(pre.get("std", [1, 1, 1])),
                  "scale": "(uint8 value - mean) / std, per channel", "resize": resize,
                  "pad_size_divisor": int(pre.get("pad_size_divisor", 32)), "batch": "dynamic"},
        "image_size": {"name": "image_size", "dtype": "int64", "shape": ["batch", 2],
                       "meaning": "each image's (height, width) after resizing, before padding"},
        "outputs": [{"name": "detections", "dtype": "float32", "shape": ["N", 7],
                     "meaning": "[batch index, x1, y1, x2, y2, score, label] in input pixels; divide the box by "
                                "the resize scale (w, h, w, h) for the original image"}] + ([MASKS] if outputs > 1 else []),
        "classes": classes, "post_processing": net.settings(),
        "traced_size": [h, w], "opset": opset,
        "source": {"config": cfg.filename, "config_sha256": sha256_of(cfg.filename) if cfg.filename else None,
                   "checkpoint": checkpoint, "checkpoint_sha256": sha256_of(checkpoint)},
        "versions": package_versions(("torch", "onnx", "onnxruntime", "mmdet", "tresnet-tasks")),
        "parity": {"max_abs_diff_vs_eager": diff, "batch": 2, "size": [h, w]},
    }
    if int8:
        feeds = detection_calibration(cfg, calib_images)
        contract["int8"] = export_int8(path, os.path.join(out_dir, INT8_FILE), feeds, feeds[0], op_types=["Conv"])
    write_contract(out_dir, contract)
    return contract
