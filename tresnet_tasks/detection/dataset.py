"""mmdet's CocoDataset with its files validated before training starts (clear errors, counted skips)."""
from __future__ import annotations

import os.path as osp

from mmdet.datasets import CocoDataset
from mmdet.registry import DATASETS
from mmengine.logging import print_log

from ..data.coco_checks import (check_class_names, check_image_files, check_references, count_bad_boxes,
                                load_coco_json)
from ..data.images import image_problem, skip_unreadable, unreadable_in_evaluation


@DATASETS.register_module()
class CheckedCocoDataset(CocoDataset):
    """CocoDataset + up-front checks: missing root/json/fields, orphan annotations, unknown categories, missing
    image files are errors (:class:`~tresnet_tasks.data.DatasetError`); boxes of non-positive size or entirely
    outside their image are skipped (as mmdet does) and counted in the log.

    ``check_images``: verify every listed image exists (cheap, one stat per image).
    Images that exist but cannot be decoded follow the project's policy (:mod:`tresnet_tasks.data.images`):
    skipped and named in the log in training, an error naming the file in evaluation.
    """

    def __init__(self, *args, check_images: bool = True, **kwargs):
        self.check_images = check_images
        super().__init__(*args, **kwargs)

    def load_data_list(self):
        data = load_coco_json(self.ann_file, self.data_root)
        check_references(data, self.ann_file)
        check_class_names(data, self.metainfo["classes"], self.ann_file)
        if self.check_images:
            check_image_files(data, self.data_prefix.get("img", ""), self.ann_file)
        non_positive, outside = count_bad_boxes(data)
        if non_positive or outside:
            print_log(f"{osp.basename(self.ann_file)}: skipping {non_positive} box(es) with non-positive size and "
                      f"{outside} box(es) entirely outside their image", logger="current", level=30)
        return super().load_data_list()

    def prepare_data(self, idx):
        try:
            return super().prepare_data(idx)
        except Exception:
            # Only an image that really does not decode is handled here; any other failure is a bug: re-raised.
            path = self.get_data_info(idx).get("img_path", "")
            why = image_problem(path) if path else None
            if why is None:
                raise
            if self.test_mode:
                raise unreadable_in_evaluation(path, why) from None
            skip_unreadable(path, why)
            return None
