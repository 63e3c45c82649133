"""Classification datasets: COCO multi-label and list files (``multilabel``); CIFAR, Stanford Cars, Flowers-102
(``single_label``), read from the files users already have. torchvision's dataset classes are not used: they
insist on the original archives' md5 sums and download layout, and are not mmengine datasets."""
from .base import ImageListDataset
from .multilabel import CocoMultiLabelDataset, MultiLabelListDataset
from .single_label import CIFARDataset, Flowers102Dataset, StanfordCarsDataset

__all__ = ["ImageListDataset", "CocoMultiLabelDataset", "MultiLabelListDataset", "CIFARDataset",
           "StanfordCarsDataset", "Flowers102Dataset"]
