"""Whole-classifier checkpoints: published ASL and ML-Decoder COCO models, timm/official ImageNet models, ours.

Layouts understood (detected from the keys, the backbone part through :mod:`tresnet_tasks.backbone.weights`):

- ASL (Ben-Baruch et al.) COCO models: the official TResNet layout (In-Place ABN keys ``body.*``) + ``head.fc`` of
  80 classes, under ``'model'`` or ``'state_dict'`` -> ``head=dict(type='gap')``;
- ML-Decoder (Ridnik et al.) COCO models: the same backbone + ``head.decoder.*`` (``embed_standart``,
  ``query_embed``, ``layers.0.*`` named as in ``nn.TransformerDecoderLayer``, ``duplicate_pooling``,
  ``duplicate_pooling_bias``) -> ``head=dict(type='mldecoder')``; the head's key maps live beside the head
  (:func:`~.heads.mldecoder_official_to_canonical`);
- timm / official ImageNet models (``head.fc`` of 1000 or 11221 classes): backbone, and the head if it fits;
- this project's mmengine checkpoints (``backbone.*`` + ``head.*``).

A head of another kind or class count than the model's is an error unless ``skip_head=True`` (then only the
backbone is taken, as for fine-tuning from ImageNet).
"""
from __future__ import annotations

import os
from collections import OrderedDict
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Union

import torch
import torch.nn as nn

from ..backbone.weights import (LoadReport, check_class_count, check_name_fits, extract_state_dict,
                                fill_num_batches_tracked, find_tresnet_prefix, load_tresnet_weights, read_checkpoint,
                                to_canonical)
from ..data.coco_checks import COCO_CLASSES
from ..errors import CheckpointMismatchError
from .heads import MLDecoderHead, mldecoder_official_to_canonical

StateDict = Dict[str, torch.Tensor]

HEAD_NAMES = {"gap": "GAP + linear (ASL / ImageNet)", "mldecoder": "ML-Decoder"}


@dataclass
class ClassifierCheckpoint:
    """A classifier checkpoint split into its backbone (canonical keys) and head (this project's keys)."""
    backbone: StateDict
    head: StateDict
    head_type: Optional[str]  # 'gap', 'mldecoder' or None (no head in the file)
    num_classes: Optional[int]
    format: str


def split_classifier_state(obj: Mapping, name: str = "checkpoint") -> ClassifierCheckpoint:
    """Separate backbone and head of any supported classifier checkpoint (object already read)."""
    sd, _ = extract_state_dict(obj)
    prefix = find_tresnet_prefix(sd, name)
    # the head sits beside the body ('head.*') in published files, beside 'backbone.' in this project's
    root = prefix[: -len("backbone.")] if prefix.endswith("backbone.") else prefix
    head = OrderedDict((k[len(root) + 5:], v) for k, v in sd.items() if k.startswith(root + "head."))
    body = OrderedDict((k, v) for k, v in sd.items() if k.startswith(prefix + "body."))
    backbone, fmt = to_canonical(body)
    if not head:
        return ClassifierCheckpoint(backbone, head, None, None, fmt)
    if any(k.startswith("decoder.") for k in head):
        head, kind, fmt = mldecoder_official_to_canonical(head), "mldecoder", fmt + " + ML-Decoder head"
    elif "group_weight" in head:
        kind = "mldecoder"
    elif "fc.weight" in head:
        kind = "gap"
    else:
        raise CheckpointMismatchError(f"{name}: unknown classifier head (keys {sorted(head)[:5]})")
    classes = int((head["group_bias"] if kind == "mldecoder" else head["fc.weight"]).shape[0])
    return ClassifierCheckpoint(backbone, head, kind, classes, fmt)


def head_type_of(head: nn.Module) -> str:
    return "mldecoder" if isinstance(head, MLDecoderHead) else "gap"


def check_head_fits(ckpt: ClassifierCheckpoint, head_type: str, num_classes: int, name: str) -> None:
    """Another head kind or class count is an error that says how to proceed."""
    if ckpt.head_type != head_type:
        raise CheckpointMismatchError(
            f"{name} has an {HEAD_NAMES[ckpt.head_type]} head but the model's head is {HEAD_NAMES[head_type]}: set "
            f"model.head=dict(type='{ckpt.head_type}') to use it, or skip_head=True to take only the backbone")
    check_class_count(ckpt.num_classes, num_classes)


def load_classifier_weights(model: nn.Module, checkpoint: Union[str, os.PathLike, Mapping],
                            skip_head: bool = False) -> LoadReport:
    """Load any supported classifier checkpoint (path, published name or object) into a ``TResNetClassifier``.

    The backbone always loads (variant checked); the head loads when the file has one of the model's kind and class
    count, is skipped with ``skip_head=True``, and is otherwise an error (:class:`CheckpointMismatchError`).
    """
    name = os.fspath(checkpoint) if isinstance(checkpoint, (str, os.PathLike)) else "checkpoint"
    if isinstance(checkpoint, (str, os.PathLike)):
        check_name_fits(name, model.backbone.arch)
        checkpoint = read_checkpoint(name)
    ckpt = split_classifier_state(checkpoint, name)
    report = load_tresnet_weights(model.backbone, ckpt.backbone, strict=True, skip_head=True)
    report.format = ckpt.format
    if ckpt.head_type is None:
        report.skipped_head = True
        return report
    if skip_head:
        report.skipped_head = True
        return report
    check_head_fits(ckpt, head_type_of(model.head), model.num_classes, name)
    target = model.head.state_dict()
    for k, v in ckpt.head.items():
        if k in target and target[k].shape != v.shape:
            raise CheckpointMismatchError(f"{name}: head shape mismatch at {k}: checkpoint {tuple(v.shape)} vs model "
                                          f"{tuple(target[k].shape)} (another embed_dim / num_groups?)")
    result = model.head.load_state_dict(ckpt.head, strict=False)
    if result.missing_keys or result.unexpected_keys:
        raise CheckpointMismatchError(f"{name}: head keys differ: missing {result.missing_keys[:5]}, unexpected "
                                      f"{result.unexpected_keys[:5]}")
    report.loaded += len(ckpt.head)
    return report


def published_layout_pre_hook(module: nn.Module, state_dict: dict, prefix: str, *args) -> None:
    """``load_state_dict`` pre-hook of the classifier: a published layout (``body.*`` at the top instead of
    ``backbone.body.*``) is rewritten in place into this model's keys, so mmengine's ``load_from``, ``tools/test.py``
    and the EMA hook take ASL / ML-Decoder / timm files as they are."""
    if not any(k.startswith(prefix + "body.conv1.") for k in state_dict):
        return
    own = OrderedDict((k[len(prefix):], state_dict.pop(k)) for k in list(state_dict) if k.startswith(prefix))
    ckpt = split_classifier_state(own, "checkpoint")
    if ckpt.head_type is not None:
        check_head_fits(ckpt, head_type_of(module.head), module.num_classes, "the checkpoint")
    fill_num_batches_tracked(ckpt.backbone, module.backbone.state_dict())
    for k, v in ckpt.backbone.items():
        state_dict[prefix + "backbone." + k] = v
    for k, v in ckpt.head.items():
        state_dict[prefix + "head." + k] = v


def checkpoint_class_names(ckpt: Mapping, num_classes: int) -> List[str]:
    """Names from the checkpoint's dataset meta (this project's checkpoints); for published 80-class COCO models
    (ASL, ML-Decoder), which carry none, COCO's categories in json order, as those models were trained."""
    names = ((ckpt.get("meta") or {}).get("dataset_meta") or {}).get("classes")
    if names:
        return list(names)
    return list(COCO_CLASSES) if num_classes == len(COCO_CLASSES) else [str(i) for i in range(num_classes)]
