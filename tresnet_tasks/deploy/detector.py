"""Exporting a detector to ONNX with its post-processing in the graph (FCOS today; the other families are open).

mmdet's full ``predict`` does not go through ``torch.export`` (data-dependent sizes inside mmcv's ops); its
``mode='tensor'`` raw head outputs do, and the post-processing here is mmdet's FCOS ``predict_by_feat`` written
with exportable ops: per level the ``nms_pre`` best (location, class) scores (the same set as mmdet's filter, then
top-k), distances decoded at the head's own points and clipped to the image, scores times centerness, class-wise
NMS per image (the coordinate-offset trick; torchvision's ``nms`` becomes ONNX ``NonMaxSuppression``) and the
``max_per_img`` best per image. Inputs: the preprocessed, padded batch and each image's size before padding;
output: ``detections`` (N, 7) rows of ``[batch index, x1, y1, x2, y2, score, label]`` in input pixels.
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
import torchvision
from mmengine.registry import DefaultScope
from mmengine.runner import load_checkpoint

from ..errors import ConfigError
from ..machine import package_versions
from ..fileio import read_checkpoint_file, sha256_of
from .contract import CONTRACT_VERSION, MODEL_FILE, write_contract
from .runtime import ort_session

EXPORTABLE = ("FCOSHead",)


class FCOSPostProcess(nn.Module):
    """The detector from preprocessed images to detections (see the module docstring)."""

    def __init__(self, detector: nn.Module):
        super().__init__()
        self.detector, self.head = detector, detector.bbox_head
        cfg = self.head.test_cfg
        if cfg.get("nms", {}).get("type", "nms") != "nms":
            raise ConfigError(f"test_cfg.nms type {cfg.nms.type!r}: the exported graph does plain NMS only")
        self.nms_pre, self.score_thr = int(cfg.get("nms_pre", 1000)), float(cfg.get("score_thr", 0.05))
        self.iou, self.max_per_img = float(cfg.nms.iou_threshold), int(cfg.get("max_per_img", 100))
        self.min_size = float(cfg.get("min_bbox_size", -1))

    def forward(self, image: torch.Tensor, image_size: torch.Tensor) -> torch.Tensor:
        cls_scores, bbox_preds, centernesses = self.detector(image, mode="tensor")
        batch, num_classes = image.shape[0], cls_scores[0].shape[1]
        points = self.head.prior_generator.grid_priors([c.shape[-2:] for c in cls_scores], dtype=image.dtype,
                                                       device=image.device)
        h, w = image_size[:, 0:1].to(image.dtype), image_size[:, 1:2].to(image.dtype)
        boxes, scores, labels, owners = [], [], [], []
        for cls, reg, ctr, pts in zip(cls_scores, bbox_preds, centernesses, points):
            score = cls.permute(0, 2, 3, 1).reshape(batch, -1).sigmoid()  # (B, HW * C), mmdet's order
            top, index = score.topk(torch.sym_min(self.nms_pre, score.shape[1]), dim=1)
            where, label = index // num_classes, index % num_classes
            dist = torch.gather(reg.permute(0, 2, 3, 1).reshape(batch, -1, 4), 1, where[..., None].expand(-1, -1, 4))
            p = pts[where]
            box = torch.stack([(p[..., 0] - dist[..., 0]).clamp(min=0).minimum(w),
                               (p[..., 1] - dist[..., 1]).clamp(min=0).minimum(h),
                               (p[..., 0] + dist[..., 2]).clamp(min=0).minimum(w),
                               (p[..., 1] + dist[..., 3]).clamp(min=0).minimum(h)], -1)
            centre = torch.gather(ctr.permute(0, 2, 3, 1).reshape(batch, -1).sigmoid(), 1, where)
            boxes.append(box)
            scores.append(torch.where(top > self.score_thr, top, torch.zeros_like(top)) * centre)
            labels.append(label)
            owners.append(torch.arange(batch, device=image.device)[:, None].expand_as(label))
        boxes, scores = torch.cat(boxes, 1).reshape(-1, 4), torch.cat(scores, 1).reshape(-1)
        labels, owners = torch.cat(labels, 1).reshape(-1), torch.cat(owners, 1).reshape(-1)
        valid = scores > 0
        if self.min_size >= 0:
            valid &= (boxes[:, 2] - boxes[:, 0] > self.min_size) & (boxes[:, 3] - boxes[:, 1] > self.min_size)
        boxes, scores, labels, owners = boxes[valid], scores[valid], labels[valid], owners[valid]
        groups = (owners * num_classes + labels).to(boxes.dtype)  # NMS per image and class
        keep = torchvision.ops.nms(boxes + groups[:, None] * (boxes.max() + 1), scores, self.iou)
        boxes, scores, labels, owners = boxes[keep], scores[keep], labels[keep], owners[keep]
        onehot = (owners[:, None] == torch.arange(batch, device=image.device)[None]).long()
        rank = (onehot.cumsum(0) * onehot).sum(1) - 1  # kept rows are in falling score: rank within the image
        sel = rank < self.max_per_img
        return torch.cat([owners[sel, None].to(boxes.dtype), boxes[sel], scores[sel, None],
                          labels[sel, None].to(boxes.dtype)], 1)


def _resize_rule(pipeline) -> Dict[str, Any]:
    step = next((s for s in pipeline if s.get("type") == "Resize"), None)
    if step is None or not step.get("keep_ratio", False):
        raise ConfigError("the test pipeline has no Resize(keep_ratio=True): the contract cannot state its resize")
    long_side, short_side = max(step["scale"]), min(step["scale"])
    return {"rule": "keep_ratio", "scale": list(step["scale"]), "interpolation": "bilinear",
            "means": f"scale by min({long_side} / long side, {short_side} / short side) (mmcv's rescale, rounded "
                     "to int), then pad right and bottom with 0 to multiples of pad_size_divisor"}


def build_detector(cfg, checkpoint: str) -> nn.Module:
    from mmdet.registry import MODELS  # detection installed: checked by the tool before
    model_cfg = cfg.model.copy()
    backbone = model_cfg.get("backbone")
    if isinstance(backbone, dict) and backbone.get("type") in ("TResNet", "TResNetBackbone"):
        backbone.update(norm="bn")  # In-Place ABN is not traceable; the weights mean the same in every mode
    with DefaultScope.overwrite_default_scope("mmdet"):
        model = MODELS.build(model_cfg)
    head = type(getattr(model, "bbox_head", None)).__name__
    if head not in EXPORTABLE:
        raise ConfigError(f"{cfg.filename}: exporting a {type(model).__name__} ({head}) is not available in this "
                          f"version (FCOS is; docs/deploy.md lists what is open)")
    load_checkpoint(model, checkpoint, map_location="cpu", strict=True, logger="silent")
    return model.eval()


def export_detector(cfg, checkpoint: str, out_dir: str, size: Optional[Sequence[int]] = None,
                    opset: int = 18) -> Dict[str, Any]:
    """Write ``out_dir/model.onnx`` and ``out_dir/model.json`` for an FCOS config; returns the contract."""
    model = build_detector(cfg, checkpoint)
    resize = _resize_rule(cfg.test_dataloader.dataset.pipeline)
    h, w = (list(size) * 2)[:2] if size else [max(resize["scale"])] * 2
    if h % 32 or w % 32:
        raise ConfigError(f"--size {h} {w}: TResNet needs H and W divisible by 32")
    net = FCOSPostProcess(model).eval()
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, MODEL_FILE)
    x, sizes = torch.rand(2, 3, h, w), torch.tensor([[h, w], [h, w - 32 if w > 32 else w]])
    batch = torch.export.Dim("batch", min=1, max=256)
    dims = {"image": {0: batch, 2: 32 * torch.export.Dim("h32", min=1, max=128),
                      3: 32 * torch.export.Dim("w32", min=1, max=128)}, "image_size": {0: batch}}
    with torch.no_grad(), warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        program = torch.onnx.export(net, (x, sizes), dynamo=True, opset_version=opset,
                                    input_names=["image", "image_size"], output_names=["detections"],
                                    dynamic_shapes=dims, verbose=False)
        program.save(path)
        ref = net(x, sizes).numpy()
    got = ort_session(path).run(["detections"], {"image": x.numpy(), "image_size": sizes.numpy()})[0]
    diff = float(np.abs(got - ref).max()) if got.shape == ref.shape else float("inf")
    pre = cfg.model.get("data_preprocessor") or {}
    meta = read_checkpoint_file(checkpoint)
    classes = list(((meta.get("meta") or {}).get("dataset_meta") or {}).get("classes") or
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
                                "the resize scale (w, h, w, h) for the original image"}],
        "classes": classes, "post_processing": {"score_thr": net.score_thr, "nms_pre": net.nms_pre,
                                                "nms_iou": net.iou, "max_per_img": net.max_per_img},
        "traced_size": [h, w], "opset": opset,
        "source": {"config": cfg.filename, "config_sha256": sha256_of(cfg.filename) if cfg.filename else None,
                   "checkpoint": checkpoint, "checkpoint_sha256": sha256_of(checkpoint)},
        "versions": package_versions(("torch", "onnx", "onnxruntime", "mmdet", "tresnet-tasks")),
        "parity": {"max_abs_diff_vs_eager": diff, "batch": 2, "size": [h, w]},
    }
    write_contract(out_dir, contract)
    return contract
