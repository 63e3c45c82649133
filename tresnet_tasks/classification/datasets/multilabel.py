"""Multi-label datasets: COCO instances json -> 80-way multi-hot targets, and a generic image-list format.

Both validate up front (clear :class:`DatasetError` before training) and report what they skip:
- COCO: categories are mapped to labels in json order; an annotation whose category is not in ``categories`` or
  whose image is not in ``images`` is an error (the label mapping would silently be wrong); images without any
  annotation are dropped (``drop_empty=True``, as the published 82,081 / 40,137 counts) or kept as all-negative;
  listed image files must exist.
- List format: CSV ``image,labels`` with labels joined by ``|`` (header optional), or JSON
  ``[{"image": path, "labels": [names]}]``; classes from ``metainfo=dict(classes=...)`` or the sorted union.
- Unreadable/corrupt image files: skipped with a logged count in training (see ``LoadImagePIL``).
"""
from __future__ import annotations

import csv
import json
import os.path as osp
from typing import List, Optional

from mmengine.logging import print_log
from mmengine.registry import DATASETS

from ...data.coco_checks import check_image_files, check_references, load_coco_json
from ...data.images import require_images
from ...errors import DatasetError
from .base import MultiLabelDataset, sparse_target


@DATASETS.register_module()
class CocoMultiLabelDataset(MultiLabelDataset):
    """MS-COCO (2014 or 2017) instances json + image folder as a multi-label classification set.

    Args:
        ann_file: ``instances_*.json`` (relative to ``data_root``).
        data_root: dataset folder.
        data_prefix: ``dict(img_path='train2014/')``, the image folder.
        drop_empty: leave out images without any label (the published counts).
        check_images: check up front that every listed image file exists.
        **kwargs: :class:`~.base.MultiLabelDataset` arguments (``partial_labels``) and mmengine ``BaseDataset``
            ones (``pipeline``, ``test_mode``...).
    """

    def __init__(self, ann_file: str, data_root: str = "", data_prefix: Optional[dict] = None,
                 drop_empty: bool = True, check_images: bool = True, **kwargs):
        self.drop_empty = drop_empty
        self.check_images = check_images
        super().__init__(ann_file=ann_file, data_root=data_root, data_prefix=data_prefix or dict(img_path=""),
                         **kwargs)

    def load_entries(self) -> List[dict]:
        data = load_coco_json(self.ann_file, self.data_root)
        check_references(data, self.ann_file)
        classes = [c["name"] for c in data["categories"]]
        want = self._metainfo.get("classes")
        if want and list(want) != classes:
            raise DatasetError(f"{self.ann_file}: its categories {classes[:5]}... differ from the configured classes "
                               f"{list(want)[:5]}...; drop metainfo.classes to take them from the json")
        self._metainfo["classes"] = tuple(classes)
        label_of = {c["id"]: i for i, c in enumerate(data["categories"])}
        labels = {img["id"]: set() for img in data["images"]}
        for ann in data["annotations"]:
            labels[ann["image_id"]].add(label_of[ann["category_id"]])
        images = data["images"]
        empty = [img for img in images if not labels[img["id"]]]
        if self.drop_empty:
            images = [img for img in images if labels[img["id"]]]
        img_dir = self.data_prefix.get("img_path", "")
        if self.check_images:
            check_image_files({"images": images}, img_dir, self.ann_file)
        print_log(f"{osp.basename(self.ann_file)}: {len(images)} images, {len(classes)} classes; "
                  f"{len(empty)} image(s) without annotations "
                  f"{'dropped' if self.drop_empty else 'kept as all-negative'}", logger="current")
        if not images:
            raise DatasetError(f"{self.ann_file}: no image left to use (all {len(data['images'])} lack annotations)")
        return [dict(img_path=osp.join(img_dir, img["file_name"]), img_id=img["id"],
                     **sparse_target(labels[img["id"]])) for img in images]


@DATASETS.register_module()
class MultiLabelListDataset(MultiLabelDataset):
    """A custom multi-label set from a CSV (``image,labels`` with ``|``-joined names) or JSON list.

    Args:
        ann_file: the CSV or JSON list (relative to ``data_root``).
        data_root: dataset folder.
        data_prefix: ``dict(img_path=...)``, the image folder.
        drop_empty: leave out images without any label.
        **kwargs: :class:`~.base.MultiLabelDataset` arguments (``partial_labels``) and mmengine ``BaseDataset``
            ones (``metainfo=dict(classes=...)``, ``pipeline``...).
    """

    def __init__(self, ann_file: str, data_root: str = "", data_prefix: Optional[dict] = None,
                 drop_empty: bool = True, **kwargs):
        self.drop_empty = drop_empty
        super().__init__(ann_file=ann_file, data_root=data_root, data_prefix=data_prefix or dict(img_path=""),
                         **kwargs)

    def _read_entries(self):
        if not osp.isfile(self.ann_file):
            raise DatasetError(f"multi-label list not found: {self.ann_file}")
        if self.ann_file.endswith(".json"):
            with open(self.ann_file, encoding="utf-8") as f:
                items = json.load(f)
            if not isinstance(items, list) or not all(isinstance(i, dict) and "image" in i and "labels" in i
                                                      for i in items):
                raise DatasetError(f"{self.ann_file}: expected a JSON list of {{'image': path, 'labels': [names]}}")
            return [(i["image"], list(i["labels"])) for i in items]
        rows = []
        with open(self.ann_file, newline="", encoding="utf-8") as f:
            for n, row in enumerate(csv.reader(f)):
                if n == 0 and row[:2] == ["image", "labels"]:
                    continue
                if len(row) != 2:
                    raise DatasetError(f"{self.ann_file}:{n + 1}: expected 2 columns 'image,labels', got {row}")
                rows.append((row[0], [x for x in row[1].split("|") if x.strip()]))
        return rows

    def load_entries(self) -> List[dict]:
        entries = self._read_entries()
        classes = list(self._metainfo.get("classes") or sorted({lab for _, labs in entries for lab in labs}))
        index = {c: i for i, c in enumerate(classes)}
        unknown = sorted({lab for _, labs in entries for lab in labs if lab not in index})
        if unknown:
            raise DatasetError(f"{self.ann_file}: label(s) {unknown[:10]} are not among the configured classes")
        self._metainfo["classes"] = tuple(classes)
        img_dir = self.data_prefix.get("img_path", "")
        empty = sum(1 for _, labs in entries if not labs)
        if empty:
            print_log(f"{osp.basename(self.ann_file)}: {empty} entr(y/ies) with an empty label list "
                      f"{'skipped' if self.drop_empty else 'kept as all-negative'}", logger="current", level=30)
        out = [dict(img_path=osp.join(img_dir, image), **sparse_target([index[lab] for lab in labs]))
               for image, labs in entries if labs or not self.drop_empty]
        require_images((e["img_path"] for e in out), self.ann_file, "check data_prefix (img_path) and data_root")
        if not out:
            raise DatasetError(f"{self.ann_file}: no usable entry")
        return out
