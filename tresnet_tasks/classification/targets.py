"""Multi-label targets, one encoding for the whole package: dense, a float32 (or int8) vector per image with
1 positive, 0 negative, -1 unknown (partial labels); sparse, the same as index lists of the classes whose label is
listed (``gt_pos``, and ``gt_neg`` or ``gt_unk``, int32 bytes).

Sparse targets keep an Open Images-sized index (1.7 M images x 9,605 classes, about 9 known labels each) at a few
hundred MB: the readers store them in mmengine's serialised data list that loader workers share, partial labels are
simulated on them, and the metric keeps and gathers them across ranks instead of dense rows. Without ``gt_neg``
every class not listed is a negative (a fully labelled set); with it, every class not listed is unknown.
"""
from __future__ import annotations

from typing import Dict, Optional, Sequence

import numpy as np

POSITIVE, NEGATIVE, UNKNOWN = 1, 0, -1
_INDEX = np.int32


def sparse_target(positive: Sequence[int], negative: Optional[Sequence[int]] = None,
                  unknown: Optional[Sequence[int]] = None) -> Dict[str, bytes]:
    """One image's labels, compact: ``negative=None`` means every class not listed as positive or unknown is a
    negative (a fully labelled set); given, every class not listed anywhere is unknown (partial labels)."""
    out = {"gt_pos": np.asarray(sorted(set(positive)), _INDEX).tobytes()}
    if negative is not None:
        out["gt_neg"] = np.asarray(sorted(set(negative)), _INDEX).tobytes()
    if unknown is not None and len(unknown):
        out["gt_unk"] = np.asarray(sorted(set(unknown)), _INDEX).tobytes()
    return out


def target_indices(info: dict, key: str) -> np.ndarray:
    """The class indices of one field (``gt_pos``, ``gt_neg``, ``gt_unk``) of a sparse target; empty if absent."""
    return np.frombuffer(info.get(key, b""), dtype=_INDEX)


def dense_target(info: dict, num_classes: int, dtype=np.float32) -> np.ndarray:
    """(C,) from a sparse target: 1 positive, 0 negative, -1 unknown."""
    y = np.full(num_classes, UNKNOWN if "gt_neg" in info else NEGATIVE, dtype=dtype)
    y[target_indices(info, "gt_neg")] = NEGATIVE
    y[target_indices(info, "gt_unk")] = UNKNOWN
    y[target_indices(info, "gt_pos")] = POSITIVE
    return y


def sparse_from_dense(gt) -> Dict[str, bytes]:
    """A dense target (1 / 0 / -1, any float or int dtype) as a sparse one listing the rarer of its negatives and
    unknowns, so a sample of a 9,605-class set costs bytes, not 9,605 values."""
    gt = np.asarray(gt)
    pos = np.nonzero(gt > 0.5)[0]
    neg, unk = np.nonzero((gt > -0.5) & (gt < 0.5))[0], np.nonzero(gt < -0.5)[0]
    return sparse_target(pos, negative=neg) if len(neg) < len(unk) else sparse_target(pos, unknown=unk)


def dense_targets(targets: Sequence, num_classes: int) -> np.ndarray:
    """int8 (N, C) from sparse targets (a dense row is taken as it is)."""
    out = np.empty((len(targets), num_classes), dtype=np.int8)
    for i, target in enumerate(targets):
        if isinstance(target, dict):
            out[i] = dense_target(target, num_classes, np.int8)
        else:
            row = np.asarray(target)
            out[i] = np.where(row > 0.5, POSITIVE, np.where(row < -0.5, UNKNOWN, NEGATIVE))
    return out
