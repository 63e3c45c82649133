"""Image classifier on the shared backbone (GAP or ML-Decoder head), used by multi-label and transfer."""
from ..data import transforms as _transforms  # noqa: F401 - registers the pipeline steps
from ..engine import loops as _loops  # noqa: F401 - registers the EMA+raw val loop
from ..engine import optim as _optim  # noqa: F401 - registers the guarded optimizer wrappers
from ..engine.checkpoint import install_safe_checkpoint_io
from .heads import GAPHead, MLDecoderHead
from .model import LabelSmoothingCrossEntropy, TResNetClassifier

__all__ = ["GAPHead", "MLDecoderHead", "LabelSmoothingCrossEntropy", "TResNetClassifier"]

# Any mmengine/MMDetection tool that imports this (custom_imports) reads checkpoints safely, names included.
install_safe_checkpoint_io()
