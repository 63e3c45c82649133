"""``TResNetBackbone`` for MMDetection (also registered as ``TResNet``, the paper's spelling): the shared backbone
behind mmdet's backbone interface (stage outputs, frozen stages, ``norm_eval``); no second implementation."""
from __future__ import annotations

from typing import Optional, Sequence, Tuple, Union

import torch
from mmdet.registry import MODELS
from mmengine.logging import print_log
from mmengine.model import BaseModule

from ..backbone import build_backbone, load_tresnet_weights, pretrained_source, under_prefix
from ..errors import ConfigError


@MODELS.register_module(name="TResNet")
@MODELS.register_module()
class TResNetBackbone(BaseModule):
    """TResNet stages for dense prediction.

    Args:
        arch: ``m``, ``l``, ``xl`` or ``v2_l`` (timm's ``tresnet_m``... too).
        out_indices: stages to return (0..3 = layer1..layer4, strides 4, 8, 16, 32).
        frozen_stages: -1 none; 0 the stem; k the stem and layer1..layerk (as mmdet's ResNet).
        norm_eval: keep every norm layer in eval mode while training (frozen statistics; the TResNet's own
            :meth:`~tresnet_tasks.backbone.TResNet.freeze_norm_statistics`, which also picks the lean plan).
        norm: ``auto``, ``bn``, ``iabn`` or ``iabn_torch`` (see the backbone docs).
        layers, width: depth/width overrides (small models for CPU demos and tests).
        sync_norm: synchronise norm statistics across DDP processes (InPlaceABNSync / SyncBatchNorm + act).
        init_cfg: ``dict(type='Pretrained', checkpoint=..., prefix=None)``; any checkpoint format the shared loader
            accepts (official TResNet, ImageNet-21K, timm, this project's), a timm tag (``tresnet_m.miil_in1k``)
            or ``hf-hub:<repo>``; its classifier head is ignored.
        lean_memory: keep cheap activations as recipes in training (default: on for the In-Place ABN modes and with
            ``norm_eval``; the table in :mod:`tresnet_tasks.backbone.lean` says what each mechanism keeps).
        recompute_convs: with ``norm_eval``, recompute each bottleneck's 1x1 conv1 output in backward instead of
            keeping it (default; ``False``: a few % faster steps, about a sixth more backbone memory).
        channels_last: ``'auto'`` (default): NHWC on GPU machines and AVX-512 CPUs, NCHW on x86 CPUs without
            AVX-512, where oneDNN's NHWC convolution backward is slow (:mod:`tresnet_tasks.backbone.memory_format`;
            ``TRESNET_CHANNELS_LAST=0|1`` overrides); ``True`` / ``False`` to fix it. The FPN and head run in the
            layout the backbone hands them.
    """

    def __init__(self, arch: str = "m", out_indices: Sequence[int] = (1, 2, 3), frozen_stages: int = -1,
                 norm_eval: bool = False, norm: str = "auto", layers: Optional[Sequence[int]] = None,
                 width: Optional[float] = None, sync_norm: bool = False, init_cfg: Optional[dict] = None,
                 lean_memory: Optional[bool] = None, recompute_convs: bool = True,
                 channels_last: Union[bool, str] = "auto"):
        super().__init__(init_cfg=init_cfg)
        self.net = build_backbone(arch, norm=norm, layers=layers, width=width, sync_norm=sync_norm,
                                  lean_memory=lean_memory, recompute_convs=recompute_convs, norm_eval=norm_eval,
                                  channels_last=channels_last)
        if not out_indices or not all(0 <= i <= 3 for i in out_indices):
            raise ConfigError(f"out_indices must be a non-empty subset of 0..3, got {out_indices}")
        if not -1 <= frozen_stages <= 4:
            raise ConfigError(f"frozen_stages must be in -1..4, got {frozen_stages}")
        self.out_indices = tuple(out_indices)
        self.frozen_stages = frozen_stages
        self.out_channels = [self.net.stage_channels[i] for i in self.out_indices]
        self.out_strides = [self.net.stage_strides[i] for i in self.out_indices]
        self._freeze_stages()

    def init_weights(self) -> None:
        checkpoint, prefix = pretrained_source(self.init_cfg)
        if checkpoint:
            report = load_tresnet_weights(self.net, under_prefix(checkpoint, prefix), strict=True, skip_head=True)
            self.init_message = f"TResNet backbone initialised from {checkpoint}: {report}"
            print_log(self.init_message, logger="current")
            self._is_init = True
        elif self.init_cfg:
            super().init_weights()
        # else: keep the TResNet's own initialisation (kaiming, zero-init residual norms)

    def _freeze_stages(self) -> None:
        body = self.net.body
        frozen = []
        if self.frozen_stages >= 0:
            frozen.append(body.conv1)
        frozen += [getattr(body, f"layer{i}") for i in range(1, self.frozen_stages + 1)]
        for module in frozen:
            module.eval()
            for p in module.parameters():
                p.requires_grad = False

    @property
    def norm_eval(self) -> bool:
        return self.net.norm_eval

    @norm_eval.setter
    def norm_eval(self, value: bool) -> None:
        self.net.freeze_norm_statistics(value)

    def train(self, mode: bool = True):
        super().train(mode)  # the TResNet keeps its norms in eval mode under norm_eval
        self._freeze_stages()
        return self

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        stages = self.net.forward_stages(x)
        return tuple(stages[i] for i in self.out_indices)
