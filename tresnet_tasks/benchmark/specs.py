"""What the benchmark compares, written as short specs on its command line; a bad spec is one line (ConfigError).

Classification: ``ours:<variant>:<norm>[:<options>]`` with norm ``bn | iabn | iabn_torch``, or ``timm:<name>[::<options>]``
for any timm model; options joined by '+': ``cl`` (channels_last), ``fold`` (norms folded into convs), ``compile``
(torch.compile), ``onnx`` (exported, run by ONNX Runtime), ``int8`` (exported, quantized to int8 QDQ as
tools/export.py --int8 does, run by ONNX Runtime), ``openvino`` (exported, run by ONNX Runtime's OpenVINO execution
provider), ``bf16`` (weights and inputs in bfloat16); fold, onnx, int8, openvino and bf16 are inference only.

Detection: ``CONFIG[@norm][,key=value...][::cl|::onnx|::int8|::openvino]``, a config file or ``mmdet::<path>`` for
a config shipped in the mmdet package; ``@norm`` sets a TResNet backbone's norm mode and ``key=value`` other backbone
arguments (e.g. ``@iabn_torch,recompute_convs=False``); ``::cl`` runs the detector in channels_last; ``::onnx``,
``::int8`` and ``::openvino`` time it as tools/export.py exports it (post-processing in the graph; int8: its
convolutions), run by ONNX Runtime (CPU, or the OpenVINO execution provider), inference only.
"""
from __future__ import annotations

import ast
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Union

from ..errors import ConfigError

OPTIONS = ("cl", "fold", "compile", "bf16", "onnx", "int8", "openvino")
INFERENCE_ONLY = {"fold", "bf16", "onnx", "int8", "openvino"}
NORMS = ("bn", "iabn", "iabn_torch", "auto")

# The peer's rows: timm's tresnet_m in channels_last and in NCHW (its default), and ResNet50 for scale; the baseline
# is the peer's fastest form on the machine (baseline.py). Detection: mmdet's FCOS-R50 in both forms (TResNet picks
# its memory format per machine, backbone/memory_format.py, and the FPN and head after it run in the same one).
DEFAULT_MODELS = ["ours:tresnet_m:iabn_torch", "ours:tresnet_m:bn", "ours:tresnet_m:bn:fold",
                  "timm:tresnet_m::cl", "timm:tresnet_m", "timm:resnet50::cl"]
DEFAULT_DET_MODELS = ["configs/fcos/fcos_tresnet-m_fpn_gn-head_1x_coco.py@iabn_torch",
                      "mmdet::fcos/fcos_r50-caffe_fpn_gn-head_1x_coco.py::cl",
                      "mmdet::fcos/fcos_r50-caffe_fpn_gn-head_1x_coco.py"]

@dataclass(frozen=True)
class ModelSpec:
    """A classification network: ``source`` is ``ours`` (this project's TResNet) or ``timm``."""

    text: str
    source: str
    name: str
    norm: str = "bn"
    options: FrozenSet[str] = frozenset()

    @property
    def inference_only(self) -> bool:
        return bool(self.options & INFERENCE_ONLY)


@dataclass(frozen=True)
class DetectorSpec:
    """An MMDetection config with backbone overrides; ``config`` is a path (``mmdet::`` resolved by :meth:`path`)."""

    text: str
    config: str
    backbone_args: Dict[str, object] = field(default_factory=dict)
    channels_last: bool = False
    exported: str = ""  # "", "onnx", "int8" or "openvino"

    @property
    def inference_only(self) -> bool:
        return bool(self.exported)

    def path(self) -> str:
        if not self.config.startswith("mmdet::"):
            return self.config
        import mmdet
        return osp.join(osp.dirname(mmdet.__file__), ".mim", "configs", self.config[len("mmdet::"):])


Spec = Union[ModelSpec, DetectorSpec]


def parse_model_spec(text: str) -> ModelSpec:
    parts = text.split(":")
    if parts[0] not in ("ours", "timm") or len(parts) < 2 or not parts[1] or len(parts) > 4:
        raise ConfigError(f"model spec {text!r}: write ours:<variant>:<norm>[:<options>] or timm:<name>[::<options>]")
    options = frozenset(parts[3].split("+")) if len(parts) > 3 and parts[3] else frozenset()
    unknown = options - set(OPTIONS)
    if unknown:
        raise ConfigError(f"model spec {text!r}: unknown options {sorted(unknown)}; use {', '.join(OPTIONS)}")
    norm = parts[2] if len(parts) > 2 and parts[2] else "bn"
    if parts[0] == "ours" and norm not in NORMS:
        raise ConfigError(f"model spec {text!r}: norm must be one of {NORMS}, got {norm!r}")
    return ModelSpec(text, parts[0], parts[1], norm, options)


DETECTOR_FORMS = ("cl", "onnx", "int8", "openvino")


def parse_detector_spec(text: str) -> DetectorSpec:
    body, sep, form = text.rpartition("::") if "::" in text.replace("mmdet::", "", 1) else (text, "", "")
    if sep and form not in DETECTOR_FORMS:
        raise ConfigError(f"detector spec {text!r}: unknown form ::{form}; use ::{', ::'.join(DETECTOR_FORMS)}")
    config, _, extra = body.partition("@")
    args: Dict[str, object] = {}
    for item in filter(None, extra.split(",")):
        key, eq, value = item.partition("=")
        if not eq:
            args["norm"] = item
            continue
        try:
            args[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            raise ConfigError(f"detector spec {text!r}: {key}={value} is not a Python literal "
                              "(True, 0.5, 'name', [1, 2])") from None
    spec = DetectorSpec(text, config, args, form == "cl", form if form in INFERENCE_ONLY else "")
    if not config.startswith("mmdet::") and not osp.isfile(config):
        raise ConfigError(f"detector spec {text!r}: config file not found: {config}")
    return spec


def parse_spec(task: str, text: str) -> Spec:
    return parse_detector_spec(text) if task == "detection" else parse_model_spec(text)
