"""The bases of the classification datasets: mmengine's BaseDataset plus one policy for unreadable images, and
multi-label entries that carry sparse targets (:mod:`..targets`), densified when a sample is fetched
(:meth:`MultiLabelDataset.get_data_info`): 1 positive, 0 negative, -1 unknown.
"""
from __future__ import annotations

from typing import Dict, Optional

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from ...data.images import unreadable_in_evaluation
from ..targets import dense_target, sparse_target, target_indices  # noqa: F401 - sparse_target: the readers' import
from .partial import simulate_partial_labels


class ImageListDataset(BaseDataset):
    """BaseDataset whose unreadable images are skipped in training (another sample is drawn, see LoadImagePIL)
    but are an error naming the file in evaluation, where skipping would change the result."""

    def prepare_data(self, idx):
        data = super().prepare_data(idx)
        if data is None and self.test_mode:
            raise unreadable_in_evaluation(self.get_data_info(idx).get("img_path"))
        return data


class MultiLabelDataset(ImageListDataset):
    """Base of the multi-label readers: entries carry :func:`sparse_target` fields; ``gt`` is made per sample.

    Args:
        partial_labels: turn a fully labelled set into a partially labelled one, reproducibly (CSL's protocols,
            :func:`~.partial.simulate_partial_labels`): ``dict(mode='per_image', keep=0.3, seed=0)`` keeps each
            label with probability ``keep``; ``dict(mode='per_class', images=100, seed=0)`` keeps each class's
            labels on ``images`` random images. The rest become unknown (-1).
        **kwargs: mmengine ``BaseDataset`` arguments.
    """

    def __init__(self, *args, partial_labels: Optional[dict] = None, **kwargs):
        self.partial_labels = partial_labels
        super().__init__(*args, **kwargs)

    def load_data_list(self):
        entries = self.load_entries()
        if self.partial_labels:
            entries = simulate_partial_labels(entries, len(self._metainfo["classes"]), **self.partial_labels)
            print_log(f"partial labels simulated ({self.partial_labels})", logger="current")
        return entries

    def load_entries(self):
        raise NotImplementedError

    @property
    def num_classes(self) -> int:
        return len(self._metainfo["classes"])

    def get_data_info(self, idx: int) -> dict:
        info = super().get_data_info(idx)
        info["gt"] = dense_target(info, self.num_classes)
        return info

    def label_counts(self) -> Dict[str, np.ndarray]:
        """Per class: images where it is positive, negative and unknown, and the labels per image (positives)."""
        c = self.num_classes
        pos, neg, unk = np.zeros(c, np.int64), np.zeros(c, np.int64), np.zeros(c, np.int64)
        per_image = np.zeros(len(self), np.int64)
        for i in range(len(self)):
            info = BaseDataset.get_data_info(self, i)
            p = target_indices(info, "gt_pos")
            np.add.at(pos, p, 1)
            per_image[i] = len(p)
            if "gt_neg" in info:  # partial labels: what is neither positive nor negative is unknown
                n = target_indices(info, "gt_neg")
                np.add.at(neg, n, 1)
                unk += 1
                unk[p] -= 1
                unk[n] -= 1
            else:  # full labels: what is neither positive nor unknown is negative
                u = target_indices(info, "gt_unk")
                np.add.at(unk, u, 1)
                neg += 1
                neg[p] -= 1
                neg[u] -= 1
        return {"positive": pos, "negative": neg, "unknown": unk, "labels_per_image": per_image}
