"""Image classification on the shared backbone: multi-label MS-COCO (ASL) and single-label transfer.

``model`` the mmengine model, ``heads`` GAP / ML-Decoder, ``weights`` the published classifier layouts, ``losses``,
``metrics``, ``targets`` (the one multi-label target encoding: dense and sparse), ``datasets/``, ``transforms``,
``miil_randaugment`` (the recipes' RandAugment). Importing the package registers its modules in mmengine's
registries; configs name :mod:`tresnet_tasks.registry`, which imports every registering package.
"""
from .datasets import (CIFARDataset, CocoMultiLabelDataset, Flowers102Dataset, ImageListDataset,
                       MultiLabelListDataset, StanfordCarsDataset)
from .heads import GAPHead, MLDecoderHead
from .losses import AsymmetricLoss, LabelSmoothingCrossEntropy, MultiLabelBCELoss, MultiLabelFocalLoss
from .metrics import (ClassificationMetric, MultiLabelMetric, average_precision, confusion_matrix,
                      multilabel_metrics, topk_accuracy)
from .miil_randaugment import MiilRandAugment
from .model import TResNetClassifier
from .transforms import LoadImagePIL, PackClsInputs

__all__ = ["TResNetClassifier", "GAPHead", "MLDecoderHead", "AsymmetricLoss", "MultiLabelBCELoss",
           "MultiLabelFocalLoss", "LabelSmoothingCrossEntropy", "MultiLabelMetric", "ClassificationMetric",
           "average_precision", "multilabel_metrics", "topk_accuracy", "confusion_matrix", "ImageListDataset",
           "CocoMultiLabelDataset", "MultiLabelListDataset", "CIFARDataset", "StanfordCarsDataset",
           "Flowers102Dataset", "LoadImagePIL", "PackClsInputs", "MiilRandAugment"]
