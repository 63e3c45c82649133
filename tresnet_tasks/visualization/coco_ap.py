"""Per-category box AP of a detection test run, from the files it wrote, drawn as a chart (pycocotools only:
no MMDetection needed to redraw it).

pycocotools' COCOeval holds AP per category in ``eval['precision']`` (IoU x recall x category x area x max-dets);
mmdet's ``CocoMetric(classwise=True)`` prints the same numbers as a table in the log only. Here they are read from
``<prefix>.bbox.json`` (the detections tools/test.py writes) and the annotation file, so the chart can be redrawn
from any finished run.
"""
from __future__ import annotations

import contextlib
import io
import json
from typing import Dict, Optional

import numpy as np

from .charts import sorted_bars


def per_category_ap(ann_file: str, det_file: str) -> Dict[str, Optional[float]]:
    """COCO box AP (IoU 0.50:0.95, all areas, 100 detections) per category name, x100; None for a category
    without ground truth."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints progress; the tool's log has it
        gt = COCO(ann_file)
        with open(det_file, encoding="utf-8") as f:
            dets = json.load(f)
        if not dets:  # pycocotools cannot load an empty result list: AP 0 where there is ground truth
            return {c["name"]: (0.0 if gt.getAnnIds(catIds=[c["id"]]) else None) for c in gt.loadCats(gt.getCatIds())}
        ev = COCOeval(gt, gt.loadRes(dets), "bbox")
        ev.evaluate()
        ev.accumulate()
    precision = ev.eval["precision"][:, :, :, 0, -1]  # all areas, maxDets 100
    out = {}
    for k, cat_id in enumerate(ev.params.catIds):
        p = precision[:, :, k]
        p = p[p > -1]
        out[gt.cats[int(cat_id)]["name"]] = 100 * float(np.mean(p)) if p.size else None
    return out


def draw_per_category_ap(ann_file: str, det_file: str, out_png: str) -> Dict[str, Optional[float]]:
    """Compute per-category AP, write it next to the chart (``.json``) and draw the sorted bars."""
    ap = per_category_ap(ann_file, det_file)
    with open(out_png[:-4] + ".json", "w", encoding="utf-8") as f:
        json.dump(ap, f, indent=1)
    known = [a for a in ap.values() if a is not None]
    sorted_bars(list(ap), list(ap.values()), out_png,
                f"per-category box AP (mAP {np.mean(known) if known else 0.0:.1f})", "AP@[.5:.95] (%)")
    return ap
