"""Image classifier on the shared TResNet backbone, as an mmengine model (multi-label or single-label)."""
from __future__ import annotations

from typing import List, Optional, Sequence, Union

import torch
from mmengine.logging import print_log
from mmengine.model import BaseModel
from mmengine.registry import MODELS

from ..backbone import build_backbone, pretrained_source, under_prefix
from ..errors import ConfigError
from . import losses as _losses  # noqa: F401 - the default losses must be registered before MODELS.build
from .heads import GAPHead, MLDecoderHead
from .weights import load_classifier_weights, published_layout_pre_hook


@MODELS.register_module()
class TResNetClassifier(BaseModel):
    """TResNet backbone + GAP or ML-Decoder head + a loss from MODELS.

    Args:
        arch: ``tresnet_m`` | ``tresnet_l`` | ``tresnet_xl`` | ``tresnet_v2_l`` (timm-style), or short ``m``...
        num_classes: output classes.
        head: ``dict(type='gap', drop_rate=0.)`` or ``dict(type='mldecoder', embed_dim=768, ...)``.
        loss: loss config (``AsymmetricLoss``, ``MultiLabelBCELoss``, ``LabelSmoothingCrossEntropy``...).
        multi_label: sigmoid scores and multi-hot targets (else softmax and class indices).
        init_cfg: ``dict(type='Pretrained', checkpoint=..., prefix=None)`` as in MMDetection: weights to start
            from, a file in any supported format (official TResNet, ImageNet-21K, timm, ASL / ML-Decoder COCO
            models, this project's), a timm tag (``tresnet_m.miil_in21k``) or ``hf-hub:<repo>``. Loaded by
            :meth:`init_weights` (training); for evaluation use ``load_from`` / ``tools/test.py CONFIG FILE``.
        pretrained: shorthand for ``init_cfg=dict(type='Pretrained', checkpoint=pretrained)``.
        skip_head: take only the backbone from the weights (fine-tuning to other classes). Without it, a head of
            another kind or class count in the weights is an error.
        norm, layers, width, input_multiple, sync_norm: the backbone's
            (:func:`tresnet_tasks.backbone.build_backbone`).
        lean_memory, recompute_convs, norm_eval: the backbone's memory switches, as in ``create_tresnet`` and the
            MMDetection backbone (table in :mod:`tresnet_tasks.backbone.lean`).
        mixup: timm Mixup/CutMix arguments (single-label only).
        data_preprocessor: defaults to uint8 -> [0, 1] RGB (TResNet uses no mean/std).
    """

    def __init__(self, arch: str = "tresnet_m", num_classes: int = 80, head: Optional[dict] = None,
                 loss: Optional[dict] = None, multi_label: bool = True, pretrained: Optional[str] = None,
                 norm: str = "auto", layers: Optional[Sequence[int]] = None, width: Optional[float] = None,
                 input_multiple: int = 32, mixup: Optional[dict] = None, sync_norm: bool = False,
                 data_preprocessor: Optional[dict] = None, init_cfg: Optional[dict] = None,
                 lean_memory: Optional[bool] = None, skip_head: bool = False, recompute_convs: bool = True,
                 norm_eval: bool = False):
        if data_preprocessor is None:
            data_preprocessor = dict(type="ImgDataPreprocessor", mean=[0.0, 0.0, 0.0], std=[255.0, 255.0, 255.0])
        self.pretrained, self.pretrained_prefix = pretrained_source(init_cfg, pretrained)
        if isinstance(init_cfg, dict) and init_cfg.get("type") == "Pretrained":
            init_cfg = None  # loaded by init_weights below, not by mmengine's PretrainedInit (see backbone.adapter)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = build_backbone(arch, norm=norm, layers=layers, width=width, sync_norm=sync_norm,
                                       input_multiple=input_multiple, lean_memory=lean_memory,
                                       recompute_convs=recompute_convs, norm_eval=norm_eval)
        head = dict(head or dict(type="gap"))
        kind = head.pop("type")
        if kind == "gap":
            self.head = GAPHead(self.backbone.num_features, num_classes, **head)
        elif kind == "mldecoder":
            self.head = MLDecoderHead(self.backbone.num_features, num_classes, **head)
        else:
            raise ConfigError(f"head type must be 'gap' or 'mldecoder', got {kind!r}")
        default_loss = dict(type="AsymmetricLoss") if multi_label else dict(type="LabelSmoothingCrossEntropy")
        self.loss_fn = MODELS.build(loss or default_loss)
        self.num_classes = num_classes
        self.multi_label = multi_label
        self.skip_head = skip_head
        self.pretrained_report = None
        # published layouts (ASL, ML-Decoder, timm) load through load_state_dict / mmengine's load_from as they are
        self._register_load_state_dict_pre_hook(published_layout_pre_hook, with_module=True)
        self.mixup = None
        if mixup:  # timm's Mixup/CutMix on the batch (single-label); it also applies the label smoothing
            if multi_label:
                raise ConfigError("mixup/cutmix is implemented for single-label training only")
            from timm.data import Mixup
            self.mixup = Mixup(**{**dict(num_classes=num_classes), **mixup})

    def init_weights(self) -> None:
        super().init_weights()
        if self.pretrained:
            source = under_prefix(self.pretrained, self.pretrained_prefix)
            self.pretrained_report = load_classifier_weights(self, source, skip_head=self.skip_head)
            what = "backbone" if self.pretrained_report.skipped_head else "backbone and head"
            self.init_message = f"{what} initialised from {self.pretrained}: {self.pretrained_report}"
            print_log(self.init_message, logger="current")

    def forward(self, inputs: torch.Tensor, data_samples: Optional[Union[dict, List]] = None,
                mode: str = "tensor"):
        if mode == "loss" and self.mixup is not None:
            targets = self._targets(data_samples, inputs)
            if inputs.shape[0] % 2 == 0:  # timm's Mixup pairs the batch with its reverse
                inputs, targets = self.mixup(inputs, targets)
            return {"loss": self.loss_fn(self.head(self.backbone.forward_features(inputs)), targets)}
        logits = self.head(self.backbone.forward_features(inputs))
        if mode == "tensor":
            return logits
        targets = self._targets(data_samples, logits)
        if mode == "loss":
            return {"loss": self.loss_fn(logits, targets)}
        if mode == "predict":
            scores = torch.sigmoid(logits.float()) if self.multi_label else torch.softmax(logits.float(), 1)
            paths = data_samples.get("img_path", [""] * len(scores)) if isinstance(data_samples, dict) else None
            return [dict(scores=s, gt=t, img_path=paths[i] if paths else "")
                    for i, (s, t) in enumerate(zip(scores, targets))]
        raise ValueError(f"mode must be 'tensor', 'loss' or 'predict', got {mode!r}")

    @staticmethod
    def _targets(data_samples, logits: torch.Tensor) -> torch.Tensor:
        if data_samples is None:
            raise ValueError("targets (data_samples['gt']) are needed for mode 'loss'/'predict'")
        gt = data_samples["gt"] if isinstance(data_samples, dict) else [d["gt"] for d in data_samples]
        if isinstance(gt, (list, tuple)):
            gt = torch.stack([torch.as_tensor(g) for g in gt])
        return gt.to(logits.device)
