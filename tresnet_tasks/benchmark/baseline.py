"""The peer at its best on this machine: its candidate forms are measured in the same run and the fastest one is
the baseline every ratio divides by.

Which memory format is faster differs per machine (a 2-core AVX2 EPYC ran mmdet's FCOS-R50 1.16x faster in NCHW
than in channels_last; AVX-512 machines the other way round), so a fixed choice handicaps the peer somewhere.
"""
from __future__ import annotations

import math
from typing import Dict, List, Sequence, Tuple

from .specs import ModelSpec, Spec

BEST = "best"
DEFAULT_PEER = "timm:tresnet_m"
DEFAULT_DET_PEER = "mmdet::fcos/fcos_r50-caffe_fpn_gn-head_1x_coco.py"


def peer_forms(task: str, peer: str, specs: Sequence[Spec]) -> List[str]:
    """The peer's candidate forms: NCHW and channels_last; compiled too where any of our rows is compiled."""
    if task == "detection":
        return [peer, f"{peer}::cl"]
    forms = [peer, f"{peer}::cl"]
    if any(isinstance(s, ModelSpec) and s.source == "ours" and "compile" in s.options for s in specs):
        forms += [f"{peer}::compile", f"{peer}::cl+compile"]
    return forms


def _speed(row: Dict) -> float:
    """Geometric mean of the row's measured speeds (inference and training images/s): one number per form."""
    speeds = [row[k] for k in ("infer_img_s", "train_img_s") if row.get(k)]
    return math.exp(sum(math.log(s) for s in speeds) / len(speeds)) if speeds else 0.0


def pick_fastest(rows: Sequence[Dict], candidates: Sequence[str]) -> Tuple[str, str]:
    """(the fastest candidate's name, a line saying how each form did)."""
    measured = [(_speed(r), r["model"]) for r in rows if r["model"] in candidates]
    if not measured or max(measured)[0] <= 0:
        raise ValueError(f"none of the peer's forms {list(candidates)} was measured")
    best = max(measured)[1]
    detail = ", ".join(f"{name} {speed:.3g}" for speed, name in measured)
    return best, (f"baseline {best}: the fastest form of the peer on this machine (geometric mean of its "
                  f"inference and training img/s: {detail})")

