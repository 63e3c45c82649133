"""Partial labels from full ones, reproducibly: the protocols of CSL (Ben-Baruch et al., "Multi-label
Classification with Partial Annotations using Class-aware Selective Loss", CVPR 2022), so partial-label training
can be studied on COCO (or the generated demo data) where the hidden labels are known.

- ``per_image``: every (image, class) label is kept with probability ``keep``, independently;
- ``per_class``: for every class, the labels of ``images`` randomly chosen images are kept (positive or negative,
  as they are), as an annotation budget per class (not CSL's protocol: the kept positives follow the class's
  frequency);
- ``fpc`` (CSL's fixed-per-class, ``--simulate_partial_type=fpc --simulate_partial_param=N``): for every class,
  ``min(N, #positives)`` of its positives and ``min(N, #negatives)`` of its negatives are kept, each drawn without
  replacement (``images=N``).

Everything not kept becomes unknown (-1). Entries must come from a fully labelled reader (no ``gt_neg``).
"""
from __future__ import annotations

from typing import List

import numpy as np

from ...errors import ConfigError
from ..targets import NEGATIVE, POSITIVE, UNKNOWN, dense_target, sparse_target


def simulate_partial_labels(entries: List[dict], num_classes: int, mode: str = "per_image", keep: float = 0.5,
                            images: int = 0, seed: int = 0) -> List[dict]:
    """The entries with ``gt_pos`` / ``gt_neg`` reduced to the kept labels (the rest unknown)."""
    if mode not in ("per_image", "per_class", "fpc"):
        raise ConfigError(f"partial_labels mode must be 'per_image', 'per_class' or 'fpc', got {mode!r}")
    if mode == "per_image" and not 0 < keep <= 1:
        raise ConfigError(f"partial_labels keep must be in (0, 1], got {keep}")
    if mode in ("per_class", "fpc") and images <= 0:
        raise ConfigError(f"partial_labels mode {mode!r} needs images > 0, got {images}")
    if any("gt_neg" in e for e in entries):
        raise ConfigError("partial_labels simulates partial labels from full ones; this dataset is partial already")
    rng = np.random.default_rng(seed)
    n = len(entries)
    if mode == "per_image":
        kept = rng.random((n, num_classes)) < keep
    elif mode == "fpc":
        kept = np.zeros((n, num_classes), dtype=bool)
        label = np.stack([dense_target(entry, num_classes, np.int8) for entry in entries])
        for c in range(num_classes):
            for rows in (np.flatnonzero(label[:, c] == POSITIVE), np.flatnonzero(label[:, c] == NEGATIVE)):
                kept[rng.choice(rows, size=min(images, rows.size), replace=False), c] = True
    else:
        kept = np.zeros((n, num_classes), dtype=bool)
        for c in range(num_classes):
            kept[rng.choice(n, size=min(images, n), replace=False), c] = True
    out = []
    for i, entry in enumerate(entries):
        full = dense_target(entry, num_classes, np.int8)
        full[~kept[i]] = UNKNOWN
        new = {k: v for k, v in entry.items() if k not in ("gt_pos", "gt_unk")}
        new.update(sparse_target(np.nonzero(full == POSITIVE)[0], negative=np.nonzero(full == NEGATIVE)[0]))
        out.append(new)
    return out
