"""The shared TResNet backbone (one implementation for detection, multi-label and transfer)."""
from .deploy import fold_norms
from .norm import BatchNormAct2d, convert_norm, iabn_available, resolve_norm
from .tresnet import ARCHS, TResNet, TResNetSpec, create_tresnet
from .weights import (CheckpointMismatchError, canonical_to_official, load_tresnet_weights, official_to_canonical,
                      to_canonical)

__all__ = ["ARCHS", "TResNet", "TResNetSpec", "create_tresnet", "load_tresnet_weights", "fold_norms",
           "convert_norm", "iabn_available", "resolve_norm", "BatchNormAct2d", "CheckpointMismatchError",
           "canonical_to_official", "official_to_canonical", "to_canonical"]
