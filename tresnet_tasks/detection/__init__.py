"""Detection with MMDetection: the ``TResNetBackbone`` adapter (``backbone``) and a COCO dataset that validates its
files up front (``dataset``). Importing the package registers both into mmdet's registries; configs name
:mod:`tresnet_tasks.registry`, which imports every registering package.
"""
from .backbone import TResNetBackbone
from .dataset import CheckedCocoDataset

__all__ = ["TResNetBackbone", "CheckedCocoDataset"]
