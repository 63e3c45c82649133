"""Two-stage detectors (Faster R-CNN, Cascade R-CNN, Mask R-CNN) from preprocessed images to detections (and
masks), in exportable ops.

mmdet's ``TwoStageDetector.predict`` for a whole batch at once: the RPN's ``_predict_by_feat_single`` +
``_bbox_post_process`` (per level the ``nms_pre`` best anchors, decoded and clipped, ``min_bbox_size``, NMS within
each level, the ``max_per_img`` best proposals per image), RoIAlign from the level each proposal's scale maps to,
the box head, and ``multiclass_nms`` (softmax, per-class boxes clipped to the image, ``score_thr``, class-wise NMS,
``max_per_img``). Cascade R-CNN refines the RoIs stage by stage by the argmax class and scores with the mean of
the stages' logits (``CascadeRoIHead._refine_roi``). Mask R-CNN adds a second output: each detection's mask
probabilities in its box (``masks``), pasted into the image outside the graph as mmdet's ``_do_paste_mask`` does.
"""
from __future__ import annotations

from typing import List, Tuple

import torch
import torch.nn as nn

from ..errors import ConfigError
from .dense_heads import flat, gather_rows, level_topk, nms_settings
from .graph_ops import clip_to_image, decode_boxes, multi_level_roi_align, nms_per_image, select

ROI_HEADS = ("StandardRoIHead", "CascadeRoIHead")


class TwoStagePostProcess(nn.Module):
    """A two-stage detector as ``(image, image_size) -> detections``; see the module docstring."""

    def __init__(self, detector: nn.Module):
        super().__init__()
        self.detector, self.rpn, self.roi = detector, detector.rpn_head, detector.roi_head
        name = type(self.roi).__name__
        if name not in ROI_HEADS:
            raise ConfigError(f"a {name} is not exported by this version (RoI heads: {', '.join(ROI_HEADS)})")
        if getattr(self.roi, "with_shared_head", False):
            raise ConfigError(f"{name} with a shared head: the exported graph has the FPN RoI path only")
        self.cascade = name == "CascadeRoIHead"
        heads = list(self.roi.bbox_head) if self.cascade else [self.roi.bbox_head]
        extractors = list(self.roi.bbox_roi_extractor) if self.cascade else [self.roi.bbox_roi_extractor]
        for head in heads:
            if getattr(head, "custom_cls_channels", False) or getattr(head, "custom_activation", False):
                raise ConfigError(f"{type(head).__name__} with a custom classifier: the graph scores by softmax")
        if not all(getattr(h.bbox_coder, "clip_border", True) for h in [self.rpn, *heads]):
            raise ConfigError("a box coder with clip_border=False: the exported graph clips boxes to each image")
        self.stages: List[Tuple[nn.Module, nn.Module]] = list(zip(heads, extractors))
        _, self.rpn_iou, self.rpn_pre, self.rpn_max, self.rpn_min = nms_settings(self.rpn.test_cfg, "rpn")
        self.score_thr, self.iou, _, self.max_per_img, _ = nms_settings(self.roi.test_cfg, "rcnn")
        self.with_mask = bool(getattr(self.roi, "with_mask", False))
        self.mask_thr = float(self.roi.test_cfg.get("mask_thr_binary", 0.5)) if self.with_mask else None

    def settings(self) -> dict:
        """The post-processing as the contract states it: the RoI head's test_cfg, the RPN's under ``rpn``."""
        return {"score_thr": self.score_thr, "nms_iou": self.iou, "max_per_img": self.max_per_img,
                "rpn": {"nms_pre": self.rpn_pre, "nms_iou": self.rpn_iou, "max_per_img": self.rpn_max,
                        "min_bbox_size": self.rpn_min},
                **({"mask_thr_binary": self.mask_thr} if self.with_mask else {})}

    def proposals(self, feats, h, w, batch: int):
        """The RPN's proposals as RoIs ``(K, 5)``: ``[image index, x1, y1, x2, y2]``."""
        cls_scores, bbox_preds = self.rpn(feats)
        anchors = self.rpn.prior_generator.grid_priors([c.shape[-2:] for c in cls_scores], dtype=h.dtype,
                                                       device=h.device)
        boxes, scores, levels, owners = [], [], [], []
        for level, (cls, reg, prior) in enumerate(zip(cls_scores, bbox_preds, anchors)):
            score = cls.permute(0, 2, 3, 1).reshape(batch, -1)
            score = score.sigmoid() if self.rpn.use_sigmoid_cls else \
                score.reshape(batch, -1, 2).softmax(-1)[..., 0]
            top, where, _ = level_topk(score, self.rpn_pre, 1)
            pred = gather_rows(flat(reg, self.rpn.bbox_coder.encode_size), where)
            box = decode_boxes(self.rpn.bbox_coder, prior[where].reshape(-1, 4), pred.reshape(-1, 4))
            boxes.append(clip_to_image(box.reshape(batch, -1, 4), h, w))
            scores.append(top)
            levels.append(torch.full_like(where, level))
            owners.append(torch.arange(batch, device=h.device)[:, None].expand_as(where))
        boxes, scores = torch.cat(boxes, 1).reshape(-1, 4), torch.cat(scores, 1).reshape(-1)
        levels, owners = torch.cat(levels, 1).reshape(-1), torch.cat(owners, 1).reshape(-1)
        if self.rpn_min >= 0:
            valid = (boxes[:, 2] - boxes[:, 0] > self.rpn_min) & (boxes[:, 3] - boxes[:, 1] > self.rpn_min)
            boxes, scores, levels, owners = select(valid, boxes, scores, levels, owners)
        keep = nms_per_image(boxes, scores, levels, len(cls_scores), owners, self.rpn_iou, self.rpn_max, batch)
        return torch.cat([owners[keep, None].to(boxes.dtype), boxes[keep]], 1)

    def forward(self, image: torch.Tensor, image_size: torch.Tensor) -> torch.Tensor:
        batch = image.shape[0]
        feats = self.detector.extract_feat(image)
        size = image_size.to(image.dtype)
        rois = self.proposals(feats, size[:, 0:1], size[:, 1:2], batch)
        owners = rois[:, 0].long()
        h, w = size[owners, 0], size[owners, 1]  # each RoI's image
        logits = []
        for stage, (head, extractor) in enumerate(self.stages):
            cls, reg = head(multi_level_roi_align(feats[:extractor.num_inputs], rois, extractor))
            logits.append(cls)
            if stage < len(self.stages) - 1:  # Cascade: regress by the argmax class, next stage on those RoIs
                label = cls[:, :-1].argmax(1)
                if not head.reg_class_agnostic:
                    reg = torch.gather(reg.reshape(reg.shape[0], -1, 4), 1, label[:, None, None].expand(-1, 1, 4))
                box = clip_to_image(decode_boxes(head.bbox_coder, rois[:, 1:], reg.reshape(-1, 4)), h, w)
                rois = torch.cat([rois[:, :1], box], 1)
        head = self.stages[-1][0]
        scores = (sum(logits) / len(logits)).softmax(-1)[:, :-1]  # (K, C), background last
        num_classes = scores.shape[1]
        per_class = 1 if head.reg_class_agnostic else num_classes
        box = decode_boxes(head.bbox_coder, rois[:, 1:].repeat_interleave(per_class, 0), reg.reshape(-1, 4))
        box = clip_to_image(box.reshape(-1, per_class, 4), h[:, None], w[:, None]).expand(-1, num_classes, 4)
        labels = torch.arange(num_classes, device=image.device)[None].expand_as(scores)
        boxes, scores = box.reshape(-1, 4), scores.reshape(-1)
        labels, owners = labels.reshape(-1), owners[:, None].expand(-1, num_classes).reshape(-1)
        valid = scores > self.score_thr
        boxes, scores, labels, owners = select(valid, boxes, scores, labels, owners)
        keep = nms_per_image(boxes, scores, labels, num_classes, owners, self.iou, self.max_per_img, batch)
        dets = torch.cat([owners[keep, None].to(boxes.dtype), boxes[keep], scores[keep, None],
                          labels[keep, None].to(boxes.dtype)], 1)
        if not self.with_mask:
            return dets
        return dets, self.masks(feats, dets)

    def masks(self, feats, dets: torch.Tensor) -> torch.Tensor:
        """Mask R-CNN: each detection's ``(M, M)`` mask probabilities for its class, from RoIAlign at its box (mmdet's
        ``_mask_forward`` + the sigmoid and class pick of ``FCNMaskHead._predict_by_feat_single``); pasting into the
        image is left to the consumer (the contract says how)."""
        extractor = self.roi.mask_roi_extractor
        logits = self.roi.mask_head(multi_level_roi_align(feats[:extractor.num_inputs], dets[:, :5], extractor))
        if not self.roi.mask_head.class_agnostic:
            index = dets[:, 6].long()[:, None, None, None].expand(-1, 1, *logits.shape[-2:])
            logits = torch.gather(logits, 1, index)
        return logits[:, 0].sigmoid()
