"""The interchangeable norm modes: plain BatchNorm (``bn``), InPlace-ABN (``iabn``) and its PyTorch twin
(``iabn_torch``); choosing one (``auto``), building, recognising and converting their norm+activation layers.

``weight`` always holds the *applied* scale (plain-BatchNorm meaning, as in timm), in both modes. InPlace-ABN
applies ``|w| + eps`` to the weight it is given, so :class:`InPlaceABNAct` hands it ``w = s - eps``. A checkpoint
therefore loads into either mode with ``load_state_dict`` and gives the same function; this is exact whenever every
scale is >= eps, which holds for any model built here or trained with InPlace-ABN (official InPlace-ABN checkpoints
are converted with ``|w| + eps`` by the weight loader).
"""
from __future__ import annotations

import functools
import sys

import torch
import torch.nn as nn

from ..errors import ConfigError
from .iabn_torch import InPlaceABNTorch
from .norm_act import BatchNormAct2d, SyncBatchNormAct2d

NORM_MODES = ("auto", "bn", "iabn", "iabn_torch")
# iabn_torch: the In-Place ABN algorithm in PyTorch ops (iabn_torch.py): InPlace-ABN's memory saving, no compiled
# extension, fast on CPU; no cross-process statistics (use iabn's InPlaceABNSync or bn + SyncBN for DDP).
@functools.lru_cache(maxsize=None)
def iabn_available() -> bool:
    """True when inplace_abn imports and its compiled backend runs a forward pass here."""
    try:
        from inplace_abn import InPlaceABN
        layer = InPlaceABN(2, activation="identity")
        layer(torch.randn(2, 2, 2, 2))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not usable"
        return False


@functools.lru_cache(maxsize=None)
def _iabn_class():
    from inplace_abn import InPlaceABN, InPlaceABNSync
    from inplace_abn.functions import inplace_abn, inplace_abn_sync

    class InPlaceABNAct(InPlaceABN):
        """inplace_abn's InPlaceABN whose ``weight`` is the applied scale ``s`` (as in BatchNorm).

        The library applies ``|w| + eps``; it is given ``w = s - eps``, which is exact for ``s >= eps`` and keeps
        the gradient (the library flips it for ``w < 0`` only). Parameters, state dicts, optimisers and EMA all
        see the same numbers in both norm modes.
        """

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

    return InPlaceABNAct, InPlaceABNSyncAct


_announced: set = set()


def resolve_norm(norm: str) -> str:
    """Map ``auto`` to ``iabn`` or ``bn`` (saying which, once per process) and validate the mode."""
    if norm not in NORM_MODES:
        raise ConfigError(f"norm must be one of {NORM_MODES}, got {norm!r}")
    if norm == "iabn" and not iabn_available():
        raise RuntimeError("norm='iabn' requested but inplace_abn (or its compiled backend) is not usable here; "
                           "run scripts/setup_env.sh or use norm='bn' (same weights, same outputs)")
    if norm == "auto":
        norm = "iabn" if iabn_available() else "bn"
        if norm not in _announced:
            _announced.add(norm)
            why = "inplace_abn backend loaded" if norm == "iabn" else "inplace_abn not usable"
            print(f"[tresnet_tasks] norm='auto' -> '{norm}' ({why})", file=sys.stderr)
    return norm


def make_norm_act(norm: str, num_features: int, activation: str = "leaky_relu",
                  activation_param: float = 1e-3, sync: bool = False) -> nn.Module:
    """Build a norm+activation layer of the resolved mode ``bn``, ``iabn`` or ``iabn_torch``."""
    if norm == "iabn_torch":
        if sync:
            raise ValueError("sync is only for norm='iabn' (InPlaceABNSync)")
        return InPlaceABNTorch(num_features, activation, activation_param)
    if norm == "bn":
        cls = SyncBatchNormAct2d if sync else BatchNormAct2d
        return cls(num_features, activation, activation_param)
    if norm == "iabn":
        iabn, iabn_sync = _iabn_class()
        return (iabn_sync if sync else iabn)(num_features, activation=activation, activation_param=activation_param)
    raise ValueError(f"unresolved norm mode {norm!r}; call resolve_norm() first")


def is_norm_act(module: nn.Module) -> bool:
    return isinstance(module, (BatchNormAct2d, SyncBatchNormAct2d)) or (
        iabn_available() and isinstance(module, _iabn_class()))


def convert_norm(model: nn.Module, norm: str, sync: bool = False) -> nn.Module:
    """Swap every norm+act layer of ``model`` to mode ``norm`` (in place), keeping the function exactly.

    ``sync=True`` synchronises batch statistics across DDP processes: InPlaceABNSync for ``iabn``,
    :class:`SyncBatchNormAct2d` for ``bn`` (``iabn_torch`` has no synchronised variant).
    """
    norm = resolve_norm(norm)
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if not is_norm_act(child):
                continue
            new = make_norm_act(norm, child.num_features, child.activation, child.activation_param, sync=sync)
            new.load_state_dict(child.state_dict())
            new.train(child.training)
            new.to(device=child.running_mean.device, dtype=child.running_mean.dtype)
            for p_new, p_old in zip(new.parameters(), child.parameters()):
                p_new.requires_grad_(p_old.requires_grad)
            setattr(parent, name, new)
    if isinstance(getattr(model, "norm", None), str):
        model.norm = norm  # TResNet: the mode it reports (and whose memory options it uses)
    return model
