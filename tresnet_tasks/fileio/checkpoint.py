"""The one function that reads checkpoint files: safe by default, one clear error for every bad file.

Checkpoints come from the internet, and a ``.pth`` file is a pickle, which can run code when unpickled. So:

- ``.safetensors`` files are read as they are (no code in the format);
- every other file is read with ``torch.load(weights_only=True)`` and an allow-list of the few harmless classes that
  mmengine checkpoints pickle (its ``HistoryBuffer``, numpy scalars, its OneCycle scheduler);
- there is **no silent fallback** to a full unpickle. A file that needs one is refused with
  :class:`~tresnet_tasks.errors.UnsafeCheckpointError` naming what its pickle calls. Users who trust a file can
  allow that exact file: ``TRESNET_TRUST_CHECKPOINT=/path/to/file.pth`` (several paths joined by ``os.pathsep``),
  or the tools' ``--trust-checkpoint`` (which does the same for the checkpoint the command names).
  Files found automatically (the newest checkpoint of a work dir, a Hugging Face cache) are never trusted that way;
- empty, truncated, random or foreign files and directories raise
  :class:`~tresnet_tasks.errors.DamagedCheckpointError` with one line saying which file and what is wrong.

torch's own ``torch.serialization.add_safe_globals`` is used for the allow-list; this module adds the refusal
without fallback and the classification of failures, which torch leaves to a long generic message.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import re
import zipfile
from typing import Any, Iterable, List, Optional, Union

import torch

from ..errors import CheckpointNotFoundError, DamagedCheckpointError, UnsafeCheckpointError

TRUST_ENV = "TRESNET_TRUST_CHECKPOINT"
PathLike = Union[str, os.PathLike]


def _empty_bytes(*args):
    """``bytes`` as a checkpoint may call it: protocol-2 pickles write an empty ``bytes`` value (an empty numpy
    array's data, in an mmengine HistoryBuffer that logged nothing yet) as ``bytes()``. Only that call is allowed:
    with arguments ``bytes`` would allocate whatever size the file asks for."""
    if args:
        # worded as torch's refusals ("GLOBAL name"), so the reader reports it as an unsafe file, not a damaged one
        raise pickle.UnpicklingError("GLOBAL builtins.bytes called with arguments (only bytes() is plain data)")
    return b""


def safe_globals() -> List[Any]:
    """The non-tensor classes and functions allowed in a checkpoint's pickle (all inert: data containers)."""
    import builtins
    import codecs
    # getattr: HistoryBuffer pickles references to its own statistics methods as getattr(HistoryBuffer, 'min').
    # The weights-only unpickler still calls nothing that is not on this list, so this cannot run foreign code.
    allowed: List[Any] = [builtins.getattr, codecs.encode, (_empty_bytes, "builtins.bytes")]
    try:
        from mmengine.logging.history_buffer import HistoryBuffer
        from mmengine.optim.scheduler import OneCycleLR, OneCycleParamScheduler
        # OneCycle's state holds its annealing function as getattr(OneCycleParamScheduler, '_annealing_cos')
        allowed += [HistoryBuffer, OneCycleParamScheduler, OneCycleLR]
    except ImportError:  # mmengine is optional for the backbone alone
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
    """Let every ``torch.load(weights_only=True)`` in the process (mmengine's, mmdet's tools') read mmengine
    checkpoints. Called on import of the package parts that configs import."""
    torch.serialization.add_safe_globals(safe_globals())


def trusted_paths() -> List[str]:
    """Real paths of the files the user allowed a full unpickle for (``TRESNET_TRUST_CHECKPOINT``)."""
    value = os.environ.get(TRUST_ENV, "")
    return [os.path.realpath(p) for p in value.split(os.pathsep) if p.strip()]


def trust_files(paths: Iterable[PathLike]) -> None:
    """Add files to ``TRESNET_TRUST_CHECKPOINT`` (the tools' ``--trust-checkpoint``); child processes inherit it."""
    current = [p for p in os.environ.get(TRUST_ENV, "").split(os.pathsep) if p.strip()]
    current += [os.path.realpath(os.fspath(p)) for p in paths]
    os.environ[TRUST_ENV] = os.pathsep.join(current)


def is_trusted(path: PathLike) -> bool:
    return os.path.realpath(os.fspath(path)) in trusted_paths()


def _damaged(path: str, what: str) -> DamagedCheckpointError:
    return DamagedCheckpointError(f"{path} is damaged (truncated or not a checkpoint): {what}")


def _explain_torch_failure(path: str, exc: BaseException) -> Exception:
    """Map torch.load's failures to a refusal (foreign code) or a damaged-file error."""
    text = str(exc)
    refs = re.findall(r"GLOBAL ([\w.]+)", text)
    if refs:
        names = ", ".join(dict.fromkeys(refs))
        return UnsafeCheckpointError(
            f"{path} was refused: it is not plain weights, its pickle calls {names} (loading it could run code). "
            f"If you trust where this file came from, allow this one file: {TRUST_ENV}={os.path.abspath(path)} "
            "(tools: --trust-checkpoint)")
    if isinstance(exc, EOFError):
        return _damaged(path, "the file ends early")
    if "central directory" in text or "failed reading zip archive" in text:
        return _damaged(path, "the zip archive is truncated")
    if "not in a subdirectory" in text or 'hasRecord("version")' in text or "failed locating file" in text:
        return _damaged(path, "a zip archive that is not a PyTorch checkpoint")
    if "Unsupported operand" in text or "invalid load key" in text or isinstance(exc, pickle.UnpicklingError):
        return _damaged(path, "not a PyTorch or safetensors file")
    return _damaged(path, f"torch.load failed: {text.strip().splitlines()[0][:200] if text.strip() else type(exc).__name__}")


def _read_safetensors(path: str) -> Any:
    from safetensors import SafetensorError
    from safetensors.torch import load_file
    try:
        return load_file(path, device="cpu")
    except (SafetensorError, OSError, ValueError) as exc:
        raise _damaged(path, f"not a readable safetensors file ({str(exc).splitlines()[0][:160]})") from None


def read_checkpoint_file(path: PathLike, map_location: Any = "cpu", trust: Optional[bool] = None,
                         found_automatically: bool = False) -> Any:
    """Read a checkpoint file safely (see the module docstring).

    Args:
        path: a ``.pth`` / ``.pt`` / ``.bin`` / ``.ckpt`` (any torch.save output) or ``.safetensors`` file.
        map_location: as ``torch.load``.
        trust: True -> full unpickle (the caller vouches for the file, e.g. an explicit user option); None -> only
            if the user listed this file in ``TRESNET_TRUST_CHECKPOINT``; False -> never.
        found_automatically: the file was not named by the user (work-dir resume, hub cache): never trusted.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise _damaged(path, "it is a directory, not a file")
    if not os.path.isfile(path):
        raise CheckpointNotFoundError(f"checkpoint not found: {path}")
    if os.path.getsize(path) == 0:
        raise _damaged(path, "the file is empty (0 bytes)")
    if path.endswith(".safetensors"):
        return _read_safetensors(path)
    with open(path, "rb") as f:
        head = f.read(2)
    # torch.save writes a zip archive ("PK"), or (legacy) a pickle opening with its protocol opcode (0x80):
    # anything else is not a checkpoint, whatever the pickle machine would make of its bytes
    if head[:2] != b"PK" and head[:1] != b"\x80":
        raise _damaged(path, "not a PyTorch or safetensors file")
    if trust is None:
        trust = not found_automatically and is_trusted(path)
    if found_automatically:
        trust = False
    try:
        if trust:
            return torch.load(path, map_location=map_location, weights_only=False)
        with torch.serialization.safe_globals(safe_globals()):
            return torch.load(path, map_location=map_location, weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, zipfile.BadZipFile, AttributeError, TypeError,
            ValueError, ImportError, IndexError, KeyError, OSError) as exc:
        raise _explain_torch_failure(path, exc) from None


def sha256_of(path: PathLike) -> str:
    """The file's sha256 (hex), read in 1 MiB blocks: what a download or an export is identified by."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
