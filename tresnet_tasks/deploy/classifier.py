"""Exporting a classification config's model (GAP or ML-Decoder head; multi-label or single-label) to ONNX.

The graph takes the image as the model does after its data preprocessor and returns scores (sigmoid or softmax: the
post-processing is in the graph). Batch and size are dynamic: ``torch.onnx.export(dynamo=True)`` with H and W
declared as multiples of 32 (the legacy exporter bakes the ML-Decoder's token count into ``nn.MultiheadAttention``,
and TResNet's divisibility checks need ``32 * Dim``). Norms are exported as plain BatchNorm (In-Place ABN is not
traceable; the weights mean the same in every mode) and folded into the convolutions unless ``fold=False``.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import warnings
from typing import Any, Dict, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn
from mmengine.registry import MODELS

from ..backbone import fold_norms
from ..classification.weights import checkpoint_class_names, load_classifier_weights
from ..errors import ConfigError
from ..fileio import read_checkpoint_file
from ..machine import package_versions
from .contract import INPUT_NAME, INT8_FILE, MODEL_FILE, classifier_contract, resize_rule, write_contract
from .quantize import calibration_images, export_int8
from .runtime import ort_session

MAX_SIDE = 32 * 128  # the largest H or W the exported graph accepts (4096 px)


class ScoresModel(nn.Module):
    """The classifier from preprocessed image to scores: what the exported graph computes."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.backbone, self.head, self.multi_label = model.backbone, model.head, model.multi_label

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        logits = self.head(self.backbone.forward_features(image)).float()
        return torch.sigmoid(logits) if self.multi_label else torch.softmax(logits, dim=1)


def build_for_export(cfg, checkpoint: str) -> nn.Module:
    """The config's classifier with plain BatchNorm and the checkpoint's weights (a checkpoint that does not fit
    the config is one line: :class:`~tresnet_tasks.errors.CheckpointMismatchError`)."""
    model_cfg = cfg.model.copy()
    if model_cfg.get("type") not in ("TResNetClassifier", None):
        raise ConfigError(f"model type {model_cfg.get('type')!r}: tools/export.py exports TResNetClassifier configs "
                          "and this project's detectors")
    model_cfg.update(pretrained=None, init_cfg=None, norm="bn", lean_memory=False)
    model = MODELS.build(model_cfg)
    load_classifier_weights(model, checkpoint)
    return model.eval()


def _class_names(cfg, ckpt: Dict[str, Any], num_classes: int):
    names = checkpoint_class_names(ckpt, num_classes)
    meta = (cfg.get("test_dataloader", {}).get("dataset", {}).get("metainfo") or {}).get("classes")
    if names == [str(i) for i in range(num_classes)] and meta and len(meta) == num_classes:
        return list(meta)
    return names


def _threshold(cfg, multi_label: bool) -> float:
    evaluator = cfg.get("test_evaluator", {})
    evaluator = evaluator[0] if isinstance(evaluator, list) and evaluator else evaluator
    return float(evaluator.get("threshold", 0.5)) if multi_label else 0.0


def load_thresholds(path: str, classes: Sequence[str]) -> Dict[str, Any]:
    """Per-class thresholds written by ``tools/test.py --fit-thresholds``, checked against the model's classes."""
    try:
        with open(path, encoding="utf-8") as f:
            fitted = json.load(f)
        names, values = list(fitted["classes"]), [float(v) for v in fitted["thresholds"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"--thresholds {path}: not a thresholds file of tools/test.py --fit-thresholds "
                          f"({type(exc).__name__}: {exc})") from None
    if names != list(classes) or len(values) != len(classes):
        raise ConfigError(f"--thresholds {path}: fitted for classes {names[:5]}... ({len(names)}), but the model's "
                          f"are {list(classes)[:5]}... ({len(classes)}): fit them on this model's evaluation")
    return {"thresholds": values, "rule": fitted.get("rule"), "images": fitted.get("images"), "file": path}


def export_classifier(cfg, checkpoint: str, out_dir: str, size: Optional[Sequence[int]] = None, opset: int = 18,
                      fold: bool = True, thresholds_file: Optional[str] = None, int8: bool = False,
                      calib_images: int = 200) -> Dict[str, Any]:
    """Write ``out_dir/model.onnx`` and ``out_dir/model.json`` (with ``int8``, also ``out_dir/model_int8.onnx``,
    calibrated on ``calib_images`` training images); returns the contract with the measured parity."""
    model = build_for_export(cfg, checkpoint)
    pipeline = cfg.test_dataloader.dataset.pipeline
    resize = resize_rule(pipeline)
    h, w = (list(size) * 2)[:2] if size else resize["size"]
    if h % 32 or w % 32:
        raise ConfigError(f"--size {h} {w}: TResNet needs H and W divisible by 32 (e.g. {32 * max(1, h // 32)} "
                          f"{32 * max(1, w // 32)})")
    net = ScoresModel(fold_norms(model) if fold else model).eval()
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, MODEL_FILE)
    x = torch.rand(2, 3, h, w)  # batch 2: torch.export specialises a size-1 dimension to the constant 1
    batch = torch.export.Dim("batch", min=1, max=1024)
    dims = {0: batch, 2: 32 * torch.export.Dim("h32", min=1, max=MAX_SIDE // 32),
            3: 32 * torch.export.Dim("w32", min=1, max=MAX_SIDE // 32)}
    # the exporter's own progress and notes ("Skipping constant folding ...") stay off the console
    with torch.no_grad(), warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        onnx_program = torch.onnx.export(net, (x,), dynamo=True, opset_version=opset, input_names=[INPUT_NAME],
                                         output_names=["scores"], dynamic_shapes={"image": dims}, verbose=False)
        onnx_program.save(path)
        ref = net(x).numpy()
    got = ort_session(path).run(["scores"], {INPUT_NAME: x.numpy()})[0]
    ckpt = read_checkpoint_file(checkpoint)
    classes = _class_names(cfg, ckpt if isinstance(ckpt, dict) else {}, model.num_classes)
    fitted = load_thresholds(thresholds_file, classes) if thresholds_file else None
    thresholds = fitted["thresholds"] if fitted else [_threshold(cfg, model.multi_label)] * model.num_classes
    preprocessor = cfg.model.get("data_preprocessor") or {}
    contract = classifier_contract(
        multi_label=model.multi_label, classes=classes, thresholds=list(thresholds), resize=resize,
        traced_size=[h, w], config=cfg.filename or "", checkpoint=checkpoint, opset=opset,
        versions=package_versions(("torch", "onnx", "onnxruntime", "tresnet-tasks")))
    contract["input"]["mean"] = list(preprocessor.get("mean", [0.0, 0.0, 0.0]))
    contract["input"]["std"] = list(preprocessor.get("std", [255.0, 255.0, 255.0]))
    contract["input"]["scale"] = "(uint8 RGB value - mean) / std, per channel"
    contract["thresholds_source"] = (
        {"fitted": True, **{k: fitted[k] for k in ("rule", "images", "file")}} if fitted else
        {"fitted": False, "rule": "the config's evaluator threshold, for every class"})
    contract["parity"] = {"max_abs_diff_vs_eager": float(np.abs(got - ref).max()), "batch": 2, "size": [h, w]}
    if int8:
        images = calibration_images(cfg, calib_images, contract["input"]["mean"], contract["input"]["std"])
        contract["int8"] = export_int8(path, os.path.join(out_dir, INT8_FILE), images, np.concatenate(images[:4]))
    write_contract(out_dir, contract)
    return contract
