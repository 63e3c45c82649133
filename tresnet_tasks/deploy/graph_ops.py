"""Exportable pieces every detector's graph shares: clipping boxes to each image, class-wise NMS per image with the
``max_per_img`` best kept, and multi-level RoIAlign.

Why not mmcv's: ``batched_nms`` branches on the number of boxes and mmcv's RoIAlign is a compiled op; neither goes
through ``torch.export``. torchvision's ``nms`` and ``roi_align`` do (ONNX ``NonMaxSuppression`` and ``RoiAlign``),
and ``aten.sort`` has no ONNX lowering, so the rank of a kept box within its image is a one-hot cumulative sum.
"""
from __future__ import annotations

from typing import Sequence

import torch
import torchvision

from ..errors import ConfigError


def clip_to_image(boxes: torch.Tensor, h: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Boxes ``(..., 4)`` clamped to ``[0, w] x [0, h]`` (``h``, ``w`` broadcast against ``boxes[..., 0]``), as
    mmdet's coders do with ``max_shape``."""
    return torch.stack([boxes[..., 0].clamp(min=0).minimum(w), boxes[..., 1].clamp(min=0).minimum(h),
                        boxes[..., 2].clamp(min=0).minimum(w), boxes[..., 3].clamp(min=0).minimum(h)], -1)


ROW_LIMIT = 1 << 24  # boxes in one batch at any step: 256 images x 1,000 proposals is 2^18


def select(mask: torch.Tensor, *tensors: torch.Tensor):
    """``t[mask]`` for each tensor, the count declared below ``ROW_LIMIT``: without a bound torch.export carries
    products of int64 maxima (count x classes) that ONNX's int64 constants cannot hold."""
    out = [t[mask] for t in tensors]
    torch._check(out[0].shape[0] <= ROW_LIMIT)
    return out


def rank_within_image(owners: torch.Tensor, batch: int) -> torch.Tensor:
    """Rank of each row among the rows of its image, rows being in falling score (as NMS returns them)."""
    onehot = (owners[:, None] == torch.arange(batch, device=owners.device)[None]).long()
    return (onehot.cumsum(0) * onehot).sum(1) - 1


def nms_per_image(boxes: torch.Tensor, scores: torch.Tensor, groups: torch.Tensor, num_groups: int,
                  owners: torch.Tensor, iou: float, max_per_img: int, batch: int) -> torch.Tensor:
    """Indices kept by NMS within each (image, group) (mmcv's ``batched_nms`` offset trick), the ``max_per_img``
    best per image, in falling score. ``groups``: class (or level) ids below ``num_groups``, ``owners``: image ids."""
    offsets = (owners * num_groups + groups).to(boxes.dtype)
    top = torch.cat([boxes.reshape(-1), boxes.new_zeros(1)]).max()  # no box at all is a valid input
    keep = torchvision.ops.nms(boxes + offsets[:, None] * (top + 1), scores, iou)
    torch._check(keep.shape[0] <= ROW_LIMIT)
    (keep,) = select(rank_within_image(owners[keep], batch) < max_per_img, keep)
    return keep


def multi_level_roi_align(feats: Sequence[torch.Tensor], rois: torch.Tensor, extractor) -> torch.Tensor:
    """mmdet's ``SingleRoIExtractor`` with torchvision's RoIAlign: each RoI pooled from the level its scale maps to
    (``floor(log2(sqrt(area) / finest_scale))``, clamped). Every level pools every RoI and the mapped one is kept:
    fixed shapes (4x the pooling of a small RoI set, nothing next to the backbone)."""
    layer = extractor.roi_layers[0]
    size, ratio = layer.output_size, int(getattr(layer, "sampling_ratio", 0))
    aligned = bool(getattr(layer, "aligned", True))
    levels = len(extractor.featmap_strides)
    scale = torch.sqrt((rois[:, 3] - rois[:, 1]) * (rois[:, 4] - rois[:, 2]))
    target = torch.floor(torch.log2(scale / extractor.finest_scale + 1e-6)).clamp(min=0, max=levels - 1).long()
    out = None
    for level, (feat, stride) in enumerate(zip(feats[:levels], extractor.featmap_strides)):
        pooled = torchvision.ops.roi_align(feat, rois, size, spatial_scale=1.0 / stride, sampling_ratio=ratio,
                                           aligned=aligned)
        pooled = pooled * (target == level).to(pooled.dtype)[:, None, None, None]
        out = pooled if out is None else out + pooled
    return out


def decode_boxes(coder, priors: torch.Tensor, pred: torch.Tensor) -> torch.Tensor:
    """``coder.decode(priors, pred)`` unclipped (the caller clips per image), through mmdet's own functions: the
    coders' ``decode`` switches to other code under ``torch.onnx.is_in_onnx_export()``."""
    from mmdet.models.task_modules.coders import DeltaXYWHBBoxCoder, DistancePointBBoxCoder
    from mmdet.models.task_modules.coders.delta_xywh_bbox_coder import delta2bbox
    from mmdet.structures.bbox import distance2bbox
    if isinstance(coder, DeltaXYWHBBoxCoder):
        # one extra row: delta2bbox returns early for no box, a branch torch.export cannot take on a count that
        # depends on the data (RoIs after NMS); with the row the count is never 0, and the row is dropped after
        pad = pred.new_zeros(1, pred.shape[1])
        return delta2bbox(torch.cat([priors, pad]), torch.cat([pred, pad]), coder.means, coder.stds,
                          max_shape=None, clip_border=False, add_ctr_clamp=coder.add_ctr_clamp,
                          ctr_clamp=coder.ctr_clamp)[:-1]
    if isinstance(coder, DistancePointBBoxCoder):
        return distance2bbox(priors, pred, max_shape=None)
    raise ConfigError(f"box coder {type(coder).__name__}: the exported graph decodes DeltaXYWHBBoxCoder and "
                      "DistancePointBBoxCoder boxes only")
