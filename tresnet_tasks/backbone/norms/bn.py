"""The plain-PyTorch norm+activation layers (``bn`` mode): BatchNorm2d / SyncBatchNorm + leaky ReLU.

timm's ``BatchNormAct2d`` is not used: its attribute names differ from InPlace-ABN's and it stores the activation
as a module (one more key per layer in every state dict).
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .activation import activate, init_activation


class _WithActivation:
    """The constructor both layers share: the norm's own arguments plus the activation InPlace-ABN also records."""

    def __init__(self, num_features: int, activation: str = "leaky_relu", activation_param: float = 0.01,
                 eps: float = 1e-5, momentum: float = 0.1):
        super().__init__(num_features, eps=eps, momentum=momentum)
        init_activation(self, activation, activation_param)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, activation={self.activation}, slope={self.activation_param}"


class BatchNormAct2d(_WithActivation, nn.BatchNorm2d):
    """BatchNorm2d followed by an in-place leaky ReLU (or nothing): the plain-PyTorch twin of InPlaceABN.

    Subclasses BatchNorm2d so that mmengine/mmdet recognise it as a norm layer (``norm_eval``, weight-decay rules).

    Args:
        num_features: channels.
        activation: ``leaky_relu`` or ``identity``.
        activation_param: the leaky ReLU's negative slope.
        eps, momentum: as BatchNorm2d's.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            self.num_batches_tracked.add_(1)
        x = F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, self.training,
                         0.1 if self.momentum is None else self.momentum, self.eps)
        return activate(x, self.activation, self.activation_param)


class SyncBatchNormAct2d(_WithActivation, nn.SyncBatchNorm):
    """SyncBatchNorm (statistics across DDP processes) + the same activation: ``bn`` mode under DDP.

    torch's and mmengine's ``convert_sync_batchnorm`` would turn :class:`BatchNormAct2d` into a plain SyncBatchNorm
    and silently drop its activation; ``convert_norm(..., sync=True)`` keeps it.

    Args: as :class:`BatchNormAct2d`'s.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return activate(super().forward(x), self.activation, self.activation_param)
