"""Autograd functions that keep less for backward than the plain ops, with the same gradients.

- :func:`blur`: the anti-alias blur is a fixed linear map, so its backward needs no activation (``F.conv2d``
  would keep its padded input).
- :func:`folded_conv`: a conv with a frozen norm folded into it (MMDetection's ``norm_eval``). ``F.conv2d`` with
  the folded weight keeps that weight, a new tensor as large as the conv's own, per layer and step; here backward
  folds it again (:func:`fold_weight`) from the conv's weight (a parameter, kept anyway) and the norm's scale.
- :func:`leaky_relu_bits_` / :func:`leaky_relu_blur`: the leaky ReLU's backward needs only the sign of its output,
  but autograd keeps the whole output, which nothing else keeps when a blur follows (the pre-blur map is 4x the size
  of the blurred one). Here the sign is kept as one bit per element (:mod:`.bits`).
- :func:`add_relu`: a residual block's ``relu(branch + shortcut)`` keeping its inputs (kept anyway by the layers
  that made them) instead of its output; its output is then a recipe (:mod:`.recipes`).

The plain ops stay the reference: the tests compare gradients in float64.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .bits import pack_bits, unpack_bytes


def fold_weight(weight: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """A conv weight (O, I, kh, kw) with a per-output-channel scale folded in: the one place folding multiplies."""
    return weight * scale.reshape(-1, 1, 1, 1)


# ---------------------------------------------------------------------------------------------------- blur
def _blur(x: torch.Tensor, filt: torch.Tensor) -> torch.Tensor:
    return F.conv2d(F.pad(x, (1, 1, 1, 1), mode="reflect"), filt.to(x.dtype), stride=2, groups=x.shape[1])


def _blur_backward(grad: torch.Tensor, filt: torch.Tensor, in_shape: torch.Size) -> torch.Tensor:
    n, c, h, w = in_shape
    out_pad = ((h + 2 - 3) % 2, (w + 2 - 3) % 2)
    # under autocast (AMP, bfloat16) the forward ran in a lower precision than the filter's; backward runs outside
    # autocast, so the filter follows the gradient's dtype here
    gp = F.conv_transpose2d(grad, filt.to(grad.dtype), stride=2, groups=c, output_padding=out_pad)  # (N,C,H+2,W+2)
    # reflect padding's backward, by slicing (keeps the memory format, unlike aten's reflection_pad2d_backward):
    # padded row 0 is input row 1, padded row H+1 is input row H-2; the same for columns
    rows = gp[:, :, 1:h + 1].clone()
    rows[:, :, 1] += gp[:, :, 0]
    rows[:, :, h - 2] += gp[:, :, h + 1]
    g = rows[:, :, :, 1:w + 1].clone()
    g[:, :, :, 1] += rows[:, :, :, 0]
    g[:, :, :, w - 2] += rows[:, :, :, w + 1]
    return g


class _Blur(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, filt):
        ctx.save_for_backward(filt)
        ctx.in_shape, ctx.in_dtype = x.shape, x.dtype
        return _blur(x, filt)

    @staticmethod
    def backward(ctx, grad):
        (filt,) = ctx.saved_tensors
        return _blur_backward(grad, filt, ctx.in_shape).to(ctx.in_dtype), None


def blur(x: torch.Tensor, filt: torch.Tensor) -> torch.Tensor:
    """Depthwise ``filt`` (C, 1, 3, 3), reflect padding 1, stride 2; keeps no activation for backward."""
    return _Blur.apply(x, filt)


def blur_no_grad(x: torch.Tensor, filt: torch.Tensor) -> torch.Tensor:
    """The same blur where no backward follows (inference): the plain ops."""
    return _blur(x, filt)


# ---------------------------------------------------------------------------------------------------- leaky ReLU
class _LeakyReLUBits(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, slope):
        F.leaky_relu(x, slope, inplace=True)
        ctx.mark_dirty(x)
        ctx.save_for_backward(pack_bits(x > 0))
        ctx.slope, ctx.like = slope, torch.empty_like(x, device="meta")
        return x

    @staticmethod
    def backward(ctx, grad):
        (packed,) = ctx.saved_tensors
        # aten's leaky_relu_backward from the output only tests output > 0: the unpacked bits (non-zero bytes where
        # the output was positive) stand in for it, as grad's dtype (one fused pass instead of a where + multiply)
        positive = unpack_bytes(packed, ctx.like).to(grad.dtype)
        return torch.ops.aten.leaky_relu_backward(grad, positive, ctx.slope, True), None


def leaky_relu_bits_(x: torch.Tensor, slope: float) -> torch.Tensor:
    """In-place leaky ReLU keeping one bit per element for backward (for an output kept as a recipe)."""
    return _LeakyReLUBits.apply(x, slope)


def leaky_relu_blur(x: torch.Tensor, slope: float, filt: torch.Tensor) -> torch.Tensor:
    """``blur(leaky_relu(x, slope))`` keeping one bit per element of ``x`` for backward (neither function keeps
    the pre-blur map). In place on ``x``: a conv's fresh output that nothing else keeps."""
    return blur(leaky_relu_bits_(x, slope), filt)


# ---------------------------------------------------------------------------------------------------- folded conv
class _FoldedConv(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, scale, shift, stride, padding, dilation, groups):
        ctx.save_for_backward(x, weight, scale)
        ctx.conf = (stride, padding, dilation, groups)
        return F.conv2d(x, fold_weight(weight, scale), shift, stride, padding, dilation, groups)

    @staticmethod
    def backward(ctx, grad):
        x, weight, scale = ctx.saved_tensors
        stride, padding, dilation, groups = ctx.conf
        folded = fold_weight(weight, scale).to(grad.dtype)
        gx, g_folded, g_shift = torch.ops.aten.convolution_backward(
            grad, x.to(grad.dtype), folded, [folded.shape[0]], stride, padding, dilation, False, [0, 0], groups,
            [ctx.needs_input_grad[0], True, True])
        g_folded = g_folded.to(weight.dtype)
        g_weight = fold_weight(g_folded, scale)
        g_scale = (g_folded * weight).sum((1, 2, 3))
        gx = gx.to(x.dtype) if gx is not None else None
        return gx, g_weight, g_scale, g_shift.to(scale.dtype), None, None, None, None


def folded_conv(x: torch.Tensor, conv: torch.nn.Conv2d, scale: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """``conv2d(x, conv.weight * scale, shift)`` (a bias-free conv with a frozen norm folded in), keeping ``x`` and
    the conv's own weight for backward, not the folded weight."""
    return _FoldedConv.apply(x, conv.weight, scale, shift, conv.stride, conv.padding, conv.dilation, conv.groups)


def folded_conv_leaky_replay(conv: torch.nn.Conv2d, slope: float):
    """``(x, weight, scale, shift) -> leaky_relu(folded_conv(x))`` as the forward computed it (same kernels, same
    autocast state, so bitwise equal): the recipe of an output recomputed in backward instead of kept."""
    device = conv.weight.device.type
    enabled, dtype = torch.is_autocast_enabled(device), torch.get_autocast_dtype(device)
    conf = (conv.stride, conv.padding, conv.dilation, conv.groups)

    def replay(x, weight, scale, shift):
        with torch.autocast(device, dtype=dtype, enabled=enabled):
            y = F.conv2d(x, fold_weight(weight, scale), shift, *conf)
        return F.leaky_relu(y, slope, inplace=True)
    return replay


# ---------------------------------------------------------------------------------------------------- residual
def add_relu_plain(branch: torch.Tensor, shortcut: torch.Tensor) -> torch.Tensor:
    """``relu(branch + shortcut)`` into a new tensor: the forward of :func:`add_relu` and its recipe."""
    return torch.add(branch, shortcut).relu_()


class _AddReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, branch, shortcut):
        ctx.save_for_backward(branch, shortcut)
        return add_relu_plain(branch, shortcut)

    @staticmethod
    def backward(ctx, grad):
        branch, shortcut = ctx.saved_tensors
        recipe = getattr(ctx, "recipe", None)
        ctx.recipe = None  # the node outlives backward: do not keep the value past this point
        # the next block's backward (run just before this) has usually recomputed our output already: its sign
        # is the ReLU mask, saving a pass; else recompute the sum
        out = recipe.value if recipe is not None and recipe.value is not None else branch + shortcut
        g = torch.ops.aten.threshold_backward(grad, out, 0)
        return g, g


def add_relu(branch: torch.Tensor, shortcut: torch.Tensor) -> torch.Tensor:
    """``relu(branch + shortcut)`` keeping its inputs, not its output; the caller attaches the output's recipe as
    ``out.grad_fn.recipe`` (then backward reuses the recomputed value for the ReLU mask)."""
    return _AddReLU.apply(branch, shortcut)
