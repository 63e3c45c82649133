"""Loading TResNet weights from every format people have, into a model of this project.

Formats (detected from the keys, not the file name):
- official TResNet repo: ``{'model': sd}`` with InPlace-ABN keys (``body.conv1.0.weight``, ``convN.0.0``...),
  raw InPlace-ABN weights (converted to the applied scale ``|w| + 1e-5``), optional ``num_batches_tracked``,
  optional ``...op.filt`` blur buffers (dropped);
- ImageNet-21K repo: the same keys under ``'state_dict'``;
- timm (``body.conv1.conv.weight``), as ``.pth`` or ``.safetensors``; this is also this project's own layout;
- this project's checkpoints and mmengine checkpoints of its task models (backbone under a prefix such as
  ``backbone.``, found automatically), DDP's ``module.`` prefix.

Where a path is accepted, so is a published name (``tresnet_m.miil_in1k``, ``hf-hub:timm/...``): see
:mod:`tresnet_tasks.fileio.hub`. Files are read by :func:`tresnet_tasks.fileio.read_checkpoint_file` (weights only,
no code). timm's ``checkpoint_filter_fn`` does the official-key mapping for timm's own class; this module also
detects the format, strips task prefixes, checks variant and head, and maps back (for the official tools).
"""
from __future__ import annotations

import os
import re
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Tuple, Union

import torch
import torch.nn as nn

from ..errors import CheckpointMismatchError
from ..fileio import read_checkpoint_file, resolve_weights
from ..fileio.hub import HUB_PREFIX, arch_of_repo, looks_like_name
from .tresnet import ARCHS, TResNet, TResNetSpec, spec_name

IABN_EPS = 1e-5
StateDict = Dict[str, torch.Tensor]


@dataclass
class LoadReport:
    format: str
    arch: str
    loaded: int
    skipped_head: bool = False
    missing: List[str] = field(default_factory=list)
    unexpected: List[str] = field(default_factory=list)

    def __str__(self) -> str:
        s = f"loaded {self.loaded} tensors ({self.format} format, {self.arch})"
        if self.skipped_head:
            s += ", classifier head skipped"
        if self.missing:
            s += f", {len(self.missing)} missing (e.g. {self.missing[:3]})"
        if self.unexpected:
            s += f", {len(self.unexpected)} unexpected (e.g. {self.unexpected[:3]})"
        return s


def read_checkpoint(spec: Union[str, os.PathLike]) -> Mapping:
    """Read weights named by a path (.pth/.pt/.bin/.ckpt or .safetensors), a timm tag or an ``hf-hub:`` repo.

    Hub files are found automatically, so they are never trusted beyond weights-only reading.
    """
    resolved = resolve_weights(os.fspath(spec))
    return read_checkpoint_file(resolved.path, found_automatically=resolved.from_hub)


def arch_of_name(spec: str) -> Optional[str]:
    """The TResNet variant a published name is for (``tresnet_l.miil_in1k_448`` -> ``tresnet_l``), else None."""
    if spec.startswith(HUB_PREFIX):
        return arch_of_repo(spec[len(HUB_PREFIX):])
    if looks_like_name(spec):
        base = spec.split(".")[0]
        return base if base in ARCHS else None
    return None


def extract_state_dict(obj: Mapping) -> Tuple[StateDict, str]:
    """Unwrap the container formats; return the raw state dict and where it was found."""
    where = "plain"
    for key in ("model", "state_dict", "model_state_dict", "state_dict_ema"):
        if isinstance(obj, Mapping) and key in obj and isinstance(obj[key], Mapping):
            obj, where = obj[key], key
            break
    sd = OrderedDict((k, v) for k, v in obj.items() if isinstance(v, torch.Tensor))
    if not sd:
        raise CheckpointMismatchError("checkpoint holds no tensors: expected a state dict, or a dict with "
                                      "'model' / 'state_dict' holding one")
    return sd, where


def find_tresnet_prefix(sd: Mapping[str, torch.Tensor], name: str = "checkpoint") -> str:
    """The key prefix of the TResNet inside a checkpoint (``''``, ``module.``, ``backbone.``, ``model.backbone.``...),
    found by its stem conv in either layout; a checkpoint without one is not a TResNet's."""
    stem_keys = [k for k in sd if k.endswith(("body.conv1.conv.weight", "body.conv1.0.weight"))]
    if not stem_keys:
        raise CheckpointMismatchError(f"{name}: no TResNet stem found (expected a key ending in "
                                      "'body.conv1.conv.weight' (timm / this project) or 'body.conv1.0.weight' "
                                      "(official TResNet)): this does not look like a TResNet checkpoint")
    return stem_keys[0][: stem_keys[0].index("body.conv1.")]


def check_class_count(ckpt_classes: Optional[int], model_classes: int) -> None:
    """A head of another class count is an error that says how to proceed (shared by backbone and classifier)."""
    if ckpt_classes != model_classes:
        raise CheckpointMismatchError(
            f"checkpoint head has {ckpt_classes} classes but the model has {model_classes}: pass skip_head=True "
            f"to fine-tune (the head is then newly initialised), or build the model with num_classes={ckpt_classes}")


def _strip_prefix(sd: StateDict) -> StateDict:
    """The TResNet's entries with its wrapper prefix stripped; a task head beside 'backbone.' is left out (it is
    not this model's head)."""
    prefix = find_tresnet_prefix(sd)
    if not prefix:
        return sd
    return OrderedDict((k[len(prefix):], v) for k, v in sd.items() if k.startswith(prefix))


_OFFICIAL_RULES = [
    (re.compile(r"conv(\d+)\.0\.0\."), r"conv\1.conv."),
    (re.compile(r"conv(\d+)\.0\.1\."), r"conv\1.bn."),
    (re.compile(r"conv(\d+)\.0\."), r"conv\1.conv."),
    (re.compile(r"conv(\d+)\.1\."), r"conv\1.bn."),
    (re.compile(r"downsample\.(\d+)\.0\."), r"downsample.\1.conv."),
    (re.compile(r"downsample\.(\d+)\.1\."), r"downsample.\1.bn."),
]


def official_to_canonical(sd: StateDict) -> StateDict:
    """Official TResNet / ImageNet-21K keys and raw InPlace-ABN weights -> this project's (timm) layout."""
    out = OrderedDict()
    for k, v in sd.items():
        if k.endswith(".filt"):  # blur filters saved by the official remove_aa_jit option: fixed, not weights
            continue
        if k.startswith("body."):
            for pattern, repl in _OFFICIAL_RULES:
                k, n = pattern.subn(repl, k, count=1)
                if n:
                    break
            if k.endswith(".bn.weight"):
                v = v.abs() + IABN_EPS
        out[k] = v
    return out


def canonical_to_official(sd: StateDict) -> StateDict:
    """This project's layout -> the official TResNet layout (raw InPlace-ABN weights ``s - eps``, no
    ``num_batches_tracked``, as in the 2020 files). Hands weights back to the official code; the tests use it for
    round trips."""
    out = OrderedDict()
    for k, v in sd.items():
        if k.endswith("num_batches_tracked"):
            continue
        if k.endswith(".bn.weight"):
            v = v - IABN_EPS
        m = re.match(r"body\.layer(\d)\.(\d+)\.conv(\d)\.(conv|bn)\.(.*)", k)
        if m:
            stage, blk, idx, part, rest = m.groups()
            bottleneck = f"body.layer{stage}.{blk}.conv3.conv.weight" in sd
            # the stride-2 conv of block 0 in stages 2-4 is wrapped with its blur one level deeper
            wrapped = stage != "1" and blk == "0" and idx == ("2" if bottleneck else "1")
            sub = "0" if part == "conv" else "1"
            k = f"body.layer{stage}.{blk}.conv{idx}." + (f"0.{sub}." if wrapped else f"{sub}.") + rest
        else:
            k = re.sub(r"(body\.conv1|downsample\.\d+)\.conv\.", r"\1.0.", k)
            k = re.sub(r"(body\.conv1|downsample\.\d+)\.bn\.", r"\1.1.", k)
        out[k] = v
    return out


def infer_spec(sd: StateDict) -> TResNetSpec:
    """Reconstruct depth, width and v2-ness from a canonical state dict."""
    depths = []
    for s in range(1, 5):
        idx = {int(m.group(1)) for k in sd for m in [re.match(rf"body\.layer{s}\.(\d+)\.", k)] if m}
        depths.append(max(idx) + 1 if idx else 0)
    c0 = sd["body.conv1.conv.weight"].shape[0]
    v2 = any(k.startswith("body.layer1.0.conv3.") for k in sd)
    width = c0 / 64.0
    for known in (1.0, 1.2, 1.3):  # int(64 * width) truncates: recover the nominal width
        if int(64 * known) == c0:
            width = known
    return TResNetSpec(tuple(depths), width, v2)


def to_canonical(obj: Union[Mapping, str, os.PathLike]) -> Tuple[StateDict, str]:
    """Any supported checkpoint (path, published name or object) -> (canonical state dict, format name)."""
    name = os.fspath(obj) if isinstance(obj, (str, os.PathLike)) else None
    if name is not None:
        obj = read_checkpoint(name)
    try:
        sd, where = extract_state_dict(obj)
        sd = _strip_prefix(sd)
    except CheckpointMismatchError as exc:
        if name is None:
            raise
        raise CheckpointMismatchError(f"{name}: {str(exc).replace('checkpoint: ', '', 1)}") from None
    if "body.conv1.0.weight" in sd:
        fmt = "official TResNet" if where != "state_dict" else "ImageNet-21K repo"
        sd = official_to_canonical(sd)
    else:
        fmt = "timm/tresnet_tasks"
    sd = OrderedDict((k, v) for k, v in sd.items() if not k.endswith(".filt"))
    return sd, fmt


def fill_num_batches_tracked(sd: StateDict, target: Mapping[str, torch.Tensor]) -> None:
    """Official pre-1.1 In-Place ABN checkpoints have no ``num_batches_tracked``: add zeros where the model has one
    and the checkpoint has that norm's statistics (in place)."""
    for k in target:
        if k.endswith("num_batches_tracked") and k not in sd and k.replace("num_batches_tracked", "running_mean") in sd:
            sd[k] = torch.zeros((), dtype=torch.long)


def check_name_fits(spec: str, model_arch: str) -> None:
    """A published name for another variant fails before anything is downloaded, naming both."""
    named = arch_of_name(spec)
    if named and model_arch in ARCHS and named != model_arch:
        raise CheckpointMismatchError(f"weights {spec!r} are for {named} but the model is {model_arch}: build a "
                                      f"{named}, or pick {model_arch} weights (tools/fetch_weights.py --list)")


def _same_shape(a: TResNetSpec, b: TResNetSpec) -> bool:
    return a.layers == b.layers and a.v2 == b.v2 and int(64 * a.width) == int(64 * b.width)


def load_tresnet_weights(model: nn.Module, checkpoint, strict: bool = True,
                         skip_head: Union[bool, str] = False) -> LoadReport:
    """Load ``checkpoint`` (path or state dict, any supported format) into ``model`` (a :class:`TResNet`).

    ``skip_head``: False -> a head with another class count is an error; True -> the head is never loaded
    (fine-tuning); ``"mismatch"`` -> loaded when it fits, skipped (and reported) when not. A checkpoint of another
    variant raises :class:`CheckpointMismatchError` naming both.
    """
    if not isinstance(model, TResNet):
        raise TypeError(f"load_tresnet_weights expects a TResNet, got {type(model).__name__}")
    if isinstance(checkpoint, (str, os.PathLike)):
        check_name_fits(os.fspath(checkpoint), model.arch)
    sd, fmt = to_canonical(checkpoint)
    ckpt_spec = infer_spec(sd)
    if not _same_shape(ckpt_spec, model.spec):
        raise CheckpointMismatchError(
            f"checkpoint is {spec_name(ckpt_spec)} but the model is {spec_name(model.spec)}: build the model with "
            f"the checkpoint's variant, or pick a checkpoint of {model.arch}")

    head_keys = [k for k in sd if k.startswith("head.")]
    skipped = False
    model_has_head = model.head is not None and isinstance(model.head.fc, nn.Linear)
    if head_keys:
        ckpt_classes = sd["head.fc.weight"].shape[0] if "head.fc.weight" in sd else None
        fits = model_has_head and ckpt_classes == model.num_classes
        if skip_head is True or not model_has_head or (skip_head == "mismatch" and not fits):
            skipped = True
        elif not fits:
            check_class_count(ckpt_classes, model.num_classes)
        if skipped:
            sd = OrderedDict((k, v) for k, v in sd.items() if not k.startswith("head."))

    target = model.state_dict()
    fill_num_batches_tracked(sd, target)
    for k, v in sd.items():
        if k in target and target[k].shape != v.shape:
            raise CheckpointMismatchError(f"shape mismatch at {k}: checkpoint {tuple(v.shape)} vs model "
                                          f"{tuple(target[k].shape)}")
    expect_missing = {k for k in target if k.startswith("head.")} if skipped else set()
    result = model.load_state_dict(sd, strict=False)
    missing = [k for k in result.missing_keys if k not in expect_missing]
    unexpected = list(result.unexpected_keys)
    if strict and (missing or unexpected):
        raise CheckpointMismatchError(f"checkpoint ({fmt}) does not match {model.arch}: missing {missing[:5]}"
                                      f"{'...' if len(missing) > 5 else ''}, unexpected {unexpected[:5]}"
                                      f"{'...' if len(unexpected) > 5 else ''}")
    report = LoadReport(fmt, spec_name(ckpt_spec), len(sd) - len(unexpected), skipped, missing, unexpected)
    if skipped and head_keys and model_has_head:
        warnings.warn(f"TResNet weights: {report}; the {model.num_classes}-class head starts from its init")
    return report
