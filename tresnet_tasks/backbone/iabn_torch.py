"""In-Place Activated BatchNorm written with PyTorch ops: InPlace-ABN's memory saving without its compiled
extension, and vectorised on CPU (the library's CPU kernel is scalar loops, several times slower).

Forward normalises the conv output *in place* and applies the leaky ReLU in place; only that output is kept for
backward. Backward recovers the normalised input by inverting the activation and the affine step (the trick of
Rota Bulò et al., CVPR 2018), so a conv -> norm -> act chain keeps one tensor per layer instead of two.
The weight is the applied scale (as in BatchNorm, and as in this project's InPlace-ABN layers); it must stay > 0
for the affine step to be invertible, which it is for every TResNet weight (InPlace-ABN applies |w| + eps).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .norm import BatchNormAct2d


class _InPlaceABNFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, training: bool, momentum: float, eps: float,
                slope: float):
        if training:
            var, mean = torch.var_mean(x, dim=(0, 2, 3), correction=0)
            n = x.numel() // x.shape[1]
            with torch.no_grad():
                running_mean.lerp_(mean, momentum)
                running_var.lerp_(var * (n / max(n - 1, 1)), momentum)
        else:
            mean, var = running_mean, running_var
        invstd = torch.rsqrt(var + eps)
        scale = weight * invstd
        shift = bias - mean * scale
        x.mul_(scale.view(1, -1, 1, 1)).add_(shift.view(1, -1, 1, 1))
        if slope >= 0:
            F.leaky_relu_(x, slope)
        ctx.mark_dirty(x)
        ctx.save_for_backward(x, weight, bias, invstd)
        ctx.training, ctx.slope = training, slope
        return x

    @staticmethod
    def backward(ctx, dy):
        y, weight, bias, invstd = ctx.saved_tensors
        slope = ctx.slope
        w4, b4 = weight.view(1, -1, 1, 1), bias.view(1, -1, 1, 1)
        if slope >= 0:  # invert the leaky ReLU: z = y / slope where y < 0
            neg = y < 0
            z = torch.where(neg, y / slope, y)
            dz = torch.where(neg, dy * slope, dy)
        else:
            z, dz = y, dy
        xhat = (z - b4) / w4
        dbias = dz.sum((0, 2, 3))
        dweight = (dz * xhat).sum((0, 2, 3))
        if ctx.training:
            n = y.numel() // y.shape[1]
            dx = (dz - (dbias / n).view(1, -1, 1, 1) - xhat * (dweight / n).view(1, -1, 1, 1)) \
                * (weight * invstd).view(1, -1, 1, 1)
        else:
            dx = dz * (weight * invstd).view(1, -1, 1, 1)
        return dx, dweight, dbias, None, None, None, None, None, None


class InPlaceABNTorch(BatchNormAct2d):
    """BatchNormAct2d whose training forward runs in place with InPlace-ABN's backward (see module doc).

    Same parameters, buffers and inference path as :class:`BatchNormAct2d`; only what autograd keeps differs.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not torch.is_grad_enabled() or not (x.requires_grad or self.weight.requires_grad):
            return super().forward(x)  # no backward to feed: plain BatchNorm + activation
        if self.training:
            self.num_batches_tracked.add_(1)
        slope = self.activation_param if self.activation == "leaky_relu" else -1.0
        return _InPlaceABNFunction.apply(x, self.weight, self.bias, self.running_mean, self.running_var,
                                         self.training, self.momentum, self.eps, slope)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, in-place"
