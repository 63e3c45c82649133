"""Single-label datasets of the paper's transfer table, read from the files users already have.

- CIFAR-10 / CIFAR-100: the python pickles (``cifar-10-batches-py/`` with ``data_batch_1..5``, ``test_batch``,
  ``batches.meta``; ``cifar-100-python/`` with ``train``, ``test``, ``meta``). torchvision's readers insist on the
  original files' md5 sums, so they are read here directly (same keys, same layout).
- Stanford Cars: the devkit layout torchvision uses (``devkit/cars_meta.mat``, ``devkit/cars_train_annos.mat``,
  ``cars_test_annos_withlabels.mat`` at the top or, as mmpretrain lays it out, under ``devkit/``, ``cars_train/``,
  ``cars_test/``, optionally under ``stanford_cars/``) and
  the older single-file layout (``cars_annos.mat`` with ``relative_im_path`` and ``test`` fields + ``car_ims/``).
- Oxford Flowers-102: ``jpg/image_%05d.jpg``, ``imagelabels.mat``, ``setid.mat``; splits train / val / test /
  trainval.
Labels are 0-based (the .mat files are 1-based). A missing or partial folder gets a :class:`DatasetError` that
lists what is missing and where it was looked for.
"""
from __future__ import annotations

import os
import os.path as osp
import pickle
from typing import Dict, List, Sequence, Tuple

import numpy as np
from mmengine.registry import DATASETS

from ...data.images import require_images
from ...errors import DatasetError
from .base import ImageListDataset


def _require(root: str, names: Sequence[str], what: str) -> None:
    missing = [n for n in names if not osp.exists(osp.join(root, n))]
    if missing:
        have = sorted(os.listdir(root))[:12] if osp.isdir(root) else "(folder does not exist)"
        raise DatasetError(f"{what}: missing {missing} in {osp.abspath(root)} (it contains {have}); "
                           "point data_root at the extracted dataset (see README, Transfer)")


def _loadmat(path: str) -> dict:
    from scipy.io import loadmat
    try:
        return loadmat(path, squeeze_me=True, struct_as_record=False)
    except Exception as exc:  # noqa: BLE001 - scipy raises several types for a bad file
        raise DatasetError(f"cannot read {path} as a MATLAB .mat file ({exc})") from exc


def _field(struct, name: str, path: str):
    if not hasattr(struct, name):
        raise DatasetError(f"{path}: annotation struct has no field {name!r} (fields: {struct._fieldnames})")
    return getattr(struct, name)


class _SplitDataset(ImageListDataset):
    """BaseDataset for these sets: ``data_root`` is the dataset folder, ``split`` selects the subset."""

    SPLITS: Tuple[str, ...] = ("train", "test")

    def __init__(self, data_root: str, split: str = "train", **kwargs):
        if split not in self.SPLITS:
            raise DatasetError(f"{type(self).__name__}: split must be one of {self.SPLITS}, got {split!r}")
        self.split = split
        super().__init__(ann_file="", data_root=data_root, **kwargs)

    def _records(self) -> Tuple[List[dict], List[str]]:
        raise NotImplementedError

    def load_data_list(self) -> List[dict]:
        records, classes = self._records()
        self._metainfo["classes"] = tuple(classes)
        if not records:
            raise DatasetError(f"{type(self).__name__} ({self.split}) in {self.data_root}: no sample found")
        return records


@DATASETS.register_module()
class CIFARDataset(_SplitDataset):
    """CIFAR-10 (``num_classes=10``) or CIFAR-100 (fine labels) from the python pickles.

    Args:
        data_root: the folder holding ``cifar-10-batches-py/`` or ``cifar-100-python/``.
        split: ``train`` or ``test``.
        num_classes: 10 or 100 (which dataset).
        **kwargs: mmengine ``BaseDataset`` arguments.
    """

    def __init__(self, data_root: str, split: str = "train", num_classes: int = 10, **kwargs):
        if num_classes not in (10, 100):
            raise DatasetError(f"CIFAR has 10 or 100 classes, got num_classes={num_classes}")
        self.num_classes = num_classes
        super().__init__(data_root, split, **kwargs)

    def _records(self):
        if self.num_classes == 10:
            folder, meta_file, label_key, names_key = "cifar-10-batches-py", "batches.meta", "labels", "label_names"
            files = [f"data_batch_{i}" for i in range(1, 6)] if self.split == "train" else ["test_batch"]
        else:
            folder, meta_file, label_key, names_key = "cifar-100-python", "meta", "fine_labels", "fine_label_names"
            files = [self.split]
        root = self.data_root if osp.basename(osp.normpath(self.data_root)) == folder else osp.join(self.data_root,
                                                                                                      folder)
        _require(root, files + [meta_file], f"CIFAR-{self.num_classes} ({self.split})")
        with open(osp.join(root, meta_file), "rb") as f:
            classes = list(pickle.load(f, encoding="latin1")[names_key])
        records = []
        for name in files:
            with open(osp.join(root, name), "rb") as f:
                batch = pickle.load(f, encoding="latin1")
            if "data" not in batch or label_key not in batch:
                raise DatasetError(f"{osp.join(root, name)}: expected keys 'data' and {label_key!r}, got "
                                   f"{sorted(batch)}")
            data = np.asarray(batch["data"], dtype=np.uint8)
            if data.ndim != 2 or data.shape[1] != 3072:
                raise DatasetError(f"{osp.join(root, name)}: 'data' must be (N, 3072) uint8, got {data.shape}")
            images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
            for img, label in zip(images, batch[label_key]):
                records.append(dict(img=np.ascontiguousarray(img), gt=int(label), img_path=f"{name}"))
        return records, classes


@DATASETS.register_module()
class StanfordCarsDataset(_SplitDataset):
    """Stanford Cars (196 classes), devkit layout (torchvision's: ``cars_test_annos_withlabels.mat`` at the top;
    mmpretrain's: under ``devkit/``) or the old ``cars_annos.mat`` layout."""

    def _records(self):
        root = self.data_root
        if osp.isdir(osp.join(root, "stanford_cars")):
            root = osp.join(root, "stanford_cars")
        if osp.isfile(osp.join(root, "cars_annos.mat")):
            return self._old_layout(root)
        anno = "devkit/cars_train_annos.mat" if self.split == "train" else "cars_test_annos_withlabels.mat"
        if self.split != "train" and not osp.isfile(osp.join(root, anno)) and osp.isfile(
                osp.join(root, "devkit", anno)):
            anno = osp.join("devkit", anno)  # mmpretrain's layout keeps the labelled test annotations in devkit/
        img_dir = "cars_train" if self.split == "train" else "cars_test"
        _require(root, ["devkit/cars_meta.mat", anno, img_dir],
                 f"Stanford Cars ({self.split}; devkit layout, or cars_annos.mat + car_ims/ for the old one)")
        classes = [str(c) for c in np.atleast_1d(_loadmat(osp.join(root, "devkit/cars_meta.mat"))["class_names"])]
        path = osp.join(root, anno)
        records = []
        for a in np.atleast_1d(_loadmat(path)["annotations"]):
            records.append(dict(img_path=osp.join(root, img_dir, str(_field(a, "fname", path))),
                                gt=int(_field(a, "class", path)) - 1))
        return self._check(records, classes), classes

    def _old_layout(self, root):
        path = osp.join(root, "cars_annos.mat")
        mat = _loadmat(path)
        classes = [str(c) for c in np.atleast_1d(mat["class_names"])]
        want_test = self.split == "test"
        records = [dict(img_path=osp.join(root, str(_field(a, "relative_im_path", path))),
                        gt=int(_field(a, "class", path)) - 1)
                   for a in np.atleast_1d(mat["annotations"]) if bool(_field(a, "test", path)) == want_test]
        return self._check(records, classes), classes

    @staticmethod
    def _check(records, classes):
        require_images((r["img_path"] for r in records), "Stanford Cars' annotation file",
                       "data_root must hold the cars_train/ and cars_test/ folders (or car_ims/) whole")
        bad = sorted({r["gt"] for r in records if not 0 <= r["gt"] < len(classes)})
        if bad:
            raise DatasetError(f"Stanford Cars: class indices {bad[:5]} outside 1..{len(classes)}")
        return records


@DATASETS.register_module()
class Flowers102Dataset(_SplitDataset):
    """Oxford Flowers-102: ``jpg/``, ``imagelabels.mat``, ``setid.mat``."""

    SPLITS = ("train", "val", "test", "trainval")
    _SETID_KEYS: Dict[str, Tuple[str, ...]] = {"train": ("trnid",), "val": ("valid",), "test": ("tstid",),
                                               "trainval": ("trnid", "valid")}

    def _records(self):
        root = self.data_root
        if osp.isdir(osp.join(root, "flowers-102")):
            root = osp.join(root, "flowers-102")
        _require(root, ["jpg", "imagelabels.mat", "setid.mat"], f"Flowers-102 ({self.split})")
        labels = np.atleast_1d(_loadmat(osp.join(root, "imagelabels.mat"))["labels"]).astype(int)
        setid = _loadmat(osp.join(root, "setid.mat"))
        ids: List[int] = []
        for key in self._SETID_KEYS[self.split]:
            if key not in setid:
                raise DatasetError(f"{osp.join(root, 'setid.mat')} lacks {key!r} (has {sorted(k for k in setid if not k.startswith('__'))})")
            ids += [int(i) for i in np.atleast_1d(setid[key])]
        records = [dict(img_path=osp.join(root, "jpg", f"image_{i:05d}.jpg"), gt=int(labels[i - 1]) - 1)
                   for i in sorted(ids)]
        require_images((r["img_path"] for r in records), f"Flowers-102's {osp.join(root, 'setid.mat')}",
                       "data_root must hold the whole jpg/ folder")
        classes = [str(c) for c in range(1, int(labels.max()) + 1)]
        return records, classes
