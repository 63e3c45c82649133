"""The asymmetric loss (ASL, Ben-Baruch et al., ICCV 2021) as a dense detector's classification loss, registered in
MMDetection's MODELS: ``loss_cls=dict(type='AsymmetricFocalLoss', ...)`` in FCOS, RetinaNet and ATSS heads (sigmoid,
one term per anchor and class, reduced with the head's ``avg_factor`` like ``FocalLoss``).

    p = sigmoid(x);  p_m = max(p - clip, 0) (negatives only)
    loss = -[alpha y (1-p)^gamma_pos log(p) + (1 - alpha) (1-y) p_m^gamma_neg log(1 - p_m)]

With ``gamma_pos == gamma_neg`` and ``clip=0`` this is mmdet's ``FocalLoss`` with the same ``alpha`` (equal to
float32 rounding, gradients included), so one can move from focal loss to ASL in steps, as the ASL authors advise.
Heads whose classification loss takes soft quality targets (GFL's ``QualityFocalLoss``) are not covered.
"""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmdet.models.losses.utils import weight_reduce_loss
from mmdet.registry import MODELS

from ..errors import ConfigError


@MODELS.register_module()
class AsymmetricFocalLoss(nn.Module):
    """ASL for dense detectors (defaults: the ASL paper's detection setting, see the FCOS-ASL config).

    Args:
        gamma_pos, gamma_neg: focusing exponents of the positive / negative terms.
        clip: probability margin shifted off the negatives (0: none).
        alpha: weight of the positive terms (1 - alpha for the negatives), as FocalLoss's.
        eps: floor inside the negatives' log when clipping.
        detach_focus: treat the focusing weights as constants in backward (FocalLoss does not).
        reduction: ``mean`` | ``sum`` | ``none``.
        loss_weight: multiplier.
        use_sigmoid: must be True (sigmoid per class, as the dense heads expect).
    """

    def __init__(self, gamma_pos: float = 0.0, gamma_neg: float = 2.0, clip: float = 0.0, alpha: float = 0.25,
                 eps: float = 1e-8, detach_focus: bool = False, reduction: str = "mean", loss_weight: float = 1.0,
                 use_sigmoid: bool = True):
        super().__init__()
        if not use_sigmoid:
            raise ConfigError("AsymmetricFocalLoss is a sigmoid loss: use_sigmoid must be True")
        if reduction not in ("mean", "sum", "none"):
            raise ConfigError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
        self.use_sigmoid = True  # the dense heads read it to size their outputs
        self.gamma_pos, self.gamma_neg, self.clip, self.alpha = float(gamma_pos), float(gamma_neg), float(clip), alpha
        self.eps, self.detach_focus = eps, detach_focus
        self.reduction, self.loss_weight = reduction, loss_weight

    def forward(self, pred: torch.Tensor, target: torch.Tensor, weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None, reduction_override: Optional[str] = None) -> torch.Tensor:
        reduction = reduction_override or self.reduction
        x = pred.float()
        if target.dim() == pred.dim():  # one-hot already
            y = target.type_as(x)
        else:  # class indices, num_classes = background
            y = F.one_hot(target, num_classes=pred.size(1) + 1)[:, :pred.size(1)].type_as(x)
        p = torch.sigmoid(x)
        if self.clip > 0:
            p_m = (p - self.clip).clamp(min=0)
            log_neg = torch.log((1 - p_m).clamp(min=self.eps))
        else:
            p_m, log_neg = p, F.logsigmoid(-x)
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.detach_focus):
            focus_pos = (1 - p).pow(self.gamma_pos)
            focus_neg = p_m.pow(self.gamma_neg)
        loss = -(self.alpha * y * focus_pos * F.logsigmoid(x) + (1 - self.alpha) * (1 - y) * focus_neg * log_neg)
        if weight is not None and weight.shape != loss.shape:
            weight = weight.view(-1, 1) if weight.size(0) == loss.size(0) else weight.view(loss.size(0), -1)
        return self.loss_weight * weight_reduce_loss(loss, weight, reduction, avg_factor)
