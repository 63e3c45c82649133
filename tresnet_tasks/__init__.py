"""tresnet-tasks: TResNet for detection (MMDetection FCOS), multi-label COCO (ASL) and transfer learning."""
from .backbone import (ARCHS, CheckpointMismatchError, TResNet, convert_norm, create_tresnet, fold_norms,
                       load_tresnet_weights)

__version__ = "0.1.0"
__all__ = ["ARCHS", "TResNet", "create_tresnet", "load_tresnet_weights", "fold_norms", "convert_norm",
           "CheckpointMismatchError", "__version__"]
