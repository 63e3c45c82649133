"""NUS-WIDE (81 concepts) in the two forms people have.

- ``layout='asl_csv'``: the csv of the ASL authors, on which the published 65.2 mAP (TResNet-L, 448 train / 240
  evaluation) is measured: a header row, then by position: image path, labels as a Python-list string
  (``"['clouds', 'sky']"``), split (``train`` / ``val``). Classes: the 81 names in alphabetical order (the union of
  the file's labels when ``metainfo.classes`` is not given). Images without labels were removed by its authors;
  any left are skipped and counted.
- ``layout='official'``: the release as distributed: ``ConceptsList/Concepts81.txt`` (class order),
  ``ImageList/{Train,Test}Imagelist.txt`` (Windows paths such as ``actor\\0001_2124494179.jpg``, under the image
  folder ``Flickr/``), ``Groundtruth/TrainTestLabels/Labels_<concept>_{Train,Test}.txt`` (one 0/1 per line, aligned
  with the image list). Many image URLs of the release are dead: ``skip_missing=True`` leaves out listed images that
  are not on disk (counted), as users of it do.
"""
from __future__ import annotations

import csv
import os.path as osp
import re
from typing import List, Optional

import numpy as np
from mmengine.logging import print_log
from mmengine.registry import DATASETS

from ...data.images import missing_images
from ...errors import DatasetError
from .base import MultiLabelDataset, sparse_target

_QUOTED = re.compile(r"""'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)\"""")
_SINGLE = re.compile(r"'([^'\\]*)'")


def parse_list_string(text: str, where: str) -> List[str]:
    """``"['a', 'b']"`` -> ``['a', 'b']`` (the Python-list strings of the ASL / CSL csv files); fast enough for
    millions of rows, strict about the brackets."""
    text = text.strip()
    if not (text.startswith("[") and text.endswith("]")):
        raise DatasetError(f"{where}: expected a list such as ['a', 'b'], got {text[:60]!r}")
    if '"' in text or "\\" in text:  # double quotes or escapes: the general pattern
        items = [a or b for a, b in _QUOTED.findall(text)]
    else:  # the common form, single-quoted names: one group, no per-item work in Python
        items = _SINGLE.findall(text)
    if not items and text[1:-1].strip():
        raise DatasetError(f"{where}: cannot read the list {text[:60]!r} (names must be quoted)")
    return items


@DATASETS.register_module()
class NUSWideDataset(MultiLabelDataset):
    """NUS-WIDE from ASL's csv or the official release.

    Args:
        data_root: dataset folder.
        split: ``train`` or ``val`` (csv; ``test`` is accepted for ``val``); ``train`` or ``test`` (official).
        layout: ``'asl_csv'`` or ``'official'``.
        ann_file: the csv (``asl_csv``, relative to ``data_root``; default ``nus_wide_data.csv``).
        data_prefix: ``dict(img_path=...)``, the image folder (``'images/'`` for the csv, ``'Flickr/'`` official).
        skip_missing: official layout: leave out listed images missing on disk (else an error).
        check_images: check up front that the image files exist.
        **kwargs: :class:`~.base.MultiLabelDataset` / mmengine ``BaseDataset`` arguments.
    """

    def __init__(self, data_root: str, split: str = "train", layout: str = "asl_csv",
                 ann_file: str = "nus_wide_data.csv", data_prefix: Optional[dict] = None, skip_missing: bool = True,
                 check_images: bool = True, **kwargs):
        if layout not in ("asl_csv", "official"):
            raise DatasetError(f"layout must be 'asl_csv' or 'official', got {layout!r}")
        self.split, self.layout, self.skip_missing, self.check_images = split, layout, skip_missing, check_images
        prefix = data_prefix or dict(img_path="images/" if layout == "asl_csv" else "Flickr/")
        super().__init__(data_root=data_root, ann_file=ann_file if layout == "asl_csv" else "", data_prefix=prefix,
                         **kwargs)

    def load_entries(self) -> List[dict]:
        if not osp.isdir(self.data_root):
            raise DatasetError(f"NUS-WIDE folder not found: {self.data_root}")
        rows = self._csv_rows() if self.layout == "asl_csv" else self._official_rows()
        classes = list(self._metainfo.get("classes") or
                       (sorted({c for _, labels in rows for c in labels}) if self.layout == "asl_csv" else []))
        if self.layout == "official":
            classes = self._concepts
        index = {c: i for i, c in enumerate(classes)}
        self._metainfo["classes"] = tuple(classes)
        img_dir = self.data_prefix.get("img_path", "")
        entries, empty = [], 0
        for path, labels in rows:
            bad = [c for c in labels if c not in index]
            if bad:
                raise DatasetError(f"{self.ann_file or self.data_root}: image {path}: unknown class name(s) {bad}")
            if not labels:
                empty += 1
                continue
            entries.append(dict(img_path=osp.join(img_dir, path), **sparse_target([index[c] for c in labels])))
        missing = missing_images(e["img_path"] for e in entries) if self.check_images else []
        if missing and not (self.layout == "official" and self.skip_missing):
            raise DatasetError(f"{len(missing)} image(s) listed in NUS-WIDE {self.split} are missing "
                               f"(e.g. {missing[:3]}); check data_prefix, or skip_missing=True "
                               "(official layout) to leave them out")
        if missing:
            gone = set(missing)
            entries = [e for e in entries if e["img_path"] not in gone]
        print_log(f"NUS-WIDE ({self.layout}) {self.split}: {len(entries)} images, {len(classes)} classes; skipped "
                  f"{empty} without labels, {len(missing)} missing on disk", logger="current")
        if not entries:
            raise DatasetError(f"NUS-WIDE {self.split}: no usable image (split names: train / val in the csv, "
                               "train / test in the official release)")
        return entries

    def _csv_rows(self):
        if not osp.isfile(self.ann_file):
            raise DatasetError(f"NUS-WIDE csv not found: {self.ann_file}")
        want = {"test": "val"}.get(self.split, self.split)
        rows = []
        with open(self.ann_file, newline="", encoding="utf-8") as f:
            for n, row in enumerate(csv.reader(f), start=1):
                if n == 1:
                    continue  # header
                if len(row) < 3:
                    raise DatasetError(f"{self.ann_file}:{n}: expected 3 columns (image, labels, split), got {row}")
                if row[2].strip() == want:
                    rows.append((row[0].strip(), parse_list_string(row[1], f"{self.ann_file}:{n}")))
        return rows

    def _official_rows(self):
        root = self.data_root
        concepts = osp.join(root, "ConceptsList", "Concepts81.txt")
        part = {"train": "Train", "test": "Test", "val": "Test"}.get(self.split)
        if part is None:
            raise DatasetError(f"official NUS-WIDE splits are train and test, got {self.split!r}")
        image_list = osp.join(root, "ImageList", f"{part}Imagelist.txt")
        for path in (concepts, image_list):
            if not osp.isfile(path):
                raise DatasetError(f"NUS-WIDE release file not found: {path} (expected ConceptsList/, ImageList/, "
                                   "Groundtruth/TrainTestLabels/ under data_root)")
        with open(concepts, encoding="utf-8") as f:
            self._concepts = [line.strip() for line in f if line.strip()]
        with open(image_list, encoding="utf-8") as f:
            images = [line.strip().replace("\\", "/") for line in f if line.strip()]
        labels = np.zeros((len(images), len(self._concepts)), dtype=bool)
        for c, concept in enumerate(self._concepts):
            path = osp.join(root, "Groundtruth", "TrainTestLabels", f"Labels_{concept}_{part}.txt")
            if not osp.isfile(path):
                raise DatasetError(f"NUS-WIDE label file not found: {path}")
            values = np.loadtxt(path, dtype=np.int64, ndmin=1)
            if len(values) != len(images):
                raise DatasetError(f"{path} has {len(values)} lines but {image_list} lists {len(images)} images")
            labels[:, c] = values > 0
        return [(img, [self._concepts[c] for c in np.nonzero(row)[0]]) for img, row in zip(images, labels)]
