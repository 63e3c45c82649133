"""Building a TResNet by name (timm's ``create_model`` for this one family), pretrained weights included.

A module of its own so that :mod:`.tresnet` (the network) and :mod:`.weights` (checkpoint formats) do not import each
other: this one imports both.
"""
from __future__ import annotations

from typing import Optional, Sequence

from ..errors import ConfigError
from .tresnet import ARCHS, TResNet, TResNetSpec, spec_name
from .weights import load_tresnet_weights


def canonical_arch(name: str) -> str:
    """``m`` / ``tresnet_m`` / ``tresnet_m_448`` / ``tresnet_m.miil_in21k`` -> ``tresnet_m`` (both spellings
    users meet: MMDetection's short ``arch='m'`` and timm's model names)."""
    base = str(name).split(".")[0]
    for suffix in ("_448", "_224"):
        base = base[: -len(suffix)] if base.endswith(suffix) else base
    if not base.startswith("tresnet_"):
        base = f"tresnet_{base}"
    if base not in ARCHS:
        short = sorted(a[len("tresnet_"):] for a in ARCHS)
        raise ConfigError(f"unknown TResNet variant {name!r}; choose one of {sorted(ARCHS)} (or short: {short})")
    return base


def create_tresnet(name: str, num_classes: int = 1000, norm: str = "auto", pretrained: Optional[str] = None,
                   layers: Optional[Sequence[int]] = None, width: Optional[float] = None, **kwargs) -> TResNet:
    """Build a TResNet by name, as ``timm.create_model`` does.

    Args:
        name: ``tresnet_m`` | ``tresnet_l`` | ``tresnet_xl`` | ``tresnet_v2_l``, the short ``m`` / ``l`` / ``xl`` /
            ``v2_l``, or a timm tag (``tresnet_m.miil_in21k``: the variant is taken from it).
        num_classes: classes of the linear head (0: pooled features).
        norm: ``auto`` | ``bn`` | ``iabn`` | ``iabn_torch``.
        pretrained: a checkpoint path or state dict in any supported format, a timm tag or ``hf-hub:<repo>``
            (:mod:`tresnet_tasks.fileio.hub`); its head is loaded when the class count matches, else skipped (as
            timm's ``pretrained=True`` with another ``num_classes``).
        layers, width: depth / width overrides (small models for tests and CPU demos).
        **kwargs: :class:`TResNet`'s other arguments (``in_chans``, ``drop_rate``, ``input_multiple``,
            ``features_only``, ``channels_last``, and the memory switches ``lean_memory``, ``recompute_convs``,
            ``norm_eval``: :mod:`.lean`).
    """
    base = canonical_arch(name)
    spec = ARCHS[base]
    if layers is not None or width is not None:
        spec = TResNetSpec(tuple(layers) if layers is not None else spec.layers,
                           float(width) if width is not None else spec.width, spec.v2)
        if len(spec.layers) != 4:
            raise ConfigError(f"layers must have 4 entries, got {list(spec.layers)}")
    model = TResNet(spec, num_classes=num_classes, norm=norm, arch=base if spec == ARCHS[base] else spec_name(spec),
                    **kwargs)
    if pretrained is not None:
        load_tresnet_weights(model, pretrained, strict=True, skip_head="mismatch")
    return model
