"""The base of every classification dataset here: mmengine's BaseDataset plus one policy for unreadable images."""
from __future__ import annotations

from mmengine.dataset import BaseDataset

from ...data.images import unreadable_in_evaluation


class ImageListDataset(BaseDataset):
    """BaseDataset whose unreadable images are skipped in training (another sample is drawn, see LoadImagePIL)
    but are an error naming the file in evaluation, where skipping would change the result."""

    def prepare_data(self, idx):
        data = super().prepare_data(idx)
        if data is None and self.test_mode:
            raise unreadable_in_evaluation(self.get_data_info(idx).get("img_path"))
        return data
