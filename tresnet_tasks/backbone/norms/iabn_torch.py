"""``iabn_torch``: In-Place Activated BatchNorm in PyTorch ops: InPlace-ABN's memory saving without its compiled
extension, vectorised on CPU (the library's CPU kernel is scalar loops, several times slower). The autograd function
lives with the other memory mechanisms (:mod:`..lean.inplace_abn`); no cross-process statistics (use ``iabn``'s
InPlaceABNSync or ``bn`` + SyncBN for DDP)."""
from __future__ import annotations

import torch

from ..lean import inplace_abn
from .activation import is_leaky
from .bn import BatchNormAct2d


class InPlaceABNTorch(BatchNormAct2d):
    """BatchNormAct2d whose training forward runs in place with InPlace-ABN's backward.

    Same parameters, buffers and inference path as :class:`BatchNormAct2d`; only what autograd keeps differs.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not torch.is_grad_enabled() or not (x.requires_grad or self.weight.requires_grad):
            return super().forward(x)  # no backward to feed: plain BatchNorm + activation
        if self.training:
            self.num_batches_tracked.add_(1)
        slope = self.activation_param if is_leaky(self) else -1.0
        return inplace_abn(x, self.weight, self.bias, self.running_mean, self.running_var, self.training,
                           self.momentum, self.eps, slope)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, in-place"
