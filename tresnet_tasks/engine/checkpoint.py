"""Checkpoint reading under torch >= 2.6's ``weights_only=True`` default.

mmengine checkpoints pickle a few harmless objects (its HistoryBuffer, numpy scalars) that the safe unpickler
rejects. We allow exactly those, and fall back to a full unpickle only for a file the user explicitly chose, with a
warning; files found automatically (e.g. the last checkpoint of a work dir) never get that fallback.
"""
from __future__ import annotations

import os
import pickle
import warnings
from typing import Any, List

import torch


def _safe_globals() -> List[Any]:
    # getattr: HistoryBuffer pickles references to its own statistics methods as getattr(HistoryBuffer, 'min').
    # The weights-only unpickler still calls nothing that is not on this list, so this cannot run foreign code.
    import builtins
    import codecs
    allowed: List[Any] = [builtins.getattr, codecs.encode]
    try:
        from mmengine.logging.history_buffer import HistoryBuffer
        from mmengine.optim.scheduler import OneCycleLR, OneCycleParamScheduler
        # OneCycle's state holds its annealing function as getattr(OneCycleParamScheduler, '_annealing_cos')
        allowed += [HistoryBuffer, OneCycleParamScheduler, OneCycleLR]
    except ImportError:
        pass
    try:
        import numpy as np
        core = np._core if hasattr(np, "_core") else np.core
        allowed += [np.dtype, np.ndarray, core.multiarray._reconstruct, core.multiarray.scalar]
        allowed += [type(np.dtype(t)) for t in ("float64", "float32", "int64", "int32", "bool")]
    except (ImportError, AttributeError):
        pass
    return allowed


def register_safe_globals() -> None:
    """Let torch.load(weights_only=True) (mmengine's resume/load_from) read mmengine checkpoints, safely."""
    torch.serialization.add_safe_globals(_safe_globals())


def load_safely(path: str, map_location: str = "cpu") -> Any:
    """``torch.load`` with weights_only=True plus the mmengine/numpy globals above."""
    with torch.serialization.safe_globals(_safe_globals()):
        return torch.load(path, map_location=map_location, weights_only=True)


def load_user_checkpoint(path: str, map_location: str = "cpu") -> Any:
    """Load a checkpoint the user named: safely if possible, else (trusted by the user's choice) fully."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"checkpoint not found: {path}")
    try:
        return load_safely(path, map_location)
    except (pickle.UnpicklingError, RuntimeError, AttributeError, TypeError) as exc:
        if "zip" in str(exc).lower() and "archive" in str(exc).lower():
            raise
        warnings.warn(f"{path}: not loadable with weights_only=True ({str(exc).splitlines()[0][:120]}); "
                      "loading it fully because you chose this file. Only do this with files you trust.")
        return torch.load(path, map_location=map_location, weights_only=False)


def install_atomic_checkpoint_writes() -> None:
    """Make mmengine's local file writes (checkpoints) atomic: write a temporary file, fsync, then rename.

    A run killed mid-write (SIGKILL, OOM, pre-emption) then leaves either the old file or the complete new one,
    never a truncated checkpoint that --resume would trip over.
    """
    from mmengine.fileio.backends import LocalBackend, register_backend

    class AtomicLocalBackend(LocalBackend):
        def put(self, obj: bytes, filepath) -> None:
            filepath = os.fspath(filepath)
            os.makedirs(os.path.dirname(os.path.abspath(filepath)), exist_ok=True)
            tmp = f"{filepath}.tmp.{os.getpid()}"
            with open(tmp, "wb") as f:
                f.write(obj)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, filepath)

    register_backend("local", AtomicLocalBackend, force=True, prefixes="")
