"""The shared TResNet backbone: one implementation for detection, multi-label and transfer.

``tresnet`` the network, ``layers`` its blocks' parts, ``norms/`` the interchangeable norm modes side by side,
``lean/`` everything the backbone does to keep less for backward (its docstring is the table), ``weights`` every
checkpoint format, ``factory`` building by name, ``adapter`` what task models share to embed it, ``deploy``
inference-only folding, ``memory_format`` the per-machine channels_last choice.
"""
from .adapter import build_backbone, pretrained_source, under_prefix
from .deploy import fold_norms
from .factory import canonical_arch, create_tresnet
from .norms import BatchNormAct2d, convert_norm, iabn_available, is_norm_act, resolve_norm
from .tresnet import ARCHS, TResNet, TResNetSpec
from .weights import (CheckpointMismatchError, LoadReport, canonical_to_official, load_tresnet_weights,
                      official_to_canonical, to_canonical)

__all__ = ["ARCHS", "TResNet", "TResNetSpec", "create_tresnet", "canonical_arch", "load_tresnet_weights",
           "LoadReport", "fold_norms", "convert_norm", "iabn_available", "is_norm_act", "resolve_norm",
           "BatchNormAct2d", "CheckpointMismatchError", "canonical_to_official", "official_to_canonical",
           "to_canonical", "build_backbone", "pretrained_source", "under_prefix"]
