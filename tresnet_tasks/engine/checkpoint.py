"""Checkpoint files of training runs: resume and atomic writes (safe reading inside mmengine is
:mod:`tresnet_tasks.fileio.mmengine_io`, installed on import of the package).

- :func:`find_resumable_checkpoint` picks the newest readable checkpoint of a work dir for ``--resume``.
- :func:`install_atomic_checkpoint_writes` makes checkpoint writes atomic.
"""
from __future__ import annotations

import glob
import os
import re
from typing import List, Mapping, Optional, Set, Tuple

from ..errors import CheckpointError
from ..fileio import read_checkpoint_file


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
