"""Multi-label classification (MS-COCO, ASL): loss, heads, model, metrics; importing registers them in mmengine."""
from ..data import multilabel as _datasets  # noqa: F401
from ..data import transforms as _transforms  # noqa: F401
from ..engine import loops as _loops  # noqa: F401
from .loss import AsymmetricLoss, MultiLabelBCELoss, MultiLabelFocalLoss
from .metrics import MultiLabelMetric, average_precision, multilabel_metrics
from .model import LabelSmoothingCrossEntropy, TResNetClassifier

__all__ = ["AsymmetricLoss", "MultiLabelBCELoss", "MultiLabelFocalLoss", "MultiLabelMetric", "average_precision",
           "multilabel_metrics", "TResNetClassifier", "LabelSmoothingCrossEntropy"]
