"""An exported detector as an mmdet model: ``tools/test.py CONFIG DIR/model.onnx`` builds this in place of the
config's detector, so ONNX Runtime's detections go through the same pipeline, preprocessor and CocoMetric."""
from __future__ import annotations

from typing import List, Optional

import numpy as np
import torch
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmengine.model import BaseModel
from mmengine.structures import InstanceData

from ..errors import ConfigError
from .contract import model_path, read_contract
from .runtime import SessionHolder


@MODELS.register_module()
class OnnxDetector(SessionHolder, BaseModel):
    """ONNX Runtime behind mmdet's detector interface (``mode='predict'``: DetDataSamples with ``pred_instances``
    in original-image pixels).

    Args:
        onnx: ``DIR`` or ``DIR/model.onnx`` written by tools/export.py (``model.json`` beside it).
        provider: ``cpu`` (default) or ``openvino``.
        data_preprocessor: the config's (normalise, BGR to RGB, pad to 32).
    """

    def __init__(self, onnx: str, provider: str = "cpu", threads: int = 0, data_preprocessor: Optional[dict] = None,
                 **ignored):
        super().__init__(data_preprocessor=data_preprocessor)
        self.contract = read_contract(onnx)
        if self.contract["task"] != "detection":
            raise ConfigError(f"{onnx}: a {self.contract['task']} model, not a detector")
        self.open_session(model_path(onnx, self.contract), provider, threads)

    def forward(self, inputs: torch.Tensor, data_samples: Optional[List[DetDataSample]] = None,
                mode: str = "predict"):
        if mode == "loss":
            raise ConfigError("an exported ONNX model cannot be trained: train the config, then export")
        sizes = np.array([s.metainfo["img_shape"][:2] for s in data_samples], dtype=np.int64)
        names = [o["name"] for o in self.contract["outputs"]]
        dets, *masks = self.session.run(names, {"image": inputs.detach().float().cpu().contiguous().numpy(),
                                                "image_size": sizes})
        if mode == "tensor":
            return torch.from_numpy(dets)
        out = []
        for i, sample in enumerate(data_samples):
            mine = dets[dets[:, 0] == i]
            scale = np.tile(np.asarray(sample.metainfo.get("scale_factor", (1.0, 1.0)), np.float32), 2)
            result = InstanceData()
            result.bboxes = torch.from_numpy(mine[:, 1:5] / scale)
            result.scores = torch.from_numpy(mine[:, 5].copy())
            result.labels = torch.from_numpy(mine[:, 6].astype(np.int64))
            if masks:
                result.masks = self.paste(masks[0][dets[:, 0] == i], result.bboxes, sample.metainfo["ori_shape"])
            sample.pred_instances = result
            out.append(sample)
        return out

    def paste(self, probs: np.ndarray, boxes: torch.Tensor, shape) -> torch.Tensor:
        """Mask R-CNN: each box's mask probabilities pasted into the original image and thresholded, with mmdet's own
        ``_do_paste_mask`` (what ``FCNMaskHead`` does with the same numbers)."""
        from mmdet.models.roi_heads.mask_heads.fcn_mask_head import _do_paste_mask
        h, w = int(shape[0]), int(shape[1])
        if len(probs) == 0:
            return torch.zeros((0, h, w), dtype=torch.bool)
        pasted, _ = _do_paste_mask(torch.from_numpy(probs.copy())[:, None], boxes, h, w, skip_empty=False)
        return pasted >= self.contract["post_processing"]["mask_thr_binary"]
