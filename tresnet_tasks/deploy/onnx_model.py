"""An exported classifier as an mmengine model: ``tools/test.py CONFIG DIR/model.onnx`` builds this in place of
the config's model, so ONNX Runtime's scores go through the same data pipeline, preprocessor and evaluator as the
checkpoint's."""
from __future__ import annotations

from typing import List, Optional, Union

import torch
from mmengine.model import BaseModel
from mmengine.registry import MODELS

from ..classification.model import TResNetClassifier
from ..errors import ConfigError
from .contract import INPUT_NAME, model_path, read_contract
from .runtime import SessionHolder


@MODELS.register_module()
class OnnxClassifier(SessionHolder, BaseModel):
    """ONNX Runtime behind the classifier's interface (``mode='tensor'`` scores, ``mode='predict'`` the evaluator's
    dicts).

    Args:
        onnx: ``DIR`` or ``DIR/model.onnx`` written by tools/export.py (``model.json`` beside it).
        provider: ``cpu`` (default) or ``openvino`` (ONNX Runtime's execution providers).
        threads: ONNX Runtime's intra-op threads (0: its default).
        data_preprocessor: the config's (uint8 -> [0, 1] RGB by default, as the classifier's).
    """

    def __init__(self, onnx: str, provider: str = "cpu", threads: int = 0, data_preprocessor: Optional[dict] = None,
                 **ignored):
        if data_preprocessor is None:
            data_preprocessor = dict(type="ImgDataPreprocessor", mean=[0.0, 0.0, 0.0], std=[255.0, 255.0, 255.0])
        super().__init__(data_preprocessor=data_preprocessor)
        self.contract = read_contract(onnx)
        if self.contract["task"] not in ("multilabel", "classification"):
            raise ConfigError(f"{onnx}: a {self.contract['task']} model, not a classifier")
        self.open_session(model_path(onnx, self.contract), provider, threads)
        self.multi_label = self.contract["task"] == "multilabel"
        self.num_classes = len(self.contract["classes"])

    def forward(self, inputs: torch.Tensor, data_samples: Optional[Union[dict, List]] = None,
                mode: str = "tensor"):
        if mode == "loss":
            raise ConfigError("an exported ONNX model cannot be trained: train the config, then export")
        image = inputs.detach().float().cpu().contiguous().numpy()
        scores = torch.from_numpy(self.session.run(["scores"], {INPUT_NAME: image})[0])
        if mode == "tensor":
            return scores
        if mode == "predict":
            targets = TResNetClassifier._targets(data_samples, scores)
            paths = data_samples.get("img_path", [""] * len(scores)) if isinstance(data_samples, dict) else None
            return [dict(scores=s, gt=t, img_path=paths[i] if paths else "")
                    for i, (s, t) in enumerate(zip(scores, targets))]
        raise ValueError(f"mode must be 'tensor' or 'predict', got {mode!r}")
