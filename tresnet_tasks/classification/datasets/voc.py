"""PASCAL VOC 2007 / 2012 as multi-label classification, from the devkit layout as downloaded.

    VOC2007/Annotations/<id>.xml   objects: <object><name>cat</name><difficult>0</difficult>...</object>
    VOC2007/ImageSets/Main/<split>.txt   one image id per line (trainval, test, train, val)
    VOC2007/JPEGImages/<id>.jpg

Classes in the devkit's order (below). ``<part>`` elements inside a person carry ``<name>`` too; they are parts,
not objects, and are not read. Objects marked difficult follow one of three conventions:

- ``'ignore'`` (default): a class present only as difficult objects is unknown (-1): left out of the loss in the
  partial-label modes and of that class's AP (mmpretrain's evaluation; ML-GCN's and most papers' AP);
- ``'positive'``: such a class is positive (ML-GCN's training targets);
- ``'negative'``: it is negative (mmpretrain's training targets).

A class with both a difficult and a non-difficult object in one image is positive in every convention.
"""
from __future__ import annotations

import os.path as osp
import xml.etree.ElementTree as ET
from typing import List, Optional

from mmengine.logging import print_log
from mmengine.registry import DATASETS

from ...data.images import require_images
from ...errors import DatasetError
from .base import MultiLabelDataset, sparse_target

VOC_CLASSES = ("aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow", "diningtable",
               "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor")
DIFFICULT_MODES = ("ignore", "positive", "negative")


def read_voc_objects(path: str) -> List[tuple]:
    """``(name, difficult)`` of every object of one annotation file."""
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise DatasetError(f"cannot read VOC annotation {path}: {exc}") from None
    objects = []
    for obj in root.findall("object"):
        name = obj.findtext("name")
        if name is None:
            raise DatasetError(f"{path}: an <object> without <name>")
        objects.append((name.strip(), (obj.findtext("difficult") or "0").strip() == "1"))
    return objects


@DATASETS.register_module()
class VOCMultiLabelDataset(MultiLabelDataset):
    """VOC 2007 / 2012 devkit folder -> 20-class multi-label targets.

    Args:
        data_root: the ``VOC2007`` (or ``VOC2012``) folder.
        split: the ``ImageSets/Main/<split>.txt`` list (``trainval``, ``test``, ``train``, ``val``).
        difficult: ``'ignore'`` | ``'positive'`` | ``'negative'`` (module docstring).
        data_prefix: ``dict(img_path='JPEGImages/')``.
        check_images: check up front that every listed image file exists.
        **kwargs: :class:`~.base.MultiLabelDataset` / mmengine ``BaseDataset`` arguments.
    """

    METAINFO = dict(classes=VOC_CLASSES)

    def __init__(self, data_root: str, split: str = "trainval", difficult: str = "ignore",
                 data_prefix: Optional[dict] = None, check_images: bool = True, **kwargs):
        if difficult not in DIFFICULT_MODES:
            raise DatasetError(f"difficult must be one of {DIFFICULT_MODES}, got {difficult!r}")
        self.split, self.difficult, self.check_images = split, difficult, check_images
        super().__init__(data_root=data_root, data_prefix=data_prefix or dict(img_path="JPEGImages/"),
                         ann_file=osp.join("ImageSets", "Main", f"{split}.txt"), **kwargs)

    def load_entries(self) -> List[dict]:
        root = self.data_root
        for sub in ("Annotations", osp.join("ImageSets", "Main")):
            if not osp.isdir(osp.join(root, sub)):
                raise DatasetError(f"VOC folder {root!r} has no {sub}/: point data_root at the VOC2007 (or VOC2012) "
                                   "folder of the devkit (Annotations/, ImageSets/Main/, JPEGImages/)")
        if not osp.isfile(self.ann_file):
            raise DatasetError(f"VOC split list not found: {self.ann_file} (splits: trainval, test, train, val)")
        with open(self.ann_file, encoding="utf-8") as f:
            ids = [line.split()[0] for line in f if line.strip()]
        if not ids:
            raise DatasetError(f"{self.ann_file} lists no image")
        classes = list(self._metainfo["classes"])
        index = {c: i for i, c in enumerate(classes)}
        img_dir = self.data_prefix.get("img_path", "")
        entries, unknown_only = [], 0
        for image_id in ids:
            xml = osp.join(root, "Annotations", f"{image_id}.xml")
            if not osp.isfile(xml):
                raise DatasetError(f"annotation of image {image_id} (listed in {self.ann_file}) not found: {xml}")
            plain, hard = set(), set()
            for name, difficult in read_voc_objects(xml):
                if name not in index:
                    raise DatasetError(f"{xml}: object class {name!r} is not a VOC class {tuple(classes)}")
                (hard if difficult else plain).add(index[name])
            hard_only = hard - plain
            unknown_only += bool(hard_only)
            positive = plain | hard_only if self.difficult == "positive" else plain
            unknown = hard_only if self.difficult == "ignore" else ()
            path = osp.join(img_dir, f"{image_id}.jpg")
            entries.append(dict(img_path=path, img_id=image_id, **sparse_target(positive, unknown=unknown)))
        if self.check_images:
            require_images((e["img_path"] for e in entries), self.ann_file,
                           "check data_prefix (JPEGImages), or check_images=False to look at the labels only")
        print_log(f"VOC {osp.basename(osp.normpath(root))} {self.split}: {len(entries)} images, {unknown_only} with a "
                  f"class present only as difficult objects ({self.difficult})", logger="current")
        return entries
