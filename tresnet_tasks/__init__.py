"""tresnet-tasks: TResNet for detection (MMDetection FCOS), multi-label COCO (ASL) and transfer learning."""
from .backbone import ARCHS, TResNet, convert_norm, create_tresnet, fold_norms, load_tresnet_weights
from .errors import (CheckpointError, CheckpointMismatchError, DamagedCheckpointError, DatasetError,
                     TResNetTasksError, UnsafeCheckpointError, WeightsNotAvailableError)
from .fileio import known_weights, read_checkpoint_file, resolve_weights

__version__ = "0.1.0"
__all__ = ["ARCHS", "TResNet", "create_tresnet", "load_tresnet_weights", "fold_norms", "convert_norm",
           "known_weights", "resolve_weights", "read_checkpoint_file", "TResNetTasksError", "CheckpointError",
           "CheckpointMismatchError", "DamagedCheckpointError", "UnsafeCheckpointError", "WeightsNotAvailableError",
           "DatasetError", "__version__"]
