"""FCOS + TResNet in MMDetection: registry, freezing, pretrained init, the real tools end to end, bad data."""
import glob
import json
import os

import pytest
import torch
from mmdet.registry import MODELS
from mmdet.utils import register_all_modules

from tests.helpers import last_metrics, run_tool, run_tool_in_process, untrained_checkpoint
from tresnet_tasks import create_tresnet
from tresnet_tasks.backbone import canonical_to_official
from tresnet_tasks.backbone.norms import is_norm_act
from tresnet_tasks.data.synthetic import make_shapes_coco

register_all_modules()
DEMO_CFG = "configs/fcos/fcos_tresnet-m-tiny_fpn_gn-head_1x_shapes.py"


@pytest.mark.parametrize("arch,channels", [("m", [64, 128, 1024, 2048]), ("l", [76, 152, 1216, 2432])])
def test_backbone_from_registry_channels_and_strides(arch, channels):
    bb = MODELS.build(dict(type="TResNet", arch=arch, out_indices=(0, 1, 2, 3), norm="bn"))
    outs = bb(torch.rand(1, 3, 128, 192))
    assert [o.shape[1] for o in outs] == channels == bb.out_channels
    assert [(128 // o.shape[2], 192 // o.shape[3]) for o in outs] == [(4, 4), (8, 8), (16, 16), (32, 32)]
    bb3 = MODELS.build(dict(type="TResNet", arch=arch, norm="bn"))  # default C3..C5 for the FPN
    assert bb3.out_channels == channels[1:] and bb3.out_strides == [8, 16, 32]


def test_frozen_stages_and_norm_eval():
    bb = MODELS.build(dict(type="TResNet", arch="m", layers=(1, 1, 1, 1), width=0.25, frozen_stages=2,
                           norm_eval=True, norm="bn"))
    bb.train()
    body = bb.net.body
    for frozen in (body.conv1, body.layer1, body.layer2):
        assert not any(p.requires_grad for p in frozen.parameters())
        assert not any(m.training for m in frozen.modules())
    assert all(p.requires_grad for p in body.layer3.parameters())
    assert all(not m.training for m in bb.modules() if is_norm_act(m))  # norm_eval
    assert body.layer3[0].conv1.conv.training  # other layers still train
    before = body.layer3[0].conv1.bn.running_mean.clone()
    bb(torch.rand(2, 3, 64, 64))
    assert torch.equal(before, body.layer3[0].conv1.bn.running_mean)  # statistics frozen
    bb_free = MODELS.build(dict(type="TResNet", arch="m", layers=(1, 1, 1, 1), width=0.25, norm="bn"))
    bb_free.train()
    assert all(p.requires_grad for p in bb_free.parameters())


def test_pretrained_init_cfg_loads_official_checkpoint(tmp_path):
    src = create_tresnet("tresnet_m", layers=(1, 1, 1, 1), width=0.25, num_classes=1000, norm="bn")
    torch.nn.init.normal_(src.body.layer3[0].conv2.conv.weight)
    path = tmp_path / "official.pth"
    torch.save({"model": canonical_to_official(src.state_dict())}, path)
    bb = MODELS.build(dict(type="TResNet", arch="m", layers=(1, 1, 1, 1), width=0.25, norm="bn",
                           init_cfg=dict(type="Pretrained", checkpoint=str(path))))
    assert not torch.equal(bb.net.body.layer3[0].conv2.conv.weight, src.body.layer3[0].conv2.conv.weight)
    bb.init_weights()
    assert torch.equal(bb.net.body.layer3[0].conv2.conv.weight, src.body.layer3[0].conv2.conv.weight)
    # a whole-detector checkpoint: the backbone is found under its prefix
    det_ckpt = tmp_path / "det.pth"
    torch.save({"state_dict": {"backbone.net." + k: v for k, v in src.state_dict().items()}}, det_ckpt)
    bb2 = MODELS.build(dict(type="TResNet", arch="m", layers=(1, 1, 1, 1), width=0.25, norm="bn",
                            init_cfg=dict(type="Pretrained", checkpoint=str(det_ckpt), prefix="backbone.net.")))
    bb2.init_weights()
    assert torch.equal(bb2.net.body.layer3[0].conv2.conv.weight, src.body.layer3[0].conv2.conv.weight)


@pytest.fixture(scope="module")
def shapes_root(shapes_detection):
    return shapes_detection[False]  # the session's demo data (the tests copy it before changing it)


@pytest.mark.slow
def test_end_to_end_learning_through_the_tools(fcos_demo, tmp_path):
    """train -> checkpoint -> tools/test.py (pycocotools COCOeval) -> tools/infer.py; AP50 from ~0 to >= 0.5.
    The training is the session's (tests/conftest.py: fcos_demo, tools/train.py on the demo config)."""
    shapes_root, opts = fcos_demo.root, fcos_demo.opts
    untrained = tmp_path / "untrained.pth"
    untrained_checkpoint(DEMO_CFG, untrained)
    before = run_tool_in_process("tools/test.py", DEMO_CFG, str(untrained), "--work-dir", str(tmp_path / "t0"), *opts,
                                 check=True)
    ap50_before = last_metrics(tmp_path / "t0").get("coco/bbox_mAP_50")
    if ap50_before is None:  # no detection above score_thr at all: AP is 0 by definition
        assert "[test] coco/bbox_mAP 0.0: the model made no detection" in before.output
        ap50_before = 0.0
    out = fcos_demo.train_output
    assert " eta 0:" in out  # progress lines with the ETA on the console
    ckpt = fcos_demo.checkpoint
    assert os.path.isfile(ckpt) and ckpt.endswith("epoch_12.pth")
    test = run_tool_in_process("tools/test.py", DEMO_CFG, ckpt, "--work-dir", str(tmp_path / "t1"), "--show-dir", "vis",
                               *opts, check=True)
    assert "[test] coco/bbox_mAP " in test.output and "chart     " in test.output
    log = open(glob.glob(str(tmp_path / "t1" / "2*" / "2*.log"))[-1], encoding="utf-8").read()
    assert "Average Precision" in log  # pycocotools' COCOeval summary, in the log file (the console is short)
    ap50_after = last_metrics(tmp_path / "t1")["coco/bbox_mAP_50"]
    print(f"AP50 untrained {ap50_before:.3f} -> trained {ap50_after:.3f}")
    assert ap50_before < 0.05 and ap50_after >= 0.5
    preds = json.loads((tmp_path / "t1" / "predictions.bbox.json").read_text())
    assert preds and {"image_id", "bbox", "score", "category_id"} <= set(preds[0])
    assert glob.glob(str(tmp_path / "t1" / "*" / "vis" / "*.jpg"))
    val = sorted(glob.glob(os.path.join(shapes_root, "val2017", "*.jpg")))[:2]
    run_tool("tools/infer.py", *val, "--config", DEMO_CFG, "--checkpoint", ckpt, "--out-dir", str(tmp_path / "inf"),
             "--device", "cpu")
    assert len(os.listdir(tmp_path / "inf" / "vis")) == 2 and len(os.listdir(tmp_path / "inf" / "preds")) == 2
    assert before.returncode == 0


def _write(root, data):
    os.makedirs(os.path.join(root, "annotations"), exist_ok=True)
    with open(os.path.join(root, "annotations", "instances_train2017.json"), "w") as f:
        json.dump(data, f)


@pytest.mark.parametrize("case", ["no_root", "missing_fields", "missing_image", "orphan_annotation",
                                  "class_names"])
def test_bad_data_fails_before_training_with_a_clear_message(tmp_path, shapes_root, case):
    import shutil
    root = str(tmp_path / "data")
    expected = {
        "no_root": "annotation file not found.*does not exist",
        "missing_fields": r"lacks the COCO field\(s\) \['annotations', 'categories'\]",
        "missing_image": "1 image\\(s\\) listed .* are missing",
        "orphan_annotation": "point at image ids missing from 'images'",
        "class_names": "are not categories of this file",
    }[case]
    if case != "no_root":
        shutil.copytree(shapes_root, root)
        data = json.load(open(os.path.join(root, "annotations", "instances_train2017.json")))
        if case == "missing_fields":
            data = {"images": data["images"]}
        elif case == "missing_image":
            os.remove(os.path.join(root, "train2017", data["images"][3]["file_name"]))
        elif case == "orphan_annotation":
            data["annotations"][0]["image_id"] = 999999
        elif case == "class_names":
            for c in data["categories"]:
                c["name"] = c["name"].upper()
        _write(root, data)
    proc = run_tool_in_process("tools/train.py", DEMO_CFG, "--work-dir", str(tmp_path / "w"), "--cfg-options",
                               f"data_root={root}/")
    assert proc.returncode == 2, proc.output[-2000:]
    last = proc.output.strip().splitlines()[-1]
    assert last.startswith("train: error: DatasetError") and __import__("re").search(expected, last), last
    assert not os.path.exists(tmp_path / "w" / "epoch_1.pth")


def test_bad_boxes_are_skipped_and_counted(tmp_path, shapes_root):
    import shutil
    from mmengine.registry import init_default_scope
    from mmdet.registry import DATASETS
    root = str(tmp_path / "data")
    shutil.copytree(shapes_root, root)
    data = json.load(open(os.path.join(root, "annotations", "instances_train2017.json")))
    n_good = len(data["annotations"])
    data["annotations"][0]["bbox"] = [10, 10, 0, 5]  # zero width
    data["annotations"][1]["bbox"] = [10, 10, -4, 5]  # negative width
    data["annotations"][2]["bbox"] = [5000, 5000, 20, 20]  # entirely outside the image
    _write(root, data)
    init_default_scope("mmdet")
    from mmengine.logging import MMLogger
    logger = MMLogger.get_instance("test_bad_boxes", log_level="INFO")
    records = []
    handler = __import__("logging").Handler()
    handler.emit = lambda r: records.append(r.getMessage())
    logger.addHandler(handler)
    ds = DATASETS.build(dict(type="CheckedCocoDataset", data_root=root + "/",
                             ann_file="annotations/instances_train2017.json", data_prefix=dict(img="train2017/"),
                             metainfo=dict(classes=("circle", "square", "triangle")), pipeline=[]))
    kept = sum(len(ds.get_data_info(i)["instances"]) for i in range(len(ds)))
    assert kept == n_good - 3
    assert any("skipping 2 box(es) with non-positive size and 1 box(es) entirely outside" in r for r in records)


def test_shapes_with_masks_carry_the_polygons_they_draw(tmp_path):
    """make_shapes_coco(with_masks=True): each annotation's COCO polygons (pycocotools' own rasteriser) cover the
    pixels drawn for it and stay inside its box; the area is the polygon's."""
    import numpy as np
    from PIL import Image
    from pycocotools.coco import COCO
    from tresnet_tasks.data.synthetic import ALL_SHAPES, make_shapes_coco
    root = make_shapes_coco(str(tmp_path / "m"), num_train=6, num_val=2, size=128, shapes=ALL_SHAPES, max_objects=1,
                            with_masks=True)
    coco = COCO(os.path.join(root, "annotations", "instances_train2017.json"))
    for ann in coco.loadAnns(coco.getAnnIds()):
        img = coco.loadImgs(ann["image_id"])[0]
        pixels = np.asarray(Image.open(os.path.join(root, "train2017", img["file_name"])).convert("L"), dtype=float)
        mask = coco.annToMask(ann).astype(bool)
        x, y, w, h = ann["bbox"]
        ys, xs = np.nonzero(mask)
        assert xs.min() >= int(x) - 1 and xs.max() <= x + w + 1 and ys.min() >= int(y) - 1 and ys.max() <= y + h + 1
        assert abs(mask.sum() - ann["area"]) <= 0.15 * ann["area"] + 20  # rasterised vs exact polygon area
        # one object per image on a dark background: the shape's pixels are the bright ones (JPEG edges aside)
        assert pixels[mask].mean() > pixels[~mask].mean() + 60
