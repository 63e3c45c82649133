"""One-stage detectors (FCOS, RetinaNet, ATSS, GFL) from preprocessed images to detections, in exportable ops.

This is mmdet's ``BaseDenseHead._predict_by_feat_single`` + ``_bbox_post_process`` (GFL: its own
``_predict_by_feat_single``) for a whole batch at once: per level the ``nms_pre`` best (prior, class) scores (the
set mmdet's ``filter_scores_and_topk`` keeps, as one top-k), the head's box coder applied at those priors and the
boxes clipped to each image, scores times the score factor (FCOS / ATSS centerness), ``min_bbox_size``, class-wise
NMS per image and the ``max_per_img`` best. ``mode='tensor'`` gives the raw head outputs through ``torch.export``.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

import torch
import torch.nn as nn

from ..errors import ConfigError
from .graph_ops import clip_to_image, decode_boxes, nms_per_image, select

# head class -> (outputs of mode='tensor' beyond cls / bbox are score factors, boxes come from a distribution)
DENSE_HEADS = {"FCOSHead": (True, False), "ATSSHead": (True, False), "RetinaHead": (False, False),
               "GFLHead": (False, True)}


def nms_settings(cfg, what: str) -> Tuple[float, float, int, int, float]:
    """``(score_thr, iou, nms_pre, max_per_img, min_bbox_size)`` of a head's test_cfg; anything but plain NMS
    (soft-NMS, class-agnostic) is refused rather than exported as something else."""
    nms = cfg.get("nms") or {}
    if nms.get("type", "nms") != "nms" or nms.get("class_agnostic", False):
        raise ConfigError(f"{what} test_cfg.nms {dict(nms)}: the exported graph does plain class-wise NMS only")
    nms_pre = int(cfg.get("nms_pre", -1))  # mmdet's -1: every score
    return (float(cfg.get("score_thr", 0.0)), float(nms["iou_threshold"]), nms_pre if nms_pre > 0 else 1 << 30,
            int(cfg.get("max_per_img", 100)), float(cfg.get("min_bbox_size", -1)))


def level_topk(score: torch.Tensor, k: int, num_classes: int):
    """The ``k`` best of a level's flattened ``(B, priors * classes)`` scores: ``(scores, prior index, label)``."""
    top, index = score.topk(torch.sym_min(k, score.shape[1]), dim=1)
    return top, index // num_classes, index % num_classes


def flat(t: torch.Tensor, width: int) -> torch.Tensor:
    """``(B, A * width, H, W)`` -> ``(B, H * W * A, width)``: mmdet's prior order (location, then anchor)."""
    return t.permute(0, 2, 3, 1).reshape(t.shape[0], -1, width)


def gather_rows(t: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``t[b, index[b, j]]`` for ``t`` of shape ``(B, N, D)``."""
    return torch.gather(t, 1, index[..., None].expand(-1, -1, t.shape[-1]))


class DenseHeadPostProcess(nn.Module):
    """A one-stage detector as ``(image, image_size) -> detections``; see the module docstring."""

    def __init__(self, detector: nn.Module):
        super().__init__()
        self.detector, self.head = detector, detector.bbox_head
        name = type(self.head).__name__
        if name not in DENSE_HEADS:
            raise ConfigError(f"a {name} is not exported by this version (dense heads: {', '.join(DENSE_HEADS)})")
        self.with_factors, self.distribution = DENSE_HEADS[name]
        if not getattr(self.head, "use_sigmoid_cls", True):
            raise ConfigError(f"{name} with a softmax classifier: the exported graph scores with sigmoid only")
        self.score_thr, self.iou, self.nms_pre, self.max_per_img, self.min_size = nms_settings(
            self.head.test_cfg, name)
        self.clip = bool(getattr(self.head.bbox_coder, "clip_border", True))

    def settings(self) -> dict:
        """The post-processing as the contract states it (mmdet's test_cfg names)."""
        return {"score_thr": self.score_thr, "nms_pre": self.nms_pre, "nms_iou": self.iou,
                "max_per_img": self.max_per_img, "min_bbox_size": self.min_size}

    def forward(self, image: torch.Tensor, image_size: torch.Tensor) -> torch.Tensor:
        outs = self.detector(image, mode="tensor")
        cls_scores, bbox_preds = outs[0], outs[1]
        factors: List[Optional[torch.Tensor]] = list(outs[2]) if self.with_factors else [None] * len(cls_scores)
        batch, num_classes = image.shape[0], self.head.cls_out_channels
        priors = self.head.prior_generator.grid_priors([c.shape[-2:] for c in cls_scores], dtype=image.dtype,
                                                       device=image.device)
        h, w = image_size[:, 0:1].to(image.dtype), image_size[:, 1:2].to(image.dtype)
        boxes, scores, labels, owners = [], [], [], []
        for level, (cls, reg, factor, prior) in enumerate(zip(cls_scores, bbox_preds, factors, priors)):
            top, where, label = level_topk(cls.permute(0, 2, 3, 1).reshape(batch, -1).sigmoid(), self.nms_pre,
                                           num_classes)
            if self.distribution:  # GFL: expected distance of each side's distribution, in pixels
                stride = self.head.prior_generator.strides[level][0]
                reg = self.head.integral(flat(reg, reg.shape[1]).reshape(-1, reg.shape[1])).reshape(batch, -1, 4)
                pred, prior = gather_rows(reg * stride, where), self.head.anchor_center(prior)[where]
            else:
                pred, prior = gather_rows(flat(reg, self.head.bbox_coder.encode_size), where), prior[where]
            box = decode_boxes(self.head.bbox_coder, prior.reshape(-1, prior.shape[-1]),
                               pred.reshape(-1, pred.shape[-1])).reshape(batch, -1, 4)
            boxes.append(clip_to_image(box, h, w) if self.clip else box)
            score = torch.where(top > self.score_thr, top, torch.zeros_like(top))
            if factor is not None:
                score = score * torch.gather(flat(factor, 1)[..., 0].sigmoid(), 1, where)
            scores.append(score)
            labels.append(label)
            owners.append(torch.arange(batch, device=image.device)[:, None].expand_as(label))
        boxes, scores = torch.cat(boxes, 1).reshape(-1, 4), torch.cat(scores, 1).reshape(-1)
        labels, owners = torch.cat(labels, 1).reshape(-1), torch.cat(owners, 1).reshape(-1)
        valid = scores > 0
        if self.min_size >= 0:
            valid &= (boxes[:, 2] - boxes[:, 0] > self.min_size) & (boxes[:, 3] - boxes[:, 1] > self.min_size)
        boxes, scores, labels, owners = select(valid, boxes, scores, labels, owners)
        keep = nms_per_image(boxes, scores, labels, num_classes, owners, self.iou, self.max_per_img, batch)
        return torch.cat([owners[keep, None].to(boxes.dtype), boxes[keep], scores[keep, None],
                          labels[keep, None].to(boxes.dtype)], 1)
