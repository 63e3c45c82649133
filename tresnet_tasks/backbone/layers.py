"""The small building blocks of TResNet: SpaceToDepth stem, anti-alias blur, SE, conv+norm+act."""
from __future__ import annotations

from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..errors import InputSizeError
from . import lean
from .norms import activate, is_leaky, make_norm_act


class SpaceToDepth(nn.Module):
    """(N, C, H, W) -> (N, 16C, H/4, W/4), channel order (dy, dx, c) as in the official code.

    Uses ``reshape`` rather than ``view`` so channels_last inputs work.
    """

    block: int = 4

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        if not torch.jit.is_tracing() and (h % 4 != 0 or w % 4 != 0):
            raise InputSizeError(f"SpaceToDepth needs H and W divisible by 4, got {h}x{w}")
        if x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous():
            # NHWC in, NHWC out (one copy): (N, H, W, C) -> (N, H/4, W/4, dy, dx, C) -> channels (dy, dx, c)
            y = x.permute(0, 2, 3, 1).reshape(n, h // 4, 4, w // 4, 4, c).permute(0, 1, 3, 2, 4, 5)
            return y.reshape(n, h // 4, w // 4, c * 16).permute(0, 3, 1, 2)
        x = x.reshape(n, c, h // 4, 4, w // 4, 4).permute(0, 3, 5, 1, 2, 4)
        return x.reshape(n, c * 16, h // 4, w // 4)


class BlurPool2d(nn.Module):
    """Anti-alias downsampling: fixed depthwise [1,2,1]x[1,2,1]/16 filter, reflect padding 1, stride 2.

    The filter is a non-persistent buffer: it follows ``.to()`` (device, dtype), never appears in checkpoints and
    works on CPU, under DDP and with channels_last. In training it keeps no activation for backward.

    Args:
        channels: input (= output) channels; the filter is depthwise.
    """

    def __init__(self, channels: int):
        super().__init__()
        k = torch.tensor([1.0, 2.0, 1.0])
        filt = (k[:, None] * k[None, :]) / 16.0
        self.channels = channels
        self.register_buffer("filt", filt.expand(channels, 1, 3, 3).contiguous(), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not torch.is_grad_enabled() or not x.requires_grad:
            return lean.blur_no_grad(x, self.filt)
        return lean.blur(x, self.filt)


class ShortcutPool(nn.AvgPool2d):
    """The downsampling shortcut's 2x2 average pool (ceil mode, padding not counted). In a lean training forward its
    output (the shortcut conv's input) is a recipe of its input, which the block's first conv keeps anyway."""

    def __init__(self):
        super().__init__(2, 2, ceil_mode=True, count_include_pad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return lean.keep_as_recipe(super().forward(x), super().forward, (x,))


class SqueezeExcite(nn.Module):
    """SE: mean pool -> 1x1 conv -> ReLU -> 1x1 conv -> sigmoid -> channel-wise scale.

    Args:
        channels: input (= output) channels.
        reduced: channels of the bottleneck between the two 1x1 convs.
    """

    def __init__(self, channels: int, reduced: int):
        super().__init__()
        self.fc1 = nn.Conv2d(channels, reduced, 1, bias=True)
        self.fc2 = nn.Conv2d(reduced, channels, 1, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = x.mean((2, 3), keepdim=True)
        s = self.fc2(F.relu(self.fc1(s), inplace=True))
        return lean.channel_scale(x, s.sigmoid())


def norm_scale_shift(norm: nn.Module) -> Tuple[torch.Tensor, torch.Tensor]:
    """Per-channel ``(scale, shift)`` with ``norm(z) == z * scale + shift`` under the norm's running statistics
    (before its activation). ``norm.weight`` is the applied scale in every norm mode of this project (``norms/``);
    differentiable in the norm's affine parameters."""
    scale = norm.weight * torch.rsqrt(norm.running_var + norm.eps)
    return scale, norm.bias - norm.running_mean * scale


def fold_conv_norm(conv: nn.Conv2d, norm: nn.Module) -> Tuple[torch.Tensor, torch.Tensor]:
    """Weight and bias of the single conv equal to ``norm(conv(x))`` with the norm's running statistics.

    Differentiable in the conv weight and the norm's affine parameters (so frozen-statistics training, e.g.
    MMDetection's ``norm_eval``, runs the folded form too).
    """
    scale, bias = norm_scale_shift(norm)
    weight = lean.fold_weight(conv.weight, scale)
    if conv.bias is not None:
        bias = bias + conv.bias * scale
    return weight, bias


class ConvNormAct(nn.Module):
    """conv (no bias) -> norm+act -> optional blur; keys ``conv``, ``bn``, ``aa`` (timm's layout).

    With ``blur=True`` and stride 2, the conv runs at stride 1 and the blur does the downsampling (TResNet's
    anti-aliasing). ``forward`` picks one of three named forms:

    - :meth:`forward_plain`: conv, norm, blur (training with batch statistics; tracing; a folded deploy copy);
    - :meth:`forward_folded`: the norm in eval mode folded into the conv on the fly, one conv with bias instead of
      conv + a normalisation pass (inference; +15% images/s on CPU at batch 16). Nothing is cached (a cache could not
      see weights changed through ``.data``, as EMA swaps do), so forward hooks on ``bn`` do not fire;
    - :meth:`forward_lean_frozen`: frozen statistics in a lean training forward (:mod:`.lean`).

    Args:
        in_ch, out_ch, kernel_size: of the conv (padding kernel_size // 2, no bias).
        norm: resolved norm mode (``bn``, ``iabn``, ``iabn_torch``).
        stride: 1 or 2.
        activation: ``leaky_relu`` or ``identity`` (applied by the norm layer).
        slope: the leaky ReLU's negative slope.
        blur: anti-aliased stride 2 (conv at stride 1, then :class:`BlurPool2d`).
        recomputable: the output may be recomputed in backward instead of kept when the lean plan says
            ``recompute_convs`` (for cheap layers whose input is kept anyway: a bottleneck's first 1x1 conv).
    """

    def __init__(self, in_ch: int, out_ch: int, kernel_size: int, norm: str, stride: int = 1,
                 activation: str = "leaky_relu", slope: float = 1e-3, blur: bool = False, recomputable: bool = False):
        super().__init__()
        self.recomputable = recomputable
        use_blur = blur and stride == 2
        self.conv = nn.Conv2d(in_ch, out_ch, kernel_size, stride=1 if use_blur else stride,
                              padding=kernel_size // 2, bias=False)
        self.bn = make_norm_act(norm, out_ch, activation, slope)
        self.aa = BlurPool2d(out_ch) if use_blur else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        bn, conv = self.bn, self.conv
        if bn.training or torch.jit.is_tracing() or getattr(bn, "running_var", None) is None:
            return self.forward_plain(x)
        if torch.is_grad_enabled() and conv.bias is None and lean.current_plan() is not None:
            return self.forward_lean_frozen(x)
        stride = conv.stride[0]
        out_numel = x.shape[0] * conv.out_channels * -(-x.shape[2] // stride) * -(-x.shape[3] // stride)
        # folding would touch more memory than the normalisation pass; a compiled or exported graph always folds
        # (a choice on the batch size would fix the batch of a torch.export program)
        if not torch.compiler.is_compiling() and conv.weight.numel() > out_numel:
            return self.forward_plain(x)
        return self.forward_folded(x)

    def forward_plain(self, x: torch.Tensor) -> torch.Tensor:
        return self.aa(self.bn(self.conv(x)))

    def forward_folded(self, x: torch.Tensor) -> torch.Tensor:
        conv, bn = self.conv, self.bn
        weight, bias = fold_conv_norm(conv, bn)
        x = F.conv2d(x, weight, bias, conv.stride, conv.padding, conv.dilation, conv.groups)
        return self.aa(activate(x, bn.activation, bn.activation_param))

    def forward_lean_frozen(self, x: torch.Tensor) -> torch.Tensor:
        """Always folded, keeping the input but not the folded weight; before a blur, the leaky ReLU keeps a bit per
        element, not its output; a ``recomputable`` layer under ``recompute_convs`` keeps its output as a recipe of
        its input (recomputed in backward) and its ReLU keeps bits too."""
        scale, shift = norm_scale_shift(self.bn)
        y = lean.folded_conv(x, self.conv, scale, shift)
        slope = self.bn.activation_param
        if not is_leaky(self.bn):
            return self.aa(y)
        if isinstance(self.aa, BlurPool2d):
            return lean.leaky_relu_blur(y, slope, self.aa.filt)
        if not (self.recomputable and y.requires_grad and lean.current_plan().recompute_convs):
            return activate(y, self.bn.activation, slope)
        return lean.keep_as_recipe(lean.leaky_relu_bits_(y, slope), lean.folded_conv_leaky_replay(self.conv, slope),
                                   (x, self.conv.weight, scale, shift))
