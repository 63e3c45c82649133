"""``model.json``: everything a program needs to run an exported model without this package (and without torch).

A consumer reads the image as RGB, resizes it by ``input.resize`` (``squish``: to exactly H x W, bilinear, ignoring
the aspect ratio, as the configs' test pipelines do), scales the uint8 values to float32 in ``input.range``, lays
it out as ``input.layout`` (NCHW) with a batch dimension, and feeds it as ``input.name``; ``outputs`` say what comes
back. ``classes`` are in output order; ``thresholds`` hold one score threshold per class (the evaluator's global
threshold repeated, or per-class values fitted on a split). ``source`` names the config and checkpoint, with their
sha256, so a deployed file can be traced to the run it came from.
"""
from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional, Sequence

from ..errors import ConfigError
from ..fileio import sha256_of

CONTRACT_VERSION = 1
CONTRACT_FILE = "model.json"
MODEL_FILE = "model.onnx"
INT8_FILE = "model_int8.onnx"
INPUT_NAME = "image"


def resize_rule(pipeline: Sequence[dict]) -> Dict[str, Any]:
    """The resize of a classification test pipeline, as the contract states it."""
    for step in pipeline:
        if step.get("type") == "SquishResize":
            size = step["size"]
            size = [size, size] if isinstance(size, int) else list(size)
            return {"rule": "squish", "size": size, "interpolation": "bilinear",
                    "means": "resize to exactly size (H, W), ignoring the aspect ratio (PIL bilinear)"}
    kinds = [s.get("type") for s in pipeline]
    raise ConfigError(f"the test pipeline {kinds} has no SquishResize: the exported contract cannot state its resize "
                      "rule (classification configs of this project all use SquishResize)")


def classifier_contract(*, multi_label: bool, classes: List[str], thresholds: List[float], resize: Dict[str, Any],
                        traced_size: Sequence[int], config: str, checkpoint: str, opset: int,
                        versions: Dict[str, str]) -> Dict[str, Any]:
    meaning = ("sigmoid probability of each class, independently (multi-label)" if multi_label
               else "softmax probability over the classes (single-label)")
    return {
        "format": "tresnet-tasks-onnx", "version": CONTRACT_VERSION, "model": MODEL_FILE,
        "task": "multilabel" if multi_label else "classification",
        "input": {"name": INPUT_NAME, "layout": "NCHW", "dtype": "float32", "channels": "RGB", "range": [0.0, 1.0],
                  "scale": "uint8 value / 255", "resize": resize, "multiple_of": 32, "batch": "dynamic",
                  "size": "dynamic (H and W multiples of 32)"},
        "outputs": [{"name": "scores", "dtype": "float32", "shape": ["batch", len(classes)], "meaning": meaning}],
        "classes": list(classes), "thresholds": [float(t) for t in thresholds],
        "decision": ("a class is predicted when its score >= its threshold" if multi_label
                     else "the class with the highest score (thresholds: the minimum score to report)"),
        "traced_size": list(traced_size), "opset": opset,
        "source": {"config": config, "config_sha256": sha256_of(config) if os.path.isfile(config) else None,
                   "checkpoint": checkpoint,
                   "checkpoint_sha256": sha256_of(checkpoint) if os.path.isfile(checkpoint) else None},
        "versions": versions,
    }


def read_contract(path: str) -> Dict[str, Any]:
    """The contract next to an exported model (``DIR/model.onnx`` or ``DIR``); a clear error when it is missing."""
    folder = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
    file = os.path.join(folder, CONTRACT_FILE)
    if not os.path.isfile(file):
        raise ConfigError(f"{path}: no {CONTRACT_FILE} beside it: export with tools/export.py, which writes both")
    with open(file, encoding="utf-8") as f:
        contract = json.load(f)
    if contract.get("format") != "tresnet-tasks-onnx" or contract.get("version") != CONTRACT_VERSION:
        raise ConfigError(f"{file}: not a tresnet-tasks contract of version {CONTRACT_VERSION}")
    return contract


def write_contract(folder: str, contract: Dict[str, Any]) -> str:
    path = os.path.join(folder, CONTRACT_FILE)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(contract, f, indent=1)
    return path


def model_path(path: str, contract: Optional[Dict[str, Any]] = None) -> str:
    """``DIR`` or ``DIR/model.onnx`` -> the .onnx file."""
    return os.path.join(path, (contract or {}).get("model", MODEL_FILE)) if os.path.isdir(path) else path
