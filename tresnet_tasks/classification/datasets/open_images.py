"""Open Images with partial labels, in the layout of the CSL authors' copy (Alibaba-MIIL/PartialLabelingCSL).

    data.csv: by position: image path, positive MIDs, negative MIDs (Python-list strings), split (train / test)
    oidv6-class-descriptions.csv: MID,name (names can hold commas and quotes: read as csv)

Every class of an image is positive (human-verified present), negative (verified absent) or unknown (-1): never
scored as a negative by the loss's partial modes or the partial mAP. Classes: the MIDs that occur in the csv, in
the order of the descriptions file (9,605 trainable classes in the published copy), or the MIDs of ``class_file``
(one per line, or a csv whose first column is the MID). 1.7 M rows load in seconds and a few hundred MB: labels are
kept as index lists (:mod:`.base`), parsed with a regular expression rather than ``ast``.
"""
from __future__ import annotations

import csv
import os.path as osp
from typing import Dict, List, Optional

from mmengine.logging import print_log
from mmengine.registry import DATASETS

from ...data.images import require_images
from ...errors import DatasetError
from .base import MultiLabelDataset, sparse_target
from .nus_wide import parse_list_string


def read_class_descriptions(path: str) -> Dict[str, str]:
    """``MID -> name`` from ``oidv6-class-descriptions.csv`` (header ``LabelName,DisplayName`` optional)."""
    if not osp.isfile(path):
        raise DatasetError(f"Open Images class descriptions not found: {path} (oidv6-class-descriptions.csv)")
    names: Dict[str, str] = {}
    with open(path, newline="", encoding="utf-8") as f:
        for n, row in enumerate(csv.reader(f), start=1):
            if not row or (n == 1 and not row[0].startswith("/m/") and not row[0].startswith("/g/")):
                continue
            if len(row) < 2:
                raise DatasetError(f"{path}:{n}: expected 'MID,name', got {row}")
            names[row[0].strip()] = row[1]
    if not names:
        raise DatasetError(f"{path}: no class in the file")
    return names


@DATASETS.register_module(name="OpenImagesPartialDataset")
@DATASETS.register_module()
class OpenImagesDataset(MultiLabelDataset):
    """Open Images partial labels from the CSL csv. Registered in mmengine's root registry, where the classification
    configs (scope ``mmengine``) find it; MMDetection has a detection dataset of the same name in its own scope, so
    under ``default_scope='mmdet'`` write ``OpenImagesPartialDataset`` (the same class).

    Args:
        data_root: dataset folder.
        ann_file: the csv (default ``data.csv``).
        class_descriptions: ``MID,name`` csv (default ``oidv6-class-descriptions.csv``).
        class_file: optional list fixing the classes and their order (one MID per line / first csv column).
        split: ``train`` or ``test`` (the csv's fourth column).
        data_prefix: ``dict(img_path=...)``, the image folder.
        check_images: check up front that every image file exists (1.7 M stat calls: off for quick looks).
        **kwargs: :class:`~.base.MultiLabelDataset` / mmengine ``BaseDataset`` arguments.
    """

    def __init__(self, data_root: str, ann_file: str = "data.csv",
                 class_descriptions: str = "oidv6-class-descriptions.csv", class_file: Optional[str] = None,
                 split: str = "train", data_prefix: Optional[dict] = None, check_images: bool = True, **kwargs):
        self.class_descriptions = osp.join(data_root, class_descriptions)
        self.class_file = osp.join(data_root, class_file) if class_file else None
        self.split, self.check_images = split, check_images
        super().__init__(data_root=data_root, ann_file=ann_file, data_prefix=data_prefix or dict(img_path=""),
                         **kwargs)

    def _read_rows(self):
        if not osp.isfile(self.ann_file):
            raise DatasetError(f"Open Images csv not found: {self.ann_file}")
        rows, splits = [], set()
        with open(self.ann_file, newline="", encoding="utf-8") as f:
            for n, row in enumerate(csv.reader(f), start=1):
                if not row:
                    continue
                if len(row) < 4:
                    raise DatasetError(f"{self.ann_file}:{n}: expected 4 columns (image, positive MIDs, negative "
                                       f"MIDs, split), got {len(row)}")
                if n == 1 and not row[1].lstrip().startswith("["):
                    continue  # header
                split = row[3].strip()
                splits.add(split)
                if split == self.split:
                    where = f"{self.ann_file}:{n}"
                    rows.append((row[0], parse_list_string(row[1], where), parse_list_string(row[2], where)))
        if not rows:
            raise DatasetError(f"{self.ann_file}: no row of split {self.split!r} (splits in the file: {sorted(splits)})")
        return rows

    def _classes(self, rows, names: Dict[str, str]) -> List[str]:
        if self.class_file:
            if not osp.isfile(self.class_file):
                raise DatasetError(f"class file not found: {self.class_file}")
            with open(self.class_file, newline="", encoding="utf-8") as f:
                mids = [row[0].strip() for row in csv.reader(f) if row and row[0].strip().startswith(("/m/", "/g/"))]
        else:
            used = {m for _, pos, neg in rows for m in (*pos, *neg)}
            mids = [m for m in names if m in used]
        unknown = sorted({m for _, pos, neg in rows for m in (*pos, *neg)} - set(names))
        if unknown:
            raise DatasetError(f"{self.ann_file}: MID(s) {unknown[:5]} are not in {self.class_descriptions}")
        return mids

    def load_entries(self) -> List[dict]:
        names = read_class_descriptions(self.class_descriptions)
        rows = self._read_rows()
        mids = self._classes(rows, names)
        index = {m: i for i, m in enumerate(mids)}
        self._metainfo["classes"] = tuple(names[m] for m in mids)
        self._metainfo["mids"] = tuple(mids)
        img_dir = self.data_prefix.get("img_path", "")
        entries, outside = [], 0
        for path, pos, neg in rows:
            p = [index[m] for m in pos if m in index]
            n = [index[m] for m in neg if m in index]
            outside += len(pos) + len(neg) - len(p) - len(n)
            entries.append(dict(img_path=osp.join(img_dir, path), **sparse_target(p, negative=n)))
        if self.check_images:
            require_images((e["img_path"] for e in entries), self.ann_file,
                           "check data_prefix, or check_images=False to look at the labels only")
        print_log(f"Open Images {self.split}: {len(entries)} images, {len(mids)} classes"
                  + (f"; {outside} label(s) of classes outside class_file ignored" if outside else ""),
                  logger="current")
        return entries
