"""mmcv's RoIAlign and RoIPool read their input as NCHW memory whatever its strides, so channels_last feature maps
(the TResNet backbone's layout on CUDA and AVX-512 CPUs, and any detector run in channels_last) give wrong RoI
features without an error (open-mmlab/mmcv#2203, mmcv 2.1): Faster / Mask / Cascade R-CNN then fail to learn.
:func:`install_contiguous_roi_ops` (run when this package is imported, so by every config that names
``tresnet_tasks.registry``) makes their input contiguous first: a copy of each pyramid level per call when it is
channels_last, nothing otherwise; the gradient flows back through the copy."""
from __future__ import annotations

import functools

from mmcv.ops import RoIAlign, RoIPool


def _contiguous_first(forward):
    if getattr(forward, "contiguous_first", False):
        return forward

    @functools.wraps(forward)
    def wrapped(self, input, rois):
        return forward(self, input.contiguous(), rois)
    wrapped.contiguous_first = True
    return wrapped


def install_contiguous_roi_ops() -> None:
    """Idempotent: each op's forward is wrapped once."""
    for op in (RoIAlign, RoIPool):
        op.forward = _contiguous_first(op.forward)
