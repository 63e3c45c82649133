"""The peer at its best on this machine: its candidate forms are measured in the same run and the fastest one is
the baseline every ratio divides by.

Which memory format is faster differs per machine (a 2-core AVX2 EPYC ran mmdet's FCOS-R50 1.16x faster in NCHW
than in channels_last; AVX-512 machines the other way round), so a fixed choice handicaps the peer somewhere.
"""
from __future__ import annotations

import math
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from ..fileio.config_text import base_names
from .specs import DetectorSpec, ModelSpec, Spec

BEST = "best"
DEFAULT_PEER = "timm:tresnet_m"
DEFAULT_DET_PEER = "mmdet::fcos/fcos_r50-caffe_fpn_gn-head_1x_coco.py"


def mmdet_base(config: str) -> Optional[str]:
    """The ``mmdet::`` config a detection config file was written over, following its ``_base_`` chain (RetinaNet
    R50's for this project's RetinaNet configs); None for configs built from this project's own bases (FCOS)."""
    if config.startswith("mmdet::") or not osp.isfile(config):
        return None
    for base in base_names(open(config, encoding="utf-8").read()):
        if base.startswith("mmdet::"):
            return base
        found = mmdet_base(osp.join(osp.dirname(config), base))
        if found:
            return found
    return None


def default_det_peer(specs: Sequence[Spec]) -> str:
    """The detection peer when ``--peer`` is not given: mmdet's R50 version of the same detector as the first of our
    configs (same heads, neck and schedule; only the backbone differs), else mmdet's FCOS-R50."""
    for spec in specs:
        if isinstance(spec, DetectorSpec):
            base = mmdet_base(spec.config)
            if base:
                return base
    return DEFAULT_DET_PEER


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

