"""Detection with MMDetection: the ``TResNetBackbone`` adapter (``backbone``), a COCO dataset that validates its
files up front (``dataset``) and the asymmetric loss for dense heads (``losses``). Importing the package registers
them into mmdet's registries; configs name :mod:`tresnet_tasks.registry`, which imports every registering package.
"""
from .backbone import TResNetBackbone
from .dataset import CheckedCocoDataset
from .losses import AsymmetricFocalLoss

__all__ = ["TResNetBackbone", "CheckedCocoDataset", "AsymmetricFocalLoss"]
