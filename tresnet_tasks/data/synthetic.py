"""Generators of small datasets in the real on-disk formats, for the demo and the tests (no downloads here).

``make_shapes_coco`` writes a COCO 2017-layout detection set: JPEGs of coloured shapes (circle, square, triangle)
at varied sizes and positions on textured backgrounds, with ``annotations/instances_{train,val}2017.json``.
The same files serve multi-label classification (an image's labels are the categories of its boxes).
"""
from __future__ import annotations

import json
import os
from typing import Dict, List, Optional, Sequence

import numpy as np
from PIL import Image, ImageDraw

SHAPES = ("circle", "square", "triangle")
ALL_SHAPES = SHAPES + ("diamond", "cross", "ring")
# COCO 2017's category ids of its 80 classes, in json order (ids have gaps up to 90)
COCO_IDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 27, 28, 31, 32, 33,
            34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61,
            62, 63, 64, 65, 67, 70, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 84, 85, 86, 87, 88, 89, 90]


def shape_polygons(kind: str, box: Sequence[float], points: int = 32) -> List[List[float]]:
    """A shape as COCO polygons (``[[x1, y1, x2, y2, ...], ...]``); a ring is one polygon with a thin slit, so that
    its hole is outside it."""
    x0, y0, x1, y1 = box
    cx, cy, w = (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0
    t = np.linspace(0, 2 * np.pi, points, endpoint=False)

    def circle(r):
        return [(cx + r * np.cos(a), cy + r * np.sin(a)) for a in t]
    if kind == "circle":
        pts = [circle(w / 2)]
    elif kind == "square":
        pts = [[(x0, y0), (x1, y0), (x1, y1), (x0, y1)]]
    elif kind == "triangle":
        pts = [[(cx, y0), (x1, y1), (x0, y1)]]
    elif kind == "diamond":
        pts = [[(cx, y0), (x1, cy), (cx, y1), (x0, cy)]]
    elif kind == "cross":
        a, b = w / 6, w / 2
        pts = [[(cx - a, cy - b), (cx + a, cy - b), (cx + a, cy - a), (cx + b, cy - a), (cx + b, cy + a),
                (cx + a, cy + a), (cx + a, cy + b), (cx - a, cy + b), (cx - a, cy + a), (cx - b, cy + a),
                (cx - b, cy - a), (cx - a, cy - a)]]
    elif kind == "ring":
        outer, inner = circle(w / 2), circle(w / 2 - max(2, w / 6))
        pts = [outer + [outer[0]] + [inner[0]] + inner[::-1]]
    else:
        raise ValueError(f"unknown shape {kind!r}")
    return [[round(float(v), 2) for xy in poly for v in xy] for poly in pts]


def _polygon_area(poly: Sequence[float]) -> float:
    x, y = np.asarray(poly[0::2]), np.asarray(poly[1::2])
    return float(abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))) / 2)


def _draw_shape(draw: ImageDraw.ImageDraw, kind: str, box: Sequence[float], color) -> None:
    x0, y0, x1, y1 = box
    cx, cy, w = (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0
    if kind == "circle":
        draw.ellipse(box, fill=color)
    elif kind == "square":
        draw.rectangle(box, fill=color)
    elif kind == "triangle":
        draw.polygon([(cx, y0), (x1, y1), (x0, y1)], fill=color)
    elif kind == "diamond":
        draw.polygon([(cx, y0), (x1, cy), (cx, y1), (x0, cy)], fill=color)
    elif kind == "cross":
        draw.rectangle((cx - w / 6, y0, cx + w / 6, y1), fill=color)
        draw.rectangle((x0, cy - w / 6, x1, cy + w / 6), fill=color)
    elif kind == "ring":
        draw.ellipse(box, outline=color, width=max(2, int(w / 6)))
    else:
        raise ValueError(f"unknown shape {kind!r}")


def _make_split(root: str, split: str, n: int, size: int, rng: np.random.Generator, max_objects: int,
                min_frac: float, max_frac: float, categories: List[Dict], shapes: Sequence[str],
                with_masks: bool = False) -> dict:
    img_dir = os.path.join(root, f"{split}2017")
    os.makedirs(img_dir, exist_ok=True)
    images: List[Dict] = []
    annotations: List[Dict] = []
    for i in range(n):
        w = int(size * rng.uniform(0.8, 1.2)) // 8 * 8
        h = int(size * rng.uniform(0.8, 1.2)) // 8 * 8
        base = rng.integers(0, 90, size=3)
        noise = rng.integers(0, 40, size=(h, w, 3))
        img = Image.fromarray((base + noise).clip(0, 255).astype(np.uint8))
        draw = ImageDraw.Draw(img)
        image_id = len(images) + 1 + (0 if split == "train" else 100000)
        placed: List[Sequence[float]] = []
        for _ in range(int(rng.integers(1, max_objects + 1))):
            for _attempt in range(20):  # avoid heavy overlap so every shape stays visible
                side = rng.uniform(min_frac, max_frac) * min(w, h)
                x0, y0 = rng.uniform(0, w - side), rng.uniform(0, h - side)
                box = (x0, y0, x0 + side, y0 + side)
                if all(min(box[2], b[2]) - max(box[0], b[0]) < side * 0.3 or
                       min(box[3], b[3]) - max(box[1], b[1]) < side * 0.3 for b in placed):
                    break
            else:
                continue
            placed.append(box)
            cat = int(rng.integers(0, len(shapes)))
            color = tuple(int(c) for c in rng.integers(150, 256, size=3))
            bw, bh = box[2] - box[0], box[3] - box[1]
            ann = dict(id=len(annotations) + 1 + (0 if split == "train" else 1000000), image_id=image_id,
                       category_id=categories[cat]["id"],
                       bbox=[round(box[0], 2), round(box[1], 2), round(bw, 2), round(bh, 2)],
                       area=round(bw * bh, 2), iscrowd=0)
            if with_masks:  # the image shows exactly the polygons the annotation lists
                polygons = shape_polygons(shapes[cat], box)
                for poly in polygons:
                    draw.polygon(list(zip(poly[0::2], poly[1::2])), fill=color)
                ann["segmentation"] = polygons
                ann["area"] = round(sum(_polygon_area(poly) for poly in polygons), 2)
            else:
                _draw_shape(draw, shapes[cat], box, color)
            annotations.append(ann)
        name = f"{image_id:012d}.jpg"
        img.save(os.path.join(img_dir, name), quality=92)
        images.append(dict(id=image_id, file_name=name, width=w, height=h))
    data = dict(info=dict(description="tresnet-tasks synthetic shapes"), licenses=[], images=images,
                annotations=annotations, categories=categories)
    os.makedirs(os.path.join(root, "annotations"), exist_ok=True)
    with open(os.path.join(root, "annotations", f"instances_{split}2017.json"), "w", encoding="utf-8") as f:
        json.dump(data, f)
    return data


def make_shapes_coco(root: str, num_train: int = 200, num_val: int = 50, size: int = 128, seed: int = 0,
                     max_objects: int = 3, min_frac: float = 0.2, max_frac: float = 0.5,
                     category_names: Optional[Sequence[str]] = None, shapes: Sequence[str] = SHAPES,
                     with_masks: bool = False) -> str:
    """Write the shapes dataset under ``root`` (COCO 2017 layout) unless it is already complete; return root.

    ``shapes``: which of ``ALL_SHAPES`` to draw (one category each). ``category_names``: list these categories
    instead of the shape names (e.g. the 80 COCO names, with COCO's category ids when there are 80), the shapes
    being labelled as the first ones; so a config written for real COCO runs unchanged on the generated files.
    ``with_masks``: shapes drawn from COCO polygons that each annotation carries as ``segmentation`` (instance
    segmentation, Mask R-CNN).
    """
    if category_names is None:
        categories = [dict(id=i + 1, name=s, supercategory="shape") for i, s in enumerate(shapes)]
    else:
        ids = COCO_IDS if len(category_names) == len(COCO_IDS) else list(range(1, len(category_names) + 1))
        categories = [dict(id=i, name=n, supercategory="object") for i, n in zip(ids, category_names)]
    done = os.path.join(root, ".complete")
    if os.path.isfile(done):
        return root
    rng = np.random.default_rng(seed)
    _make_split(root, "train", num_train, size, rng, max_objects, min_frac, max_frac, categories, shapes, with_masks)
    _make_split(root, "val", num_val, size, rng, max_objects, min_frac, max_frac, categories, shapes, with_masks)
    with open(done, "w", encoding="utf-8") as f:
        f.write(f"train={num_train} val={num_val} size={size} seed={seed} shapes={','.join(shapes)}\n")
    return root


def make_cifar_pickles(root: str, num_classes: int = 10, num_train: int = 500, num_test: int = 200,
                       seed: int = 0) -> str:
    """Write a CIFAR-format set (the real python pickles: ``cifar-10-batches-py/`` or ``cifar-100-python/``)
    whose class k is shape ``ALL_SHAPES[k % 6]`` in colour family ``k // 6``, 32x32 on a noisy background."""
    rng = np.random.default_rng(seed)
    families = [(200, 60, 60), (60, 200, 60), (60, 60, 220), (210, 210, 60)] * 25

    def sample(label: int) -> np.ndarray:
        img = Image.fromarray(rng.integers(0, 70, size=(32, 32, 3)).astype(np.uint8))
        side = rng.uniform(14, 26)
        x0, y0 = rng.uniform(0, 32 - side), rng.uniform(0, 32 - side)
        base = np.array(families[label // len(ALL_SHAPES)])
        color = tuple(int(c) for c in np.clip(base + rng.integers(-30, 30, size=3), 0, 255))
        _draw_shape(ImageDraw.Draw(img), ALL_SHAPES[label % len(ALL_SHAPES)], (x0, y0, x0 + side, y0 + side), color)
        return np.asarray(img).transpose(2, 0, 1).reshape(-1)

    def batch(n: int) -> Dict:
        labels = rng.integers(0, num_classes, size=n).tolist()
        return {"data": np.stack([sample(k) for k in labels]).astype(np.uint8), "labels": labels}

    import pickle
    names = [f"class_{k}" for k in range(num_classes)]
    if num_classes == 10:
        folder = os.path.join(root, "cifar-10-batches-py")
        os.makedirs(folder, exist_ok=True)
        per = [num_train // 5 + (1 if i < num_train % 5 else 0) for i in range(5)]
        files = {f"data_batch_{i + 1}": batch(n) for i, n in enumerate(per)}
        files["test_batch"] = batch(num_test)
        files["batches.meta"] = {"label_names": names, "num_cases_per_batch": per[0], "num_vis": 3072}
    else:
        folder = os.path.join(root, "cifar-100-python")
        os.makedirs(folder, exist_ok=True)
        files = {}
        for split, n in (("train", num_train), ("test", num_test)):
            b = batch(n)
            files[split] = {"data": b["data"], "fine_labels": b["labels"],
                            "coarse_labels": [k // 5 for k in b["labels"]], "filenames": [f"{i}.png" for i in range(n)]}
        files["meta"] = {"fine_label_names": names, "coarse_label_names": [f"super_{k}" for k in range(20)]}
    for name, obj in files.items():
        with open(os.path.join(folder, name), "wb") as f:
            pickle.dump(obj, f)
    return root
