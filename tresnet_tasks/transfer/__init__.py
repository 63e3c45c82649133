"""Transfer learning (single-label fine-tuning): datasets of the paper's table and metrics; importing registers
them. The classifier is the shared :class:`~tresnet_tasks.classification.TResNetClassifier` (``multi_label=False``).
"""
from ..classification import LabelSmoothingCrossEntropy, TResNetClassifier
from ..data import transfer as _datasets  # noqa: F401
from .metrics import ClassificationMetric, confusion_matrix, topk_accuracy

__all__ = ["ClassificationMetric", "confusion_matrix", "topk_accuracy", "TResNetClassifier",
           "LabelSmoothingCrossEntropy"]
