"""MMDetection integration: the ``TResNet`` backbone and a COCO dataset that validates its files up front.

Importing this module registers both into mmdet's registries (configs use ``custom_imports``).
"""
from ..engine import optim as _optim  # noqa: F401 - registers the guarded optimizer wrappers
from ..engine.checkpoint import install_safe_checkpoint_io
from .backbone import TResNetBackbone
from .dataset import CheckedCocoDataset

__all__ = ["TResNetBackbone", "CheckedCocoDataset"]

# Any mmengine/MMDetection tool that imports this (custom_imports) reads checkpoints safely, names included.
install_safe_checkpoint_io()
