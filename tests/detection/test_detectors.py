"""TResNet in every common MMDetection detector: each config composes mmdet's own base from the installed package,
builds, and computes finite training losses whose backward reaches the backbone (frozen-statistics lean path
included); Mask R-CNN's mask loss too. Truth: mmdet's own detectors and losses; the channels the FPN is told equal
what the backbone returns."""
import glob
import os

import numpy as np
import pytest
import torch
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmdet.structures.mask import BitmapMasks
from mmengine.registry import DefaultScope
from mmengine.structures import InstanceData

from tests.helpers import ROOT
from tresnet_tasks.cli.config import load_config

FAMILIES = ("retinanet", "atss", "gfl", "faster_rcnn", "mask_rcnn", "cascade_rcnn")
CONFIGS = sorted(p for f in FAMILIES for p in glob.glob(os.path.join(ROOT, "configs", f, "*_coco.py"))) + [
    os.path.join(ROOT, "configs", "fcos", "fcos_tresnet-m_fpn_gn-head_asl_1x_coco.py")]


def _batch(model, with_masks, n=2, h=128, w=160):
    g = torch.Generator().manual_seed(0)
    imgs, samples = [], []
    for _ in range(n):
        imgs.append(torch.randint(0, 256, (3, h, w), dtype=torch.uint8, generator=g))
        sample = DetDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w), scale_factor=(1.0, 1.0),
                                             pad_shape=(h, w), batch_input_shape=(h, w)))
        boxes = torch.tensor([[10.0, 12.0, 70.0, 90.0], [60.0, 30.0, 150.0, 120.0]])
        inst = InstanceData(bboxes=boxes, labels=torch.tensor([1, 7]))
        if with_masks:
            masks = np.zeros((2, h, w), dtype=np.uint8)
            for k, (x1, y1, x2, y2) in enumerate(boxes.int().tolist()):
                masks[k, y1:y2, x1:x2] = 1
            inst.masks = BitmapMasks(masks, h, w)
        sample.gt_instances = inst
        samples.append(sample)
    return model.data_preprocessor({"inputs": imgs, "data_samples": samples}, True)


def test_every_common_detector_has_m_and_l_configs():
    names = {os.path.basename(p) for p in CONFIGS}
    for family in FAMILIES:
        assert len(glob.glob(os.path.join(ROOT, "configs", family, "*_tresnet-[ml]_fpn_1x_coco.py"))) == 2, family
        assert os.path.isfile(os.path.join(ROOT, "configs", family, "README.md"))
    assert {"fcos_tresnet-m_fpn_gn-head_asl_1x_coco.py", "gfl_tresnet-m_fpn_asl_1x_coco.py"} <= names


@pytest.mark.slow
@pytest.mark.parametrize("path", CONFIGS, ids=[os.path.relpath(p, ROOT) for p in CONFIGS])
def test_detector_builds_and_trains_one_step(path):
    cfg = load_config(path)
    cfg.model.backbone.init_cfg = None  # random weights: no download
    cfg.model.backbone.norm = "bn"
    with DefaultScope.overwrite_default_scope("mmdet"):
        model = MODELS.build(cfg.model)
    model.train()
    channels = [model.backbone.net.stage_channels[i] for i in model.backbone.out_indices]
    assert list(cfg.model.neck.in_channels) == channels
    assert model.backbone.norm_eval and not model.backbone.net.body.layer4[0].conv1.bn.training  # frozen stats
    data = _batch(model, with_masks="mask" in os.path.basename(path))
    losses = model.loss(data["inputs"], data["data_samples"])
    if "mask" in os.path.basename(path):
        assert "loss_mask" in losses
    loss, _ = model.parse_losses(losses)
    assert torch.isfinite(loss)
    loss.backward()
    grad = model.backbone.net.body.layer4[0].conv1.conv.weight.grad
    assert grad is not None and torch.isfinite(grad).all() and grad.abs().sum() > 0
