"""Image classifier on the shared backbone (GAP or ML-Decoder head), used by multi-label and transfer."""
from ..data import transforms as _transforms  # noqa: F401 - registers the pipeline steps
from ..engine import loops as _loops  # noqa: F401 - registers the EMA+raw val loop
from ..engine import optim as _optim  # noqa: F401 - registers the guarded optimizer wrappers
from .heads import GAPHead, MLDecoderHead
from .model import LabelSmoothingCrossEntropy, TResNetClassifier

__all__ = ["GAPHead", "MLDecoderHead", "LabelSmoothingCrossEntropy", "TResNetClassifier"]
