"""A Triton Inference Server model repository for an exported model: ``REPO/<name>/config.pbtxt`` and
``REPO/<name>/1/model.onnx`` (the onnxruntime backend), with dynamic batching (classifiers; a detector's batch is
the client's), one instance group of the chosen kind, and that kind's execution accelerator (TensorRT in FP16 on
GPUs, OpenVINO on CPUs) as an opt-in."""
from __future__ import annotations

import os
import re
import shutil
from typing import Any, Dict, List

from ..errors import ConfigError
from .contract import CONTRACT_FILE

ACCELERATORS = {"gpu": 'gpu_execution_accelerator [{ name: "tensorrt" parameters { key: "precision_mode" '
                       'value: "FP16" } }]',
                "cpu": 'cpu_execution_accelerator [{ name: "openvino" }]'}


def model_config(contract: Dict[str, Any], name: str, kind: str = "gpu", max_batch: int = 64,
                 accelerator: bool = False) -> str:
    """config.pbtxt text for ``contract`` (Triton's ModelConfig in protobuf text format)."""
    if kind not in ("gpu", "cpu"):
        raise ConfigError(f"--triton-kind must be gpu or cpu, got {kind!r}")
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise ConfigError(f"Triton model name {name!r}: letters, digits, '_', '-' and '.' only")
    spec, out = contract["input"], contract["outputs"][0]
    lines = [f'name: "{name}"', 'backend: "onnxruntime"']
    if contract["task"] == "detection":
        lines += detector_io(contract)
    else:
        preferred = [b for b in (4, 8, 16, 32) if b <= max_batch] or [max_batch]
        lines += [
            f"max_batch_size: {max_batch}",
            f'input [{{ name: "{spec["name"]}" data_type: TYPE_FP32 dims: [ 3, -1, -1 ] }}]',
            f'output [{{ name: "{out["name"]}" data_type: TYPE_FP32 dims: [ {len(contract["classes"])} ] }}]',
            f"dynamic_batching {{ preferred_batch_size: [ {', '.join(map(str, preferred))} ] "
            "max_queue_delay_microseconds: 2000 }"]
    lines.append(f"instance_group [{{ kind: KIND_{kind.upper()} count: 1 }}]")
    if accelerator:
        lines.append(f"optimization {{ execution_accelerators {{ {ACCELERATORS[kind]} }} }}")
    return "\n".join(lines) + "\n"


def detector_io(contract: Dict[str, Any]) -> List[str]:
    """A detector's inputs and outputs with the batch inside the shapes (``max_batch_size: 0``): its outputs are
    rows of every image together (``detections[:, 0]`` names the image), not one slice per request, so Triton's
    dynamic batching, which splits outputs along the first dimension, cannot apply; a client sends its own batch."""
    size = contract["image_size"]["name"]
    dims = [", ".join("-1" if isinstance(d, str) else str(d) for d in o["shape"]) for o in contract["outputs"]]
    outputs = [f'{{ name: "{o["name"]}" data_type: TYPE_FP32 dims: [ {d} ] }}' for o, d in zip(contract["outputs"], dims)]
    return ["max_batch_size: 0",
            f'input [{{ name: "{contract["input"]["name"]}" data_type: TYPE_FP32 dims: [ -1, 3, -1, -1 ] }}, '
            f'{{ name: "{size}" data_type: TYPE_INT64 dims: [ -1, 2 ] }}]',
            f"output [{', '.join(outputs)}]"]


def write_repository(export_dir: str, repo: str, contract: Dict[str, Any], name: str = "tresnet", kind: str = "gpu",
                     max_batch: int = 64, accelerator: bool = False, model_file: str = "") -> str:
    """``repo/name/config.pbtxt`` + ``repo/name/1/model.onnx`` (+ the contract beside the config); the model dir."""
    folder = os.path.join(repo, name)
    os.makedirs(os.path.join(folder, "1"), exist_ok=True)
    shutil.copyfile(os.path.join(export_dir, model_file or contract["model"]), os.path.join(folder, "1", "model.onnx"))
    shutil.copyfile(os.path.join(export_dir, CONTRACT_FILE), os.path.join(folder, CONTRACT_FILE))
    with open(os.path.join(folder, "config.pbtxt"), "w", encoding="utf-8") as f:
        f.write(model_config(contract, name, kind, max_batch, accelerator))
    return folder
