"""The one activation a TResNet norm layer applies: a leaky ReLU of a given slope, or none (``identity``).

Every norm mode records it the way InPlace-ABN does (``activation`` / ``activation_param`` attributes), so layers of
every mode are built, converted and folded the same way; :func:`activate` is the one place that applies it.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ...errors import ConfigError

ACTIVATIONS = ("leaky_relu", "identity")


def init_activation(layer: nn.Module, activation: str, activation_param: float) -> None:
    """Record the activation of a norm+act layer (the attributes InPlace-ABN also uses)."""
    if activation not in ACTIVATIONS:
        raise ConfigError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    layer.activation = activation
    layer.activation_param = float(activation_param)


def is_leaky(layer: nn.Module) -> bool:
    """Whether a norm+act layer (any mode) ends in a leaky ReLU."""
    return layer.activation == "leaky_relu"


def activate(x: torch.Tensor, activation: str, slope: float, inplace: bool = True) -> torch.Tensor:
    """``leaky_relu(x, slope)`` (in place by default) or ``x`` itself for ``identity``."""
    return F.leaky_relu(x, slope, inplace=inplace) if activation == "leaky_relu" else x


class Activation(nn.Module):
    """The activation left behind when a norm+act layer is folded into its conv (``deploy.fold_norms``).

    Args:
        activation: ``leaky_relu`` or ``identity``.
        slope: the leaky ReLU's negative slope.
    """

    def __init__(self, activation: str, slope: float):
        super().__init__()
        init_activation(self, activation, slope)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return activate(x, self.activation, self.activation_param)
