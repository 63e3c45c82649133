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


def _newest_first(path: str) -> Tuple[float, int]:
    """Newest written first (epoch and mid-epoch checkpoints interleave); the larger number first on a tie."""
    m = re.search(r"_(\d+)\.pth$", os.path.basename(path))
    return (-os.path.getmtime(path), -(int(m.group(1)) if m else -1))


def remove_partial_writes(work_dir: str) -> List[str]:
    """Delete the temporary files of checkpoint writes that a kill interrupted (``*.pth.tmp.<pid>``)."""
    removed = []
    for tmp in glob.glob(os.path.join(work_dir, "*.pth.tmp.*")):
        try:
            os.remove(tmp)
            removed.append(tmp)
        except FileNotFoundError:  # another rank removed it
            pass
    return removed


def find_resumable_checkpoint(work_dir: str) -> Tuple[Optional[str], List[Tuple[str, str]]]:
    """The newest checkpoint of ``work_dir`` that reads, and the newer ones skipped as damaged (path, why).

    Candidates: the file ``last_checkpoint`` names, then ``epoch_N.pth`` / ``iter_N.pth`` / ``resume_iter_N.pth``
    (mid-epoch, :mod:`.preemption`), newest written first. A run killed
    mid-write cannot leave a truncated file (writes are atomic), but a disk that filled up or a copy that broke can.
    """
    candidates: List[str] = []
    pointer = os.path.join(work_dir, "last_checkpoint")
    if os.path.isfile(pointer):
        with open(pointer, encoding="utf-8") as f:
            named = f.read().strip()
        if named:
            candidates.append(named if os.path.isabs(named) else os.path.join(work_dir, os.path.basename(named)))
    files = [f for pattern in ("epoch_*.pth", "iter_*.pth", "resume_iter_*.pth")
             for f in glob.glob(os.path.join(work_dir, pattern))]
    candidates += sorted(files, key=_newest_first)
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
