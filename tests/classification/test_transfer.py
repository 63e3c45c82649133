"""Transfer learning: dataset readers on fixtures in the real layouts, fine-tuning through the real tools."""
import json
import os
import pickle

import numpy as np
import pytest
import torch
from mmengine.registry import DATASETS, MODELS

from tests.helpers import official_checkpoint, run_tool, run_tool_in_process
from tests.helpers import write_cars_devkit, write_cars_old, write_flowers
from tresnet_tasks.errors import DatasetError
from tresnet_tasks.data.synthetic import make_cifar_pickles
from tresnet_tasks.cli.config import load_config
from tresnet_tasks.classification import confusion_matrix, topk_accuracy

DEMO = "configs/transfer/tresnet-m-tiny_64px_shapes-cifar10.py"
PIPE = [dict(type="LoadImagePIL"), dict(type="SquishResize", size=32), dict(type="PackClsInputs")]


@pytest.fixture(scope="module")
def cifar_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("cifar"))
    make_cifar_pickles(root, 10, num_train=600, num_test=200)
    make_cifar_pickles(root, 100, num_train=50, num_test=20)
    return root


@pytest.mark.parametrize("num_classes,folder,train_n,test_n", [(10, "cifar-10-batches-py", 600, 200),
                                                                (100, "cifar-100-python", 50, 20)])
def test_cifar_reads_the_real_pickles(cifar_root, num_classes, folder, train_n, test_n):
    train = DATASETS.build(dict(type="CIFARDataset", data_root=cifar_root, num_classes=num_classes, split="train",
                                pipeline=PIPE))
    test = DATASETS.build(dict(type="CIFARDataset", data_root=cifar_root, num_classes=num_classes, split="test",
                               pipeline=PIPE))
    assert (len(train), len(test)) == (train_n, test_n) and len(train.metainfo["classes"]) == num_classes
    name, key = ("test_batch", "labels") if num_classes == 10 else ("test", "fine_labels")
    with open(os.path.join(cifar_root, folder, name), "rb") as f:
        raw = pickle.load(f, encoding="latin1")
    item = test[3]
    assert int(item["data_samples"]["gt"]) == raw[key][3]
    assert np.array_equal(item["inputs"].numpy(), raw["data"][3].reshape(3, 32, 32))


def test_cifar_partial_layout_is_reported(cifar_root, tmp_path):
    import shutil
    shutil.copytree(os.path.join(cifar_root, "cifar-10-batches-py"), tmp_path / "cifar-10-batches-py")
    os.remove(tmp_path / "cifar-10-batches-py" / "data_batch_3")
    with pytest.raises(DatasetError, match=r"missing \['data_batch_3'\] in .*cifar-10-batches-py"):
        DATASETS.build(dict(type="CIFARDataset", data_root=str(tmp_path), split="train", pipeline=PIPE))
    with pytest.raises(DatasetError, match="folder does not exist"):
        DATASETS.build(dict(type="CIFARDataset", data_root=str(tmp_path / "nope"), split="test", pipeline=PIPE))


def test_stanford_cars_devkit_and_old_layouts(tmp_path):
    root = write_cars_devkit(str(tmp_path / "devkit_layout" / "stanford_cars"))
    train = DATASETS.build(dict(type="StanfordCarsDataset", data_root=str(tmp_path / "devkit_layout"), split="train",
                                pipeline=PIPE))
    test = DATASETS.build(dict(type="StanfordCarsDataset", data_root=root, split="test", pipeline=PIPE))
    assert (len(train), len(test)) == (6, 4) and train.metainfo["classes"][0] == "Car Model 0 2012"
    assert [train.get_data_info(i)["gt"] for i in range(6)] == [0, 1, 2, 0, 1, 2]  # 1-based -> 0-based
    old = write_cars_old(str(tmp_path / "old"))
    test_old = DATASETS.build(dict(type="StanfordCarsDataset", data_root=old, split="test", pipeline=PIPE))
    train_old = DATASETS.build(dict(type="StanfordCarsDataset", data_root=old, split="train", pipeline=PIPE))
    assert (len(train_old), len(test_old)) == (6, 2)
    assert test_old.get_data_info(1)["gt"] == 4 % 3 and test_old[0]["inputs"].shape == (3, 32, 32)
    os.remove(os.path.join(root, "devkit", "cars_meta.mat"))
    with pytest.raises(DatasetError, match=r"missing \['devkit/cars_meta.mat'\]"):
        DATASETS.build(dict(type="StanfordCarsDataset", data_root=root, split="train", pipeline=PIPE))


def test_flowers_splits_and_labels(tmp_path):
    root, labels = write_flowers(str(tmp_path / "flowers"))
    sizes = {}
    for split in ("train", "val", "test", "trainval"):
        ds = DATASETS.build(dict(type="Flowers102Dataset", data_root=root, split=split, pipeline=PIPE))
        sizes[split] = len(ds)
        for i in range(len(ds)):
            info = ds.get_data_info(i)
            image_id = int(os.path.basename(info["img_path"])[6:11])
            assert info["gt"] == labels[image_id - 1] - 1
    assert sizes == {"train": 5, "val": 5, "test": 10, "trainval": 10}
    os.remove(os.path.join(root, "jpg", "image_00003.jpg"))
    with pytest.raises(DatasetError, match=r"1 image\(s\) listed in Flowers-102.s .*setid.mat are missing"):
        DATASETS.build(dict(type="Flowers102Dataset", data_root=root, split="test", pipeline=PIPE))
    with pytest.raises(DatasetError, match="split must be one of"):
        DATASETS.build(dict(type="Flowers102Dataset", data_root=root, split="everything", pipeline=PIPE))


def test_topk_and_confusion_known_answers():
    scores = np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])
    labels = np.array([1, 1, 2, 2])
    assert topk_accuracy(scores, labels, 1) == 50.0 and topk_accuracy(scores, labels, 2) == 75.0
    assert confusion_matrix(scores.argmax(1), labels, 3).tolist() == [[0, 0, 0], [1, 1, 0], [1, 0, 1]]


_official_ckpt = official_checkpoint


def test_pretrained_backbone_is_verifiably_loaded_with_head_skipped(tmp_path):
    src = _official_ckpt(tmp_path / "in1k.pth", layers=(1, 1, 2, 1), width=0.5)
    cfg = load_config(DEMO, {"model.pretrained": str(tmp_path / "in1k.pth")})
    model = MODELS.build(cfg.model)
    model.init_weights()
    assert torch.equal(model.backbone.body.layer2[0].conv1.conv.weight, src.body.layer2[0].conv1.conv.weight)
    assert model.pretrained_report.skipped_head and model.head.fc.weight.shape == (10, model.backbone.num_features)


@pytest.mark.slow
def test_finetune_end_to_end_through_the_tools(transfer_demo, tmp_path):
    """The session's trained transfer demo (tests/conftest.py: tools/train.py from an official-layout checkpoint)."""
    out = transfer_demo.train_output
    assert "backbone initialised from" in out and "classifier head skipped" in out
    test = run_tool_in_process("tools/test.py", transfer_demo.config, str(transfer_demo.checkpoint), "--work-dir",
                               str(tmp_path / "t"), *transfer_demo.opts, check=True).output
    result = json.load(open(tmp_path / "t" / "predictions.confusion.json"))
    top1 = result["metrics"]["top1"]
    print(f"CIFAR-format fine-tuning top-1 {top1:.1f} (chance 10)")
    assert top1 >= 60 and "accuracy/top1" in test
    cm = np.array(result["confusion"])
    assert cm.shape == (10, 10) and cm.sum() == 200 and len(result["per_class_accuracy"]) == 10


@pytest.mark.slow
@pytest.mark.parametrize("config,size", [("configs/transfer/tresnet-xl_224px_cifar10.py", 224),
                                         ("configs/transfer/tresnet-xl_224px_cifar100.py", 224),
                                         ("configs/transfer/tresnet-l_368px_stanford-cars.py", 368),
                                         ("configs/transfer/tresnet-l_368px_flowers102.py", 368)])
def test_recipe_configs_run_one_iteration_at_real_resolution(cifar_root, tmp_path, config, size):
    if "cars" in config:
        root = write_cars_devkit(str(tmp_path / "cars"), n_train=2, n_test=2)
        n_cls = 3
    elif "flowers" in config:
        root, _ = write_flowers(str(tmp_path / "flowers"), n=8)
        n_cls = 4
    else:
        root, n_cls = cifar_root, (10 if "cifar10_" in config else 100)
    opts = [f"data_root={root}/", "model.init_cfg=None", "model.norm=bn", f"model.num_classes={n_cls}",
            "train_cfg.max_epochs=1", "train_dataloader.batch_size=2", "val_dataloader.batch_size=2",
            "train_dataloader.num_workers=0", "val_dataloader.num_workers=0",
            "train_dataloader.persistent_workers=False", "val_dataloader.persistent_workers=False",
            "param_scheduler.0.end=1"]
    if "cifar" in config:  # two images are enough to show the recipe runs
        opts += ["train_dataloader.dataset.indices=2", "val_dataloader.dataset.indices=2"]
    out = run_tool("tools/train.py", config, "--work-dir", str(tmp_path / "w"), "--cfg-options", *opts).output
    assert "[val] epoch 1: accuracy/top1" in out and os.path.isfile(tmp_path / "w" / "epoch_1.pth")
    cfg = load_config(config)
    assert any(t.get("size") == size for t in cfg.train_dataloader.dataset.pipeline)


def test_transfer_recipe_augmentations_equal_timms(monkeypatch):
    """The documented transfer recipe's AutoAugment v0 and random erasing are timm's (the command's library): same
    images under the same seeds, on the config's own pipeline entries; the erasing fill is 0 (timm's 'const').
    timm's v0 asks Pillow for 0-bit posterize, which Pillow >= 11 refuses: the reference runs with the Pillow < 11
    formula (keep the top ``bits`` of every channel value), so training cannot crash on that draw."""
    import random

    import PIL.ImageOps

    def old_pillow_posterize(img, bits):  # Pillow < 11: lut = i & ~(2 ** (8 - bits) - 1)
        mask = ~(2 ** (8 - bits) - 1)
        return img.point([i & mask for i in range(256)] * len(img.getbands()))

    from mmengine.dataset import Compose
    from PIL import Image
    from timm.data.auto_augment import auto_augment_transform
    from timm.data.random_erasing import RandomErasing

    cfg = load_config("configs/transfer/tresnet-xl_224px_adam-cosine-50e_cifar100.py")
    steps = {t["type"]: t for t in cfg.train_dataloader.dataset.pipeline}
    aa = Compose([steps["TimmAutoAugment"]])
    erase = Compose([steps["TimmRandomErasing"]])
    ref_aa = auto_augment_transform("v0", dict(translate_const=100, img_mean=(0, 0, 0)))
    ref_erase = RandomErasing(probability=0.5, mode="const", max_count=1, device="cpu")
    rng = np.random.default_rng(0)
    erased = black = 0
    for seed in range(120):
        img = Image.fromarray(rng.integers(1, 256, (224, 224, 3), dtype=np.uint8))
        random.seed(seed)
        ours = np.asarray(aa({"img": img})["img"])
        random.seed(seed)
        with monkeypatch.context() as m:
            m.setattr(PIL.ImageOps, "posterize", old_pillow_posterize)
            ref = np.asarray(ref_aa(img))
        assert np.array_equal(ours, ref), seed
        black += int(not ours.any())
        random.seed(seed)
        got = np.asarray(erase({"img": img})["img"])
        random.seed(seed)
        want = ref_erase(torch.from_numpy(np.asarray(img).transpose(2, 0, 1) / 255.0).float())
        assert np.array_equal(got == 0, (want.numpy().transpose(1, 2, 0) == 0) & True), seed
        erased += int((got != np.asarray(img)).any())
    assert 30 <= erased <= 90  # p 0.5
    assert black >= 1  # the 0-bit posterize draw came up and gave the image Pillow < 11 gave
