"""Multi-label classification (MS-COCO, ASL): loss, metrics, datasets; importing registers them in mmengine."""
from ..classification import LabelSmoothingCrossEntropy, TResNetClassifier
from ..data import multilabel as _datasets  # noqa: F401
from .loss import AsymmetricLoss, MultiLabelBCELoss, MultiLabelFocalLoss
from .metrics import MultiLabelMetric, average_precision, multilabel_metrics

__all__ = ["AsymmetricLoss", "MultiLabelBCELoss", "MultiLabelFocalLoss", "MultiLabelMetric", "average_precision",
           "multilabel_metrics", "TResNetClassifier", "LabelSmoothingCrossEntropy"]
