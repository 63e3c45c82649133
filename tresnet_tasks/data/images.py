"""One policy for images that are missing or cannot be decoded, the same in detection, multi-label and transfer.

- Missing: every reader checks its whole image list up front (:func:`require_images`), one message form.
- Unreadable, in training: the image is skipped (the dataset draws another sample), and each bad file is named once
  in the log with a running count, so a handful of broken downloads does not kill a long run.
- Unreadable, in evaluation/test: an error naming the file (:class:`~tresnet_tasks.errors.DatasetError`), because
  skipping would silently change the reported metric.
"""
from __future__ import annotations

import os
from typing import Iterable, List, Optional

from mmengine.logging import print_log

from ..errors import DatasetError

_reported: set = set()


def image_problem(path: str) -> Optional[str]:
    """Why ``path`` cannot be decoded as an image (``None`` if it can), checked as both PIL and OpenCV read it."""
    import numpy as np
    from PIL import Image
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if not data:
        return "empty file (0 bytes)"
    try:
        import cv2
        if cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) is None:
            return "not a decodable image"
    except ImportError:
        pass
    try:
        import io
        with Image.open(io.BytesIO(data)) as img:
            img.load()
    except Exception as exc:  # PIL raises OSError, SyntaxError, ValueError, DecompressionBombError...
        return f"not a decodable image ({str(exc).splitlines()[0][:100] if str(exc) else type(exc).__name__})"
    return None


def skip_unreadable(path: str, why: str) -> None:
    """Training: log the bad file once (with how many so far); the caller returns None to draw another sample."""
    if path not in _reported:
        _reported.add(path)
        print_log(f"unreadable image skipped ({len(_reported)} so far): {path}: {why}", logger="current", level=30)


def unreadable_in_evaluation(path: str, why: str = "") -> DatasetError:
    return DatasetError(f"unreadable image in evaluation data: {path}{f' ({why})' if why else ''}; replace or "
                        "remove it (evaluation does not skip images)")


def missing_images(paths: Iterable[str]) -> List[str]:
    """The paths that are not files on disk. Every reader checks its whole list up front with this (not mid-epoch,
    hours into a run); a reader that may leave missing images out (NUS-WIDE's dead URLs) uses the list itself."""
    return [p for p in paths if not os.path.isfile(p)]


def require_images(paths: Iterable[str], source: str, hint: str = "") -> None:
    """One :class:`DatasetError` for every reader: how many images of ``source`` are missing, three of them, and
    what to do (``hint``)."""
    missing = missing_images(paths)
    if missing:
        raise DatasetError(f"{len(missing)} image(s) listed in {source} are missing (e.g. {missing[:3]})"
                           + (f"; {hint}" if hint else ""))
