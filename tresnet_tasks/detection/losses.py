"""The asymmetric loss (ASL, Ben-Baruch et al., ICCV 2021) as a dense detector's classification loss, registered in
MMDetection's MODELS: ``loss_cls=dict(type='AsymmetricFocalLoss', ...)`` in FCOS, RetinaNet and ATSS heads (sigmoid,
one term per anchor and class, reduced with the head's ``avg_factor`` like ``FocalLoss``), and
``AsymmetricQualityFocalLoss`` in GFL heads, whose targets are (class, IoU quality) pairs like ``QualityFocalLoss``.

    p = sigmoid(x);  p_m = max(p - clip, 0) (negatives only)
    loss = -[alpha y (1-p)^gamma_pos log(p) + (1 - alpha) (1-y) p_m^gamma_neg log(1 - p_m)]

With ``gamma_pos == gamma_neg`` and ``clip=0`` this is mmdet's ``FocalLoss`` with the same ``alpha`` (equal to
float32 rounding, gradients included), so one can move from focal loss to ASL in steps, as the ASL authors advise.
The quality form (GFL) replaces the hard positive target by the box's IoU score s, as QFL does:

    loss = BCE(x, s) |s - p|^gamma_pos  (the positive class of a positive anchor)
         + BCE(x, 0) p_m^gamma_neg      (every other class, p_m as above)

and equals mmdet's ``QualityFocalLoss(beta)`` with ``gamma_pos == gamma_neg == beta`` and ``clip=0``.
"""
from __future__ import annotations

from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmdet.models.losses.utils import weight_reduce_loss
from mmdet.registry import MODELS

from ..errors import ConfigError


class _AsymmetricLoss(nn.Module):
    """What both forms share: the settings, and the negatives' term p_m^gamma_neg * -log(1 - p_m)."""

    def __init__(self, gamma_pos: float, gamma_neg: float, clip: float, eps: float, detach_focus: bool,
                 reduction: str, loss_weight: float, use_sigmoid: bool):
        super().__init__()
        if not use_sigmoid:
            raise ConfigError(f"{type(self).__name__} is a sigmoid loss: use_sigmoid must be True")
        if reduction not in ("mean", "sum", "none"):
            raise ConfigError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
        self.use_sigmoid = True  # the dense heads read it to size their outputs
        self.gamma_pos, self.gamma_neg, self.clip = float(gamma_pos), float(gamma_neg), float(clip)
        self.eps, self.detach_focus = eps, detach_focus
        self.reduction, self.loss_weight = reduction, loss_weight

    def _focus(self):
        """Gradient through the focusing weights unless ``detach_focus`` (FocalLoss and QFL keep it)."""
        return torch.set_grad_enabled(torch.is_grad_enabled() and not self.detach_focus)

    def _negatives(self, x: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
        if self.clip > 0:
            p_m = (p - self.clip).clamp(min=0)
            log_neg = torch.log((1 - p_m).clamp(min=self.eps))
        else:
            p_m, log_neg = p, F.logsigmoid(-x)
        with self._focus():
            focus_neg = p_m.pow(self.gamma_neg)
        return -focus_neg * log_neg


@MODELS.register_module()
class AsymmetricFocalLoss(_AsymmetricLoss):
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
        super().__init__(gamma_pos, gamma_neg, clip, eps, detach_focus, reduction, loss_weight, use_sigmoid)
        self.alpha = alpha

    def forward(self, pred: torch.Tensor, target: torch.Tensor, weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None, reduction_override: Optional[str] = None) -> torch.Tensor:
        reduction = reduction_override or self.reduction
        if isinstance(target, (tuple, list)):
            raise ConfigError("AsymmetricFocalLoss got (label, score) targets: this head (GFL) trains on IoU "
                              "quality targets; use loss_cls=dict(type='AsymmetricQualityFocalLoss', ...)")
        x = pred.float()
        if target.dim() == pred.dim():  # one-hot already
            y = target.type_as(x)
        else:  # class indices, num_classes = background
            y = F.one_hot(target, num_classes=pred.size(1) + 1)[:, :pred.size(1)].type_as(x)
        p = torch.sigmoid(x)
        with self._focus():
            focus_pos = (1 - p).pow(self.gamma_pos)
        loss = -self.alpha * y * focus_pos * F.logsigmoid(x) + (1 - self.alpha) * (1 - y) * self._negatives(x, p)
        if weight is not None and weight.shape != loss.shape:
            weight = weight.view(-1, 1) if weight.size(0) == loss.size(0) else weight.view(loss.size(0), -1)
        return self.loss_weight * weight_reduce_loss(loss, weight, reduction, avg_factor)


@MODELS.register_module()
class AsymmetricQualityFocalLoss(_AsymmetricLoss):
    """ASL for heads trained on IoU quality targets (GFL): ``QualityFocalLoss`` with separate focusing for each
    positive anchor's class and for the negatives, and the negatives' probability clip.

    Args:
        gamma_pos: exponent of |s - p| on each positive anchor's class (QFL's beta).
        gamma_neg: exponent of p_m on every negative term (QFL's beta).
        clip, eps, detach_focus, reduction, loss_weight, use_sigmoid: as :class:`AsymmetricFocalLoss`.
    """

    def __init__(self, gamma_pos: float = 2.0, gamma_neg: float = 2.0, clip: float = 0.0, eps: float = 1e-8,
                 detach_focus: bool = False, reduction: str = "mean", loss_weight: float = 1.0,
                 use_sigmoid: bool = True):
        super().__init__(gamma_pos, gamma_neg, clip, eps, detach_focus, reduction, loss_weight, use_sigmoid)

    def forward(self, pred: torch.Tensor, target: Tuple[torch.Tensor, torch.Tensor],
                weight: Optional[torch.Tensor] = None, avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> torch.Tensor:
        if not isinstance(target, (tuple, list)) or len(target) != 2:
            raise ConfigError("AsymmetricQualityFocalLoss takes (label, score) targets, as GFL's head gives; "
                              "for heads with class targets use AsymmetricFocalLoss")
        reduction = reduction_override or self.reduction
        label, score = target
        x = pred.float()
        p = torch.sigmoid(x)
        loss = self._negatives(x, p)  # every class as a negative, then the positives' own class replaced
        pos = ((label >= 0) & (label < pred.size(1))).nonzero().squeeze(1)
        if pos.numel():
            cls = label[pos].long()
            s = score[pos].type_as(x)
            with self._focus():
                focus_pos = (s - p[pos, cls]).abs().pow(self.gamma_pos)
            bce = F.binary_cross_entropy_with_logits(x[pos, cls], s, reduction="none")
            loss = loss.index_put((pos, cls), bce * focus_pos)
        return self.loss_weight * weight_reduce_loss(loss.sum(dim=1), weight, reduction, avg_factor)
