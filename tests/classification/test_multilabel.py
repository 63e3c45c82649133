"""Multi-label through the real tools on generated COCO-format data, datasets and their bad-input messages."""
import glob
import json
import logging
import os
import shutil

import numpy as np
import pytest
import torch
from mmengine.logging import MMLogger
from mmengine.registry import DATASETS, MODELS

from tests.helpers import chance_map, run_tool, run_tool_in_process
from tresnet_tasks.errors import DatasetError
from tresnet_tasks.data.synthetic import ALL_SHAPES, make_shapes_coco
from tresnet_tasks.cli.config import load_config

CFG = "configs/multilabel/asl_tresnet-m-tiny_128px_shapes.py"


@pytest.fixture(scope="module")
def ml_root(tmp_path_factory):
    return make_shapes_coco(str(tmp_path_factory.mktemp("ml")), num_train=300, num_val=100, size=128,
                            shapes=ALL_SHAPES, max_objects=3)


def _coco_ds(root, split="train", **kw):
    return DATASETS.build(dict(type="CocoMultiLabelDataset", data_root=root + "/",
                               ann_file=f"annotations/instances_{split}2017.json",
                               data_prefix=dict(img_path=f"{split}2017/"),
                               pipeline=[dict(type="LoadImagePIL"), dict(type="SquishResize", size=64),
                                         dict(type="PackClsInputs")], **kw))


def test_coco_multilabel_targets_match_the_json(ml_root):
    ds = _coco_ds(ml_root, "val")
    data = json.load(open(os.path.join(ml_root, "annotations", "instances_val2017.json")))
    assert ds.metainfo["classes"] == tuple(c["name"] for c in data["categories"])
    info = ds.get_data_info(0)
    expected = {c["name"] for a in data["annotations"] if a["image_id"] == info["img_id"]
                for c in data["categories"] if c["id"] == a["category_id"]}
    got = {ds.metainfo["classes"][i] for i in np.nonzero(info["gt"])[0]}
    assert got == expected
    item = ds[0]
    assert item["inputs"].shape == (3, 64, 64) and item["inputs"].dtype == torch.uint8


def test_empty_images_dropped_or_kept_and_bad_category(ml_root, tmp_path):
    root = str(tmp_path / "d")
    shutil.copytree(ml_root, root)
    path = os.path.join(root, "annotations", "instances_val2017.json")
    data = json.load(open(path))
    first = data["images"][0]["id"]
    data["annotations"] = [a for a in data["annotations"] if a["image_id"] != first]
    json.dump(data, open(path, "w"))
    assert len(_coco_ds(root, "val")) == len(data["images"]) - 1
    kept = _coco_ds(root, "val", drop_empty=False)
    assert len(kept) == len(data["images"]) and kept.get_data_info(0)["gt"].sum() == 0
    data["annotations"][0]["category_id"] = 77  # not in categories
    json.dump(data, open(path, "w"))
    with pytest.raises(DatasetError, match=r"category id\(s\) \[77\] that are not in 'categories'"):
        _coco_ds(root, "val")


def test_list_formats_and_their_errors(ml_root, tmp_path):
    img_dir = os.path.join(ml_root, "val2017")
    names = sorted(os.listdir(img_dir))[:4]
    csv_path = tmp_path / "list.csv"
    csv_path.write_text("image,labels\n" + f"{names[0]},cat|dog\n{names[1]},dog\n{names[2]},\n{names[3]},bird\n")
    ds = DATASETS.build(dict(type="MultiLabelListDataset", ann_file=str(csv_path), data_prefix=dict(img_path=img_dir),
                             pipeline=[]))
    assert ds.metainfo["classes"] == ("bird", "cat", "dog") and len(ds) == 3  # the empty label list is skipped
    assert ds.get_data_info(0)["gt"].tolist() == [0, 1, 1]
    json_path = tmp_path / "list.json"
    json_path.write_text(json.dumps([{"image": names[0], "labels": ["cat"]}, {"image": "nope.jpg", "labels": ["dog"]}]))
    with pytest.raises(DatasetError, match=r"1 image\(s\) listed in .*list.json are missing"):
        DATASETS.build(dict(type="MultiLabelListDataset", ann_file=str(json_path),
                            data_prefix=dict(img_path=img_dir), pipeline=[]))
    with pytest.raises(DatasetError, match=r"label\(s\) \['cat'\] are not among the configured classes"):
        DATASETS.build(dict(type="MultiLabelListDataset", ann_file=str(csv_path), data_prefix=dict(img_path=img_dir),
                            metainfo=dict(classes=("dog", "bird")), pipeline=[]))


def test_unreadable_image_is_skipped_in_training_and_fails_in_test(ml_root, tmp_path):
    root = str(tmp_path / "d")
    shutil.copytree(ml_root, root)
    data = json.load(open(os.path.join(root, "annotations", "instances_train2017.json")))
    bad = os.path.join(root, "train2017", data["images"][0]["file_name"])
    with open(bad, "wb") as f:
        f.write(b"\xff\xd8 not really a jpeg")
    records = []
    handler = logging.Handler()
    handler.emit = lambda r: records.append(r.getMessage())
    MMLogger.get_instance("ml_unreadable").addHandler(handler)
    ds = _coco_ds(root, "train")
    item = ds[0]  # another sample is drawn instead
    assert item["inputs"].shape == (3, 64, 64)
    assert any("unreadable image skipped" in r and bad in r for r in records)
    test_ds = _coco_ds(root, "train", test_mode=True)
    with pytest.raises(DatasetError, match="unreadable image in evaluation data: .*000000000001.jpg"):
        test_ds[0]


def test_mldecoder_head_and_recipe_configs_build():
    for path, size in [("configs/multilabel/mldecoder_tresnet-m_224px_coco.py", 224),
                       ("configs/multilabel/asl_tresnet-l_448px_coco.py", 448)]:
        cfg = load_config(path)
        cfg.model.init_cfg = None
        cfg.model.norm = "bn"
        model = MODELS.build(cfg.model).eval()
        x = torch.randint(0, 255, (1, 3, size, size), dtype=torch.uint8)
        data = model.data_preprocessor({"inputs": [x[0]], "data_samples": {"gt": [torch.zeros(80)]}}, False)
        with torch.no_grad():
            assert model(data["inputs"], mode="tensor").shape == (1, 80)
        assert data["inputs"].max() <= 1.0  # [0, 1], no mean/std


@pytest.mark.slow
def test_end_to_end_train_test_infer_learns(multilabel_demo, tmp_path):
    """The session's trained multi-label demo (tests/conftest.py: tools/train.py on the generated shapes)."""
    ml_root, opts, work = multilabel_demo.root, multilabel_demo.opts, multilabel_demo.work
    best = multilabel_demo.checkpoint
    assert best.is_file() and (work / "epoch_10.pth").is_file()
    meta = torch.load(best, map_location="cpu", weights_only=False)["meta"]
    assert meta["weights"] in ("raw", "ema")
    out = run_tool_in_process("tools/test.py", CFG, str(best), "--work-dir", str(tmp_path / "t"), *opts, check=True).output
    assert "[test] multilabel/mAP" in out
    log = open(glob.glob(str(tmp_path / "t" / "2*" / "2*.log"))[-1], encoding="utf-8").read()
    assert "per-class AP (100 images)" in log
    metrics = json.load(open(tmp_path / "t" / "predictions.per_class_ap.json"))["metrics"]
    chance = chance_map(ml_root)  # the mAP of an uninformative ranking is the positive rate
    print(f"multi-label mAP {metrics['mAP']:.1f} vs chance {chance:.1f}")
    assert metrics["mAP"] == pytest.approx(meta["multilabel/mAP"], abs=1e-6)  # best file = weights that scored
    assert metrics["mAP"] > chance + 25
    val = json.load(open(os.path.join(ml_root, "annotations", "instances_val2017.json")))
    img = os.path.join(ml_root, "val2017", val["images"][0]["file_name"])
    res = run_tool("tools/infer.py", img, "--config", CFG, "--checkpoint", str(best), "--topk", "2",
                   "--out", str(tmp_path / "p.json")).output
    preds = json.load(open(tmp_path / "p.json"))
    assert len(preds[0]["labels"]) == 2 and preds[0]["labels"][0]["label"] in ALL_SHAPES
    assert "infer: predictions for 1 image(s) written to" in res
