"""Classification datasets, read from the files users already have: the bases (``base``: one unreadable-image
policy, multi-label entries), multi-label COCO and list files (``multilabel``), PASCAL VOC (``voc``), NUS-WIDE
(``nus_wide``), Open Images with partial labels (``open_images``), partial labels simulated from full ones
(``partial``); CIFAR, Stanford Cars, Flowers-102 (``single_label``). torchvision's dataset classes are not used:
they insist on the original archives' md5 sums and download layout, and are not mmengine datasets."""
from .base import ImageListDataset, MultiLabelDataset, dense_target, sparse_target
from .multilabel import CocoMultiLabelDataset, MultiLabelListDataset
from .nus_wide import NUSWideDataset
from .open_images import OpenImagesDataset
from .partial import simulate_partial_labels
from .single_label import CIFARDataset, Flowers102Dataset, StanfordCarsDataset
from .voc import VOC_CLASSES, VOCMultiLabelDataset

__all__ = ["ImageListDataset", "MultiLabelDataset", "dense_target", "sparse_target", "CocoMultiLabelDataset",
           "MultiLabelListDataset", "NUSWideDataset", "OpenImagesDataset", "simulate_partial_labels",
           "VOC_CLASSES", "VOCMultiLabelDataset", "CIFARDataset", "StanfordCarsDataset", "Flowers102Dataset"]
