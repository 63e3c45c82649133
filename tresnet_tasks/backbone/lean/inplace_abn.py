"""In-Place Activated BatchNorm's autograd function in PyTorch ops (the ``iabn_torch`` norm mode's training path).

Forward normalises the conv output and applies the leaky ReLU in place on the result; only that output is kept for
backward (the conv output is freed as soon as the layer returns). Backward recovers the normalised input by
inverting the activation and the affine step (Rota Bulò et al., CVPR 2018), so a conv -> norm -> act chain keeps one
tensor per layer instead of two. The weight is the applied scale; it must stay > 0 for the affine step to be
invertible, which it is for every TResNet weight (InPlace-ABN applies |w| + eps).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


class _InPlaceABN(torch.autograd.Function):
    """BatchNorm + leaky ReLU that keeps only its output ``y`` (and per-channel vectors) for backward.

    Both directions run on ATen's fused batch-norm kernels (vectorised, channels_last-aware): forward is
    ``native_batch_norm`` + an in-place leaky ReLU; backward inverts the activation, then calls
    ``native_batch_norm_backward`` on ``z = s * xhat + b`` presented as an input of mean ``b`` and inverse std
    ``1/s`` (so its ``xhat`` is the true one), with the weight rescaled to give the true input gradient.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, training: bool, momentum: float, eps: float,
                slope: float):
        y, _, invstd = torch.native_batch_norm(x, weight, bias, running_mean, running_var, training, momentum, eps)
        if not training:
            invstd = torch.rsqrt(running_var + eps)
        if slope >= 0:
            F.leaky_relu_(y, slope)
        ctx.save_for_backward(y, weight, bias, invstd)
        ctx.training, ctx.slope, ctx.eps = training, slope, eps
        return y

    @staticmethod
    def backward(ctx, dy):
        y, weight, bias, invstd = ctx.saved_tensors
        if ctx.slope >= 0:  # invert the leaky ReLU: z = y / slope where y < 0; dz = dy * slope there
            z = F.leaky_relu(y, 1.0 / ctx.slope)
            dz = torch.ops.aten.leaky_relu_backward(dy, y, ctx.slope, True)
        else:
            z, dz = y, dy
        if ctx.training:
            dx, dweight, dbias = torch.ops.aten.native_batch_norm_backward(
                dz, z, weight * weight * invstd, None, None, bias, weight.reciprocal(), True, ctx.eps,
                [True, True, True])
            return dx, dweight, dbias, None, None, None, None, None, None
        xhat = (z - bias.view(1, -1, 1, 1)) / weight.view(1, -1, 1, 1)
        dx = dz * (weight * invstd).view(1, -1, 1, 1)
        return dx, (dz * xhat).sum((0, 2, 3)), dz.sum((0, 2, 3)), None, None, None, None, None, None


def inplace_abn(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, running_mean: torch.Tensor,
                running_var: torch.Tensor, training: bool, momentum: float, eps: float, slope: float) -> torch.Tensor:
    """BatchNorm (+ leaky ReLU of ``slope``; ``slope < 0``: no activation) keeping only its output for backward."""
    return _InPlaceABN.apply(x, weight, bias, running_mean, running_var, training, momentum, eps, slope)
