"""The exported detectors' post-processing equals mmdet's own ``predict``, family by family, without training:
each family's demo model at its initialisation, its classifier biases set so that it detects, run on a batch of
two images of different sizes by mmdet (``model.predict``, the truth) and by the graph that tools/export.py
exports (eager PyTorch here; ONNX Runtime in test_export.py)."""
import glob
import os

import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.registry import DefaultScope

from tests.helpers import ROOT
from tresnet_tasks.cli.config import load_config
from tresnet_tasks.deploy.detector import EXPORTABLE, detection_graph
from tresnet_tasks.errors import ConfigError

FAMILIES = ("fcos", "retinanet", "atss", "gfl", "faster_rcnn", "mask_rcnn", "cascade_rcnn")


def _demo_model(family):
    from mmdet.registry import MODELS
    (path,) = glob.glob(os.path.join(ROOT, "configs", family, "*_tresnet-m-tiny_*_shapes.py"))
    cfg = load_config(path)
    cfg.model.backbone.update(norm="bn")  # as tools/export.py builds it
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope("mmdet"):
        model = MODELS.build(cfg.model)
    model.init_weights()
    for name, module in model.named_modules():  # confident classifiers: many boxes over the score threshold
        if isinstance(module, torch.nn.Conv2d) and "cls" in name.split(".")[-1]:
            torch.nn.init.normal_(module.bias, 0.0, 2.0)
    return model.eval()


def _batch(h=160, w=160):
    torch.manual_seed(1)
    x = torch.randn(2, 3, h, w)
    sizes = [(h, w), (h - 32, w - 64)]
    for i, (ih, iw) in enumerate(sizes):  # padding is zero, as mmdet's preprocessor pads
        x[i, :, ih:], x[i, :, :, iw:] = 0, 0
    samples = []
    for ih, iw in sizes:
        sample = DetDataSample()
        sample.set_metainfo(dict(img_shape=(ih, iw), ori_shape=(ih, iw), scale_factor=(1.0, 1.0),
                                 batch_input_shape=(h, w), pad_shape=(h, w)))
        samples.append(sample)
    return x, torch.tensor(sizes), samples


@pytest.mark.parametrize("family", FAMILIES)
def test_graph_detections_equal_mmdets_predict(family):
    model = _demo_model(family)
    x, sizes, samples = _batch()
    with torch.no_grad():
        truth = model.predict(x, samples, rescale=False)
        out = detection_graph(model)(x, sizes)
    dets, masks = out if isinstance(out, tuple) else (out, None)
    assert sum(len(t.pred_instances) for t in truth) > 10  # the comparison is between many boxes
    for i, t in enumerate(truth):
        mine = dets[dets[:, 0] == i]
        want = t.pred_instances
        assert len(mine) == len(want), (i, len(mine), len(want))
        assert torch.allclose(mine[:, 1:5], want.bboxes, atol=1e-3)
        assert torch.allclose(mine[:, 5], want.scores, atol=1e-5)
        assert torch.equal(mine[:, 6].long(), want.labels)
        if masks is not None:  # pasted with mmdet's function, the graph's probabilities give mmdet's masks
            from mmdet.models.roi_heads.mask_heads.fcn_mask_head import _do_paste_mask
            pasted, _ = _do_paste_mask(masks[dets[:, 0] == i][:, None], mine[:, 1:5], *samples[i].img_shape,
                                       skip_empty=False)
            thr = model.roi_head.test_cfg.mask_thr_binary
            assert (pasted >= thr).shape == want.masks.shape
            assert ((pasted >= thr) != want.masks).float().mean() < 1e-3


def test_every_family_demo_is_exportable():
    heads = {type(getattr(m, "bbox_head", None) or m.roi_head).__name__ for m in map(_demo_model, FAMILIES)}
    assert heads <= set(EXPORTABLE)


def test_soft_nms_is_refused_in_one_line():
    model = _demo_model("retinanet")
    model.bbox_head.test_cfg.nms = dict(type="soft_nms", iou_threshold=0.5)
    with pytest.raises(ConfigError, match="plain class-wise NMS only"):
        detection_graph(model)


def test_a_head_that_does_not_export_is_refused_in_one_line():
    model = _demo_model("retinanet")
    model.bbox_head.__class__ = type("PAAHead", (type(model.bbox_head),), {})  # a head outside the seven families
    with pytest.raises(ConfigError, match="a PAAHead is not exported by this version"):
        detection_graph(model)
