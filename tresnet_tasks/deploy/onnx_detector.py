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
        dets = self.session.run(["detections"], {"image": inputs.detach().float().cpu().contiguous().numpy(),
                                                 "image_size": sizes})[0]
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
            sample.pred_instances = result
            out.append(sample)
        return out
