"""Classification losses, registered in mmengine's MODELS so configs can swap them for ablations.

Multi-label: the asymmetric loss (ASL, Ben-Baruch et al. 2021) and BCE / focal as its special cases. mmpretrain's
``AsymmetricLoss`` is not used: mmpretrain is not in this stack, and the published recipe detaches the focusing
weights, which it does not. Single-label: cross-entropy with label smoothing (soft targets from mixup as given).

    p = sigmoid(x);  p_m = max(p - clip, 0) (negatives only)
    L = -sum_{batch, classes} [ y (1-p)^gamma_pos log(max(p, eps)) + (1-y) p_m^gamma_neg log(max(1-p_m, eps)) ]

Computed in fp32 whatever the input dtype (fp16 logits give NaN otherwise). With ``detach_focus`` the focusing
weights are treated as constants in backward (the published recipe), done with ``torch.no_grad()`` locally, so
the caller's grad mode is never touched (the public code re-enabled grad mode globally).
"""
from __future__ import annotations

import torch
import torch.nn as nn
from mmengine.registry import MODELS

from ..errors import ConfigError


@MODELS.register_module()
class AsymmetricLoss(nn.Module):
    """ASL with COCO defaults (gamma_neg 4, gamma_pos 0, clip 0.05, eps 1e-8, detached focusing weights).

    ``reduction``: ``sum`` (the published loss; values of 100+ per batch are normal) or ``mean`` (per element).

    Args:
        gamma_neg, gamma_pos: focusing exponents for negatives / positives.
        clip: probability margin shifted off the negatives (0: none).
        eps: floor inside the logs.
        detach_focus: treat the focusing weights as constants in backward (the published recipe).
        reduction: ``sum`` or ``mean``.
        loss_weight: multiplier.
    """

    def __init__(self, gamma_neg: float = 4.0, gamma_pos: float = 0.0, clip: float = 0.05, eps: float = 1e-8,
                 detach_focus: bool = True, reduction: str = "sum", loss_weight: float = 1.0):
        super().__init__()
        if reduction not in ("sum", "mean"):
            raise ConfigError(f"reduction must be 'sum' or 'mean', got {reduction!r}")
        self.gamma_neg, self.gamma_pos, self.clip, self.eps = float(gamma_neg), float(gamma_pos), float(clip), eps
        self.detach_focus = detach_focus
        self.reduction = reduction
        self.loss_weight = loss_weight

    def forward(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        if logits.shape != targets.shape:
            raise ConfigError(f"logits {tuple(logits.shape)} and multi-hot targets {tuple(targets.shape)} differ: does "
                              "the model's num_classes match the dataset's classes?")
        with torch.autocast(device_type=logits.device.type, enabled=False):
            x = logits.float()
            y = targets.float()
            p = torch.sigmoid(x)
            p_neg = (p - self.clip).clamp(min=0) if self.clip > 0 else p
            loss = y * torch.log(p.clamp(min=self.eps)) + (1 - y) * torch.log((1 - p_neg).clamp(min=self.eps))
            if self.gamma_neg > 0 or self.gamma_pos > 0:
                with torch.set_grad_enabled(torch.is_grad_enabled() and not self.detach_focus):
                    base = y * (1 - p) + (1 - y) * p_neg  # 1 - p_t
                    focus = base.pow(y * self.gamma_pos + (1 - y) * self.gamma_neg)
                loss = loss * focus
            loss = -loss.sum() if self.reduction == "sum" else -loss.mean()
        return self.loss_weight * loss


@MODELS.register_module()
class MultiLabelBCELoss(AsymmetricLoss):
    """Plain binary cross-entropy per class (ASL with no focusing and no clipping), summed like ASL.

    Args:
        eps: floor inside the logs.
        reduction: ``sum`` or ``mean``.
        loss_weight: multiplier.
    """

    def __init__(self, eps: float = 1e-8, reduction: str = "sum", loss_weight: float = 1.0):
        super().__init__(0.0, 0.0, 0.0, eps, True, reduction, loss_weight)


@MODELS.register_module()
class MultiLabelFocalLoss(AsymmetricLoss):
    """Symmetric focal loss per class (ASL with gamma_pos = gamma_neg = gamma, no clipping).

    Args:
        gamma: focusing exponent for positives and negatives.
        eps: floor inside the logs.
        detach_focus: focusing weights as constants in backward.
        reduction: ``sum`` or ``mean``.
        loss_weight: multiplier.
    """

    def __init__(self, gamma: float = 2.0, eps: float = 1e-8, detach_focus: bool = False, reduction: str = "sum",
                 loss_weight: float = 1.0):
        super().__init__(gamma, gamma, 0.0, eps, detach_focus, reduction, loss_weight)


@MODELS.register_module()
class LabelSmoothingCrossEntropy(nn.Module):
    """Softmax cross-entropy with label smoothing, computed in fp32. Soft (N, C) targets (from mixup/cutmix,
    smoothing already applied) are used as given.

    Args:
        smoothing: label smoothing for hard targets.
        loss_weight: multiplier.
    """

    def __init__(self, smoothing: float = 0.1, loss_weight: float = 1.0):
        super().__init__()
        self.smoothing, self.loss_weight = smoothing, loss_weight

    def forward(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        with torch.autocast(device_type=logits.device.type, enabled=False):
            if targets.dim() == 2 and targets.is_floating_point():
                loss = torch.sum(-targets.float() * torch.log_softmax(logits.float(), 1), 1).mean()
            else:
                loss = nn.functional.cross_entropy(logits.float(), targets.long(), label_smoothing=self.smoothing)
        return self.loss_weight * loss
