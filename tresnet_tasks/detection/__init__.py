"""MMDetection integration: the ``TResNet`` backbone and a COCO dataset that validates its files up front.

Importing this module registers both into mmdet's registries (configs use ``custom_imports``).
"""
from ..engine import optim as _optim  # noqa: F401 - registers the guarded optimizer wrappers
from .backbone import TResNetBackbone
from .dataset import CheckedCocoDataset

__all__ = ["TResNetBackbone", "CheckedCocoDataset"]
