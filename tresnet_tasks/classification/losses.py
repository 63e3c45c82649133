"""Classification losses, registered in mmengine's MODELS so configs can swap them for ablations.

Multi-label: the asymmetric loss (ASL, Ben-Baruch et al. 2021) with CSL's partial-label modes, and BCE / focal as
its special cases. mmpretrain's
``AsymmetricLoss`` is not used: mmpretrain is not in this stack, and the published recipe detaches the focusing
weights, which it does not. Single-label: cross-entropy with label smoothing (soft targets from mixup as given).

    p = sigmoid(x);  p_m = max(p - clip, 0) (negatives only)
    L = -sum_{batch, classes} [ y (1-p)^gamma_pos log(max(p, eps)) + (1-y) p_m^gamma_neg log(max(1-p_m, eps)) ]

Computed in fp32 whatever the input dtype (fp16 logits give NaN otherwise). With ``detach_focus`` the focusing
weights are treated as constants in backward (the published recipe), done with ``torch.no_grad()`` locally, so
the caller's grad mode is never touched (the public code re-enabled grad mode globally).
"""
from __future__ import annotations

import csv
import os
from typing import Dict, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn as nn
from mmengine.registry import MODELS

from ..errors import ConfigError


PARTIAL_MODES = (None, "negative", "ignore", "ignore_normalize_classes", "selective")


def read_prior(path: str, classes: Optional[Sequence[str]] = None) -> np.ndarray:
    """Class priors from a csv: ``name,prior`` rows (header optional), in the dataset's class order when
    ``classes`` is given, else in file order."""
    if not os.path.isfile(path):
        raise ConfigError(f"prior file not found: {path} (a csv of 'class,prior' rows)")
    values: Dict[str, float] = {}
    with open(path, newline="", encoding="utf-8") as f:
        for n, row in enumerate(csv.reader(f), start=1):
            try:
                values[row[0]] = float(row[1])
            except (ValueError, IndexError):
                if n > 1:
                    raise ConfigError(f"{path}:{n}: expected 'class,prior', got {row}") from None
    if classes is None:
        return np.array(list(values.values()), dtype=np.float64)
    missing = [c for c in classes if c not in values]
    if missing:
        raise ConfigError(f"{path}: no prior for class(es) {missing[:5]}")
    return np.array([values[c] for c in classes], dtype=np.float64)


@MODELS.register_module()
class AsymmetricLoss(nn.Module):
    """ASL with COCO defaults (gamma_neg 4, gamma_pos 0, clip 0.05, eps 1e-8, detached focusing weights), and the
    partial-label modes of CSL (Ben-Baruch et al., CVPR 2022) for targets with unknown labels (-1).

    ``reduction``: ``sum`` (the published loss; values of 100+ per batch are normal) or ``mean`` (per element).
    ``partial`` says what an unknown label does (targets with -1 and no mode are an error):

    - ``'negative'``: counted as a negative, with its own focusing ``gamma_unann``;
    - ``'ignore'``: weight 0;
    - ``'ignore_normalize_classes'``: weight 0, and every row's loss scaled by ``1 + 1 / (1 + n_annotated)`` (the
      published form, after Durand et al. 2019): this reweights every row by design, also when nothing is unknown;
    - ``'selective'`` (CSL): unknowns of classes whose prior exceeds ``prior_threshold`` are ignored, and so are the
      ``likelihood_topk x batch`` unknowns the model finds most probable; the other unknowns count as negatives
      with ``gamma_unann``. ``prior``: a list, a csv of ``class,prior`` (:func:`read_prior`), or ``'labels'``: the
      share of training images where the class is a labelled positive, filled in at the start of training
      (``LabelStatsHook``).

    With no unknown in the targets every mode but ``ignore_normalize_classes`` equals the plain ASL exactly.

    Args:
        gamma_neg, gamma_pos: focusing exponents for negatives / positives.
        clip: probability margin shifted off the negatives (0: none).
        eps: floor inside the logs.
        detach_focus: treat the focusing weights as constants in backward (the published recipe).
        reduction: ``sum`` or ``mean``.
        loss_weight: multiplier.
        partial: None | ``negative`` | ``ignore`` | ``ignore_normalize_classes`` | ``selective``.
        gamma_unann: focusing exponent of unknowns counted as negatives (default: ``gamma_neg``).
        likelihood_topk: selective: unknowns per image (times the batch size) ignored as likely positives.
        prior: selective: class priors (list, csv path or ``'labels'``).
        prior_threshold: selective: unknowns of classes with a larger prior are ignored.
    """

    def __init__(self, gamma_neg: float = 4.0, gamma_pos: float = 0.0, clip: float = 0.05, eps: float = 1e-8,
                 detach_focus: bool = True, reduction: str = "sum", loss_weight: float = 1.0,
                 partial: Optional[str] = None, gamma_unann: Optional[float] = None, likelihood_topk: int = 5,
                 prior: Union[None, str, Sequence[float]] = None, prior_threshold: float = 0.05):
        super().__init__()
        if reduction not in ("sum", "mean"):
            raise ConfigError(f"reduction must be 'sum' or 'mean', got {reduction!r}")
        if partial not in PARTIAL_MODES:
            raise ConfigError(f"partial must be one of {PARTIAL_MODES}, got {partial!r}")
        self.gamma_neg, self.gamma_pos, self.clip, self.eps = float(gamma_neg), float(gamma_pos), float(clip), eps
        self.detach_focus = detach_focus
        self.reduction = reduction
        self.loss_weight = loss_weight
        self.partial = partial
        self.gamma_unann = self.gamma_neg if gamma_unann is None else float(gamma_unann)
        self.likelihood_topk = int(likelihood_topk)
        self.prior_threshold = prior_threshold
        self.prior_source = prior if isinstance(prior, str) else None
        self.prior: Optional[torch.Tensor] = None
        if prior is not None and not isinstance(prior, str):
            self.set_prior(prior)

    @property
    def needs_label_prior(self) -> bool:
        return self.partial == "selective" and self.prior_source is not None and self.prior is None

    def set_prior(self, prior: Union[Sequence[float], np.ndarray]) -> None:
        """Class priors for the selective mode (one per class, in the dataset's order)."""
        self.prior = torch.as_tensor(np.asarray(prior, dtype=np.float64), dtype=torch.float32)

    def forward(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        if logits.shape != targets.shape:
            raise ConfigError(f"logits {tuple(logits.shape)} and multi-hot targets {tuple(targets.shape)} differ: does "
                              "the model's num_classes match the dataset's classes?")
        with torch.autocast(device_type=logits.device.type, enabled=False):
            x = logits.float()
            unknown = targets < 0
            has_unknown = bool(unknown.any())
            if has_unknown and self.partial is None:
                raise ConfigError("the targets hold unknown labels (-1, partial annotations): set the loss's partial "
                                  "mode (model.loss.partial='ignore' | 'negative' | 'selective' | ...)")
            y = targets.float().clamp(min=0)  # unknowns enter as negatives; their weight is set below
            p = torch.sigmoid(x)
            p_neg = (p - self.clip).clamp(min=0) if self.clip > 0 else p
            loss = y * torch.log(p.clamp(min=self.eps)) + (1 - y) * torch.log((1 - p_neg).clamp(min=self.eps))
            if self.gamma_neg > 0 or self.gamma_pos > 0 or (has_unknown and self.gamma_unann > 0):
                with torch.set_grad_enabled(torch.is_grad_enabled() and not self.detach_focus):
                    base = y * (1 - p) + (1 - y) * p_neg  # 1 - p_t
                    exponent = y * self.gamma_pos + (1 - y) * self.gamma_neg
                    if has_unknown:
                        exponent = torch.where(unknown, torch.full_like(exponent, self.gamma_unann), exponent)
                    focus = base.pow(exponent)
                loss = loss * focus
            weights = self._partial_weights(unknown, p_neg.detach()) if self.partial else None
            if weights is not None:
                loss = loss * weights
            loss = -loss.sum() if self.reduction == "sum" else -loss.mean()
        return self.loss_weight * loss

    def _partial_weights(self, unknown: torch.Tensor, p_neg: torch.Tensor) -> Optional[torch.Tensor]:
        """Per-element weights of the partial mode (None: all 1)."""
        known = (~unknown).float()
        if self.partial == "ignore":
            return known if bool(unknown.any()) else None
        if self.partial == "ignore_normalize_classes":
            rows = 1.0 / (1.0 + known.sum(1, keepdim=True)) + 1.0
            return known * rows
        if self.partial != "selective" or not bool(unknown.any()):
            return None
        weights = torch.ones_like(known)
        if self.needs_label_prior:
            raise ConfigError(f"prior={self.prior_source!r} is filled in at the start of training by LabelStatsHook "
                              "(tools/train.py adds it; elsewhere add custom_hooks=[dict(type='LabelStatsHook')])")
        if self.prior is not None and self.prior_threshold is not None:
            if self.prior.numel() != unknown.shape[1]:
                raise ConfigError(f"the loss has {self.prior.numel()} class priors but the model "
                                  f"{unknown.shape[1]} classes")
            likely = (self.prior.to(unknown.device) > self.prior_threshold)[None, :]
            weights = torch.where(unknown & likely, torch.zeros_like(weights), weights)
        top_k = self.likelihood_topk * unknown.shape[0]
        if top_k > 0:
            flat_unknown = torch.nonzero(unknown.flatten()).squeeze(1)
            # the unknowns the model finds most probable (smallest 1 - p_neg) are likely positives: not negatives
            order = torch.argsort(1 - p_neg.flatten()[flat_unknown], stable=True)
            weights.view(-1)[flat_unknown[order[:top_k]]] = 0
        return weights


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
