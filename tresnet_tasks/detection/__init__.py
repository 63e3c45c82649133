"""Detection with MMDetection: the ``TResNetBackbone`` adapter (``backbone``), a COCO dataset that validates its
files up front (``dataset``), the asymmetric loss for dense heads (``losses``) and mmcv's RoI ops made safe for
channels_last features (``roi_ops``). Importing the package registers
them into mmdet's registries; configs name :mod:`tresnet_tasks.registry`, which imports every registering package.
"""
from .backbone import TResNetBackbone
from .dataset import CheckedCocoDataset
from .losses import AsymmetricFocalLoss, AsymmetricQualityFocalLoss
from .roi_ops import install_contiguous_roi_ops

install_contiguous_roi_ops()  # channels_last features would otherwise give wrong RoI features (roi_ops.py)

__all__ = ["TResNetBackbone", "CheckedCocoDataset", "AsymmetricFocalLoss", "AsymmetricQualityFocalLoss"]
