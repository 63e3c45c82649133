"""The interchangeable norm modes, side by side: plain BatchNorm (``bn``, :mod:`.bn`), the inplace_abn library
(``iabn``, :mod:`.iabn`) and its PyTorch twin (``iabn_torch``, :mod:`.iabn_torch`); choosing one (``auto``),
building, recognising and converting their norm+activation layers; the one activation helper (:mod:`.activation`).

``weight`` always holds the *applied* scale (plain-BatchNorm meaning, as in timm), in every mode, so a checkpoint
loads into any mode with ``load_state_dict`` and gives the same function; exact whenever every scale is >= eps,
which holds for any model built here or trained with InPlace-ABN (official InPlace-ABN checkpoints are converted
with ``|w| + eps`` by the weight loader).
"""
from __future__ import annotations

import sys

import torch.nn as nn

from ...errors import ConfigError, DependencyError
from .activation import ACTIVATIONS, Activation, activate, init_activation, is_leaky
from .bn import BatchNormAct2d, SyncBatchNormAct2d
from .iabn import IABN_CLASSES, iabn_available
from .iabn_torch import InPlaceABNTorch

NORM_MODES = ("auto", "bn", "iabn", "iabn_torch")
_announced: set = set()


def resolve_norm(norm: str) -> str:
    """Map ``auto`` to ``iabn`` or ``bn`` (saying which, once per process) and validate the mode."""
    if norm not in NORM_MODES:
        raise ConfigError(f"norm must be one of {NORM_MODES}, got {norm!r}")
    if norm == "iabn" and not iabn_available():
        raise DependencyError("norm='iabn' requested but inplace_abn (or its compiled backend) is not usable here; "
                              "run scripts/setup_env.sh or use norm='bn' or 'iabn_torch' (same weights, same outputs)")
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
            raise ConfigError("sync_norm is only for norm='iabn' (InPlaceABNSync) and 'bn' (SyncBatchNorm)")
        return InPlaceABNTorch(num_features, activation, activation_param)
    if norm == "bn":
        cls = SyncBatchNormAct2d if sync else BatchNormAct2d
        return cls(num_features, activation, activation_param)
    if norm == "iabn":
        iabn, iabn_sync = IABN_CLASSES
        return (iabn_sync if sync else iabn)(num_features, activation=activation, activation_param=activation_param)
    raise ConfigError(f"unresolved norm mode {norm!r}; call resolve_norm() first")


def is_norm_act(module: nn.Module) -> bool:
    """A norm+activation layer of any mode."""
    return isinstance(module, (BatchNormAct2d, SyncBatchNormAct2d) + IABN_CLASSES)


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


def randomize_norms(model: nn.Module, seed: int = 1) -> nn.Module:
    """Non-trivial statistics and affine in every norm layer (any mode), seeded, for parity checks (tests and
    ``tools/check_gpu.py``). Scales in [0.5, 1.5]: away from In-Place ABN's zero-init scale eps, where recovering x
    from y divides by 1e-5 and its weight gradient loses precision by design; and a wrong weight mapping cannot pass
    a comparison by accident. Returns the model."""
    import torch
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if hasattr(m, "running_var") and getattr(m, "weight", None) is not None:
                for t, draw in ((m.running_var, lambda s: torch.rand(s, generator=g) + 0.5),
                                (m.running_mean, lambda s: torch.randn(s, generator=g) * 0.1),
                                (m.bias, lambda s: torch.randn(s, generator=g) * 0.1),
                                (m.weight, lambda s: torch.rand(s, generator=g) + 0.5)):
                    t.copy_(draw(t.shape).to(t))
    return model


__all__ = ["NORM_MODES", "ACTIVATIONS", "Activation", "activate", "init_activation", "is_leaky", "BatchNormAct2d",
           "SyncBatchNormAct2d", "InPlaceABNTorch", "iabn_available", "resolve_norm", "make_norm_act",
           "is_norm_act", "convert_norm", "randomize_norms"]
