"""Inference-only transforms: fold norm layers into the preceding convs (opt-in; never for training)."""
from __future__ import annotations

import copy

import torch
import torch.nn as nn

from .layers import ConvNormAct, fold_conv_norm
from .norms import Activation, is_norm_act


@torch.no_grad()
def fold_norms(model: nn.Module, inplace: bool = False) -> nn.Module:
    """Return an eval-mode copy of ``model`` whose ConvNormAct norms are folded into conv weight + bias.

    Works for both norm modes: the state dict's weight is the applied scale (see ``norm.py``).
    """
    model = model if inplace else copy.deepcopy(model)
    model.eval()
    for m in model.modules():
        if isinstance(m, ConvNormAct) and is_norm_act(m.bn):
            weight, bias = fold_conv_norm(m.conv, m.bn)
            conv = m.conv
            fused = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding,
                              conv.dilation, conv.groups, bias=True).to(conv.weight.device, conv.weight.dtype)
            fused.weight.copy_(weight)
            if conv.weight.is_contiguous(memory_format=torch.channels_last) and not conv.weight.is_contiguous():
                fused.to(memory_format=torch.channels_last)
            fused.bias.copy_(bias)
            m.conv = fused
            m.bn = Activation(m.bn.activation, m.bn.activation_param)
    return model
