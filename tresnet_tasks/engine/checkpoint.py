"""Checkpoint I/O inside mmengine: safe reading for every mmengine and MMDetection tool, atomic writes, resume.

- :func:`install_safe_checkpoint_io` makes mmengine's ``CheckpointLoader`` (behind ``load_from``, ``--resume``,
  ``init_cfg=dict(type='Pretrained')`` and mmdet's own ``tools/test.py``) read local files and published names
  through :func:`tresnet_tasks.fileio.read_checkpoint_file`, and allow-lists mmengine's harmless pickled classes
  for torch's weights-only reader. It runs on import of the package parts that configs import, so any mmengine tool
  that loads our configs gets it.
- :func:`find_resumable_checkpoint` picks the newest readable checkpoint of a work dir for ``--resume``.
- :func:`install_atomic_checkpoint_writes` makes checkpoint writes atomic.
"""
from __future__ import annotations

import glob
import os
import re
from typing import Any, List, Mapping, Optional, Set, Tuple

from ..errors import CheckpointError
from ..fileio import read_checkpoint_file, register_safe_globals, resolve_weights
from ..fileio.hub import HUB_PREFIX

_found_automatically: Set[str] = set()


def mark_found_automatically(path: str) -> None:
    """Record that ``path`` was picked by the tool, not named by the user: it is never trusted beyond weights."""
    _found_automatically.add(os.path.realpath(path))


def expose_published_weights(checkpoint: Any) -> Any:
    """Published TResNet/ASL/ML-Decoder files keep their weights under ``'model'``; mmengine looks under
    ``'state_dict'``. Add that key (the file's own keys stay) so ``load_from`` and ``tools/test.py`` find them."""
    if (isinstance(checkpoint, Mapping) and "state_dict" not in checkpoint and isinstance(checkpoint.get("model"),
                                                                                           Mapping)):
        return {**checkpoint, "state_dict": checkpoint["model"]}
    return checkpoint


def _load_for_mmengine(filename: str, map_location: Any = None) -> Any:
    resolved = resolve_weights(os.path.expanduser(filename))
    auto = resolved.from_hub or os.path.realpath(resolved.path) in _found_automatically
    return expose_published_weights(read_checkpoint_file(resolved.path, map_location or "cpu",
                                                         found_automatically=auto))


def install_safe_checkpoint_io() -> None:
    """Route mmengine's checkpoint reading through the safe reader (local paths, timm tags, ``hf-hub:`` names)."""
    from mmengine.runner.checkpoint import CheckpointLoader
    register_safe_globals()
    CheckpointLoader.register_scheme(prefixes="", loader=_load_for_mmengine, force=True)
    CheckpointLoader.register_scheme(prefixes=HUB_PREFIX, loader=_load_for_mmengine, force=True)


def _progress(path: str) -> Tuple[int, int]:
    m = re.search(r"(epoch|iter)_(\d+)\.pth$", os.path.basename(path))
    return (1 if m and m.group(1) == "iter" else 0, int(m.group(2)) if m else -1)


def find_resumable_checkpoint(work_dir: str) -> Tuple[Optional[str], List[Tuple[str, str]]]:
    """The newest checkpoint of ``work_dir`` that reads, and the newer ones skipped as damaged (path, why).

    Candidates: the file ``last_checkpoint`` names, then ``epoch_N.pth`` / ``iter_N.pth`` newest first. A run killed
    mid-write cannot leave a truncated file (writes are atomic), but a disk that filled up or a copy that broke can.
    """
    candidates: List[str] = []
    pointer = os.path.join(work_dir, "last_checkpoint")
    if os.path.isfile(pointer):
        with open(pointer, encoding="utf-8") as f:
            named = f.read().strip()
        if named:
            candidates.append(named if os.path.isabs(named) else os.path.join(work_dir, os.path.basename(named)))
    files = glob.glob(os.path.join(work_dir, "epoch_*.pth")) + glob.glob(os.path.join(work_dir, "iter_*.pth"))
    candidates += sorted(files, key=_progress, reverse=True)
    skipped: List[Tuple[str, str]] = []
    seen: Set[str] = set()
    for path in candidates:
        real = os.path.realpath(path)
        if real in seen or not os.path.exists(path):
            continue
        seen.add(real)
        try:
            ckpt = read_checkpoint_file(path, found_automatically=True)
        except CheckpointError as exc:
            skipped.append((path, str(exc)))
            continue
        if not (isinstance(ckpt, Mapping) and "state_dict" in ckpt and "meta" in ckpt):
            skipped.append((path, f"{path} is not an mmengine training checkpoint (no 'state_dict'/'meta')"))
            continue
        return path, skipped
    return None, skipped


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
