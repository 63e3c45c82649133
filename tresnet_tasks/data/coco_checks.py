"""Validation of COCO-format annotation files before anything trains on them.

pycocotools and mmdet fail late (a KeyError mid-epoch, or silently dropping every box when the category names do
not match the config); these checks fail early with a message that names the file and the fix.
"""
from __future__ import annotations

import json
import os
from typing import Dict, List, Optional, Sequence, Tuple

from ..errors import DatasetError
from .images import require_images

# The 80 categories of the official instances_{train,val}{2014,2017}.json, in the files' order (ids 1..90 with gaps).
# Published COCO multi-label models (ASL, ML-Decoder) output their classes in this order.
COCO_CLASSES = (
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
    "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
    "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
    "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
    "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
    "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
    "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone",
    "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors", "teddy bear",
    "hair drier", "toothbrush")

REQUIRED_TOP = ("images", "annotations", "categories")
REQUIRED_IMAGE = ("id", "file_name", "width", "height")
REQUIRED_ANN = ("id", "image_id", "category_id")


def load_coco_json(ann_file: str, data_root: Optional[str] = None) -> dict:
    """Read and structurally check a COCO ``instances_*.json``."""
    if not os.path.isfile(ann_file):
        root = data_root if data_root else os.path.dirname(os.path.dirname(ann_file)) or "."
        hint = (f"the dataset root {root!r} does not exist" if not os.path.isdir(root)
                else f"{root!r} contains {sorted(os.listdir(root))[:10]}")
        raise DatasetError(f"COCO annotation file not found: {ann_file} ({hint}). Put COCO 2017 under data/coco "
                           "(annotations/instances_{train,val}2017.json, train2017/, val2017/) or point the config "
                           "at your copy with --cfg-options data_root=... (see README)")
    try:
        with open(ann_file, encoding="utf-8") as f:
            data = json.load(f)
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{ann_file} is not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise DatasetError(f"{ann_file}: expected a COCO dict with {REQUIRED_TOP}, got {type(data).__name__}")
    missing = [k for k in REQUIRED_TOP if k not in data]
    if missing:
        raise DatasetError(f"{ann_file} lacks the COCO field(s) {missing} (has {sorted(data)}): is this a COCO "
                           "'instances' file? Captions/keypoints files and image-info-only files cannot train")
    for kind, items, fields in (("image", data["images"], REQUIRED_IMAGE), ("annotation", data["annotations"],
                                                                           REQUIRED_ANN)):
        for item in items:
            lacking = [f for f in fields if f not in item]
            if lacking:
                raise DatasetError(f"{ann_file}: {kind} entry {str(item)[:120]} lacks {lacking}")
    for cat in data["categories"]:
        if "id" not in cat or "name" not in cat:
            raise DatasetError(f"{ann_file}: category entry {cat} lacks 'id' or 'name'")
    return data


def check_references(data: dict, ann_file: str) -> None:
    """Every annotation must point at a listed image and a listed category."""
    image_ids = {img["id"] for img in data["images"]}
    cat_ids = {c["id"] for c in data["categories"]}
    orphans = [a["id"] for a in data["annotations"] if a["image_id"] not in image_ids]
    if orphans:
        raise DatasetError(f"{ann_file}: {len(orphans)} annotation(s) point at image ids missing from 'images' "
                           f"(annotation ids {orphans[:5]}); the file is inconsistent, re-export it")
    bad_cats = sorted({a["category_id"] for a in data["annotations"] if a["category_id"] not in cat_ids})
    if bad_cats:
        raise DatasetError(f"{ann_file}: annotations use category id(s) {bad_cats[:10]} that are not in "
                           "'categories'; add them to 'categories' or drop those annotations")


def check_image_files(data: dict, img_dir: str, ann_file: str, only_ids: Optional[set] = None) -> None:
    """Every image listed must exist on disk (checked up front, not mid-epoch)."""
    if not os.path.isdir(img_dir):
        raise DatasetError(f"image folder not found: {img_dir} (for {ann_file}); set data_prefix=dict(img=...) "
                           "or data_root to where the images are")
    require_images((os.path.join(img_dir, img["file_name"]) for img in data["images"]
                    if only_ids is None or img["id"] in only_ids), ann_file,
                   "point data_prefix=dict(img=...) or data_root at the folder that holds them")


def count_bad_boxes(data: dict) -> Tuple[int, int]:
    """(boxes with non-positive size, boxes lying entirely outside their image): both are skipped in training."""
    sizes: Dict[int, Tuple[float, float]] = {img["id"]: (img["width"], img["height"]) for img in data["images"]}
    non_positive = outside = 0
    for ann in data["annotations"]:
        box = ann.get("bbox")
        if not box or len(box) != 4 or box[2] <= 0 or box[3] <= 0:
            non_positive += 1
            continue
        x, y, w, h = box
        img_w, img_h = sizes[ann["image_id"]]
        if min(x + w, img_w) - max(x, 0) <= 0 or min(y + h, img_h) - max(y, 0) <= 0:
            outside += 1
    return non_positive, outside


def check_class_names(data: dict, classes: Sequence[str], ann_file: str) -> None:
    """The config's class names must all be categories of the json (else mmdet silently drops their boxes)."""
    names: List[str] = [c["name"] for c in data["categories"]]
    unknown = [c for c in classes if c not in names]
    if unknown:
        raise DatasetError(f"{ann_file}: the config's classes {list(unknown)[:5]}{'...' if len(unknown) > 5 else ''}"
                           f" are not categories of this file (it has {names[:10]}"
                           f"{'...' if len(names) > 10 else ''}); set metainfo=dict(classes=...) and the head's "
                           "num_classes to match the data")
