"""``iabn``: the inplace_abn library's layers (compiled CPU and CUDA kernels), imported at module level behind a
guard as timm does: without the library (or with a broken build) :data:`HAS_INPLACE_ABN` is False and the other norm
modes give the same function from the same weights.

``weight`` holds the *applied* scale here too: the library applies ``|w| + eps``, so the layers hand it
``w = s - eps`` (exact for ``s >= eps``; the library flips the gradient for ``w < 0`` only). Parameters, state
dicts, optimisers and EMA see the same numbers in every norm mode.
"""
from __future__ import annotations

import functools

import torch

try:
    from inplace_abn import InPlaceABN, InPlaceABNSync
    from inplace_abn.functions import inplace_abn, inplace_abn_sync
    HAS_INPLACE_ABN = True
except (ImportError, OSError):  # not installed, or its compiled extension does not load here
    HAS_INPLACE_ABN = False

if HAS_INPLACE_ABN:
    class InPlaceABNAct(InPlaceABN):
        """inplace_abn's InPlaceABN whose ``weight`` is the applied scale ``s`` (as in BatchNorm)."""

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            momentum, training = self._get_momentum_and_training()
            running_mean, running_var = self._get_running_stats()
            return inplace_abn(x, self.weight - self.eps, self.bias, running_mean, running_var, training, momentum,
                               self.eps, self.activation, self.activation_param)

    class InPlaceABNSyncAct(InPlaceABNSync):
        """Distributed (synchronised statistics) variant for DDP training, same weight convention."""

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            momentum, training = self._get_momentum_and_training()
            running_mean, running_var = self._get_running_stats()
            return inplace_abn_sync(x, self.weight - self.eps, self.bias, running_mean, running_var, training,
                                    momentum, self.eps, self.activation, self.activation_param, self.group)

    IABN_CLASSES: tuple = (InPlaceABNAct, InPlaceABNSyncAct)
else:
    IABN_CLASSES = ()


@functools.lru_cache(maxsize=None)
def iabn_available() -> bool:
    """True when inplace_abn imports and its compiled backend runs a forward pass here."""
    if not HAS_INPLACE_ABN:
        return False
    try:
        InPlaceABN(2, activation="identity")(torch.randn(2, 2, 2, 2))
        return True
    except Exception:  # noqa: BLE001 - any failure of the compiled backend means "not usable"
        return False
