"""tresnet-tasks: TResNet for detection (MMDetection), multi-label classification (ASL) and transfer learning.

Packages by what things are, importing only downwards (docs/layout.md): ``errors`` (every exception users see),
``machine`` (what this machine has: detection installed, CPU, GPU), ``fileio`` (reading weights safely),
``backbone/`` (the one TResNet), ``data/`` and ``visualization/`` (shared by the tasks), ``classification/`` and
``detection/`` (the task models), ``engine/`` (mmengine glue), ``deploy/`` (ONNX export and ONNX Runtime),
``cli/`` (what the tools share), ``benchmark/`` (speed and memory side by side), ``registry`` (what configs import
to register everything).
"""
from .backbone import ARCHS, TResNet, convert_norm, create_tresnet, fold_norms, load_tresnet_weights
from .errors import (CheckpointError, CheckpointMismatchError, DamagedCheckpointError, DatasetError,
                     TResNetTasksError, UnsafeCheckpointError, WeightsNotAvailableError)
from .fileio import install_safe_checkpoint_io, known_weights, read_checkpoint_file, resolve_weights

# any import of the package (a config's custom_imports naming any module of it included) makes every mmengine and
# MMDetection tool read checkpoints weights-only through the project's reader
install_safe_checkpoint_io()

__version__ = "0.1.0"
__all__ = ["ARCHS", "TResNet", "create_tresnet", "load_tresnet_weights", "fold_norms", "convert_norm",
           "known_weights", "resolve_weights", "read_checkpoint_file", "TResNetTasksError", "CheckpointError",
           "CheckpointMismatchError", "DamagedCheckpointError", "UnsafeCheckpointError", "WeightsNotAvailableError",
           "DatasetError", "__version__"]
