"""The multi-label readers on files written here in each real layout: VOC devkit (XML with difficult flags and
parts, ImageSets, per-class txt), NUS-WIDE (ASL's csv, the official release), Open Images (the CSL csv quoted as
the real file is, class descriptions with commas and quotes), Stanford Cars in mmpretrain's layout, and the
partial-label simulator.

Truth: the devkit's own per-class files (1 / 0 / -1) for VOC; the labels the tests wrote for the others."""
import csv
import os

import numpy as np
import pytest
from mmengine.registry import DATASETS, DefaultScope
from PIL import Image

from tests.helpers import write_cars_devkit
from tresnet_tasks.classification.datasets import VOC_CLASSES
from tresnet_tasks.errors import ConfigError, DatasetError

PIPE = [dict(type="LoadImagePIL"), dict(type="SquishResize", size=32), dict(type="PackClsInputs")]


@pytest.fixture(autouse=True)
def mmengine_scope():
    """The classification configs' scope (another test may have left mmdet's current, where mmdet's own
    OpenImagesDataset would be found first)."""
    with DefaultScope.overwrite_default_scope("mmengine"):
        yield


def _jpg(path, seed=0):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 255, (24, 32, 3)).astype(np.uint8)).save(path)


# ------------------------------------------------------------------------------------------------ VOC
VOC_IMAGES = {  # image id -> [(class, difficult)]
    "000005": [("cat", 0), ("dog", 1)],                    # dog only difficult
    "000007": [("car", 1), ("car", 0)],                    # car both: positive in every convention
    "000009": [("person", 0), ("horse", 0), ("horse", 0)],  # person with parts (below)
    "000012": [("sheep", 1)],                              # nothing but a difficult object
}


def write_voc(root, images=VOC_IMAGES, split="trainval"):
    for sub in ("Annotations", "ImageSets/Main", "JPEGImages"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    for n, (image_id, objects) in enumerate(images.items()):
        parts = "".join(
            f"<object><name>{c}</name><pose>Left</pose><truncated>0</truncated><difficult>{d}</difficult>"
            f"<bndbox><xmin>1</xmin><ymin>1</ymin><xmax>9</xmax><ymax>9</ymax></bndbox>"
            + ("<part><name>head</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>3</xmax><ymax>3</ymax></bndbox></part>"
               "<part><name>hand</name></part>" if c == "person" else "") + "</object>" for c, d in objects)
        xml = (f"<annotation><folder>VOC2007</folder><filename>{image_id}.jpg</filename>"
               f"<size><width>32</width><height>24</height><depth>3</depth></size>{parts}</annotation>")
        with open(os.path.join(root, "Annotations", f"{image_id}.xml"), "w") as f:
            f.write(xml)
        _jpg(os.path.join(root, "JPEGImages", f"{image_id}.jpg"), n)
    with open(os.path.join(root, "ImageSets", "Main", f"{split}.txt"), "w") as f:
        f.write("".join(f"{i}\n" for i in images))
    for cls in VOC_CLASSES:  # the devkit's per-class files: 1 non-difficult object, 0 only difficult, -1 absent
        with open(os.path.join(root, "ImageSets", "Main", f"{cls}_{split}.txt"), "w") as f:
            for image_id, objects in images.items():
                flags = [d for c, d in objects if c == cls]
                label = -1 if not flags else (1 if 0 in flags else 0)
                f.write(f"{image_id} {label:2d}\n")
    return root


def _voc(root, **kw):
    return DATASETS.build(dict(type="VOCMultiLabelDataset", data_root=root, pipeline=PIPE, **kw))


def test_voc_ignore_matches_the_devkit_per_class_files(tmp_path):
    root = write_voc(str(tmp_path / "VOC2007"))
    ds = _voc(root)
    assert ds.metainfo["classes"] == VOC_CLASSES and len(ds) == 4
    ids = [ds.get_data_info(i)["img_id"] for i in range(len(ds))]
    for c, cls in enumerate(VOC_CLASSES):
        devkit = dict(line.split() for line in open(os.path.join(root, "ImageSets", "Main", f"{cls}_trainval.txt")))
        for i, image_id in enumerate(ids):
            want = {"1": 1.0, "0": -1.0, "-1": 0.0}[devkit[image_id]]  # only-difficult -> unknown
            assert ds.get_data_info(i)["gt"][c] == want, (cls, image_id)
    assert ds[0]["data_samples"]["gt"].shape == (20,)


def test_voc_three_difficult_conventions_on_a_hand_made_set(tmp_path):
    root = write_voc(str(tmp_path / "VOC2007"))
    idx = {c: i for i, c in enumerate(VOC_CLASSES)}

    def labels(mode):
        ds = _voc(root, difficult=mode)
        return {ds.get_data_info(i)["img_id"]: ds.get_data_info(i)["gt"] for i in range(len(ds))}
    ignore, positive, negative = labels("ignore"), labels("positive"), labels("negative")
    assert (ignore["000005"][idx["dog"]], positive["000005"][idx["dog"]], negative["000005"][idx["dog"]]) == (-1, 1, 0)
    for mode in (ignore, positive, negative):
        assert mode["000005"][idx["cat"]] == 1 and mode["000007"][idx["car"]] == 1  # mixed: positive everywhere
        assert mode["000009"][idx["person"]] == 1 and mode["000009"].sum() >= 2  # parts are not objects
    assert ignore["000012"][idx["sheep"]] == -1 and (ignore["000012"] >= 0).sum() == 19


def test_voc_errors_are_one_line_each(tmp_path):
    root = write_voc(str(tmp_path / "VOC2007"))
    with pytest.raises(DatasetError, match="VOC split list not found: .*test.txt"):
        _voc(root, split="test")
    with pytest.raises(DatasetError, match="no Annotations/"):
        _voc(str(tmp_path))
    with open(os.path.join(root, "Annotations", "000012.xml"), "w") as f:
        f.write("<annotation><object><name>unicorn</name></object></annotation>")
    with pytest.raises(DatasetError, match=r"000012.xml: object class 'unicorn' is not a VOC class"):
        _voc(root)
    with open(os.path.join(root, "Annotations", "000012.xml"), "w") as f:
        f.write("<annotation><object>")
    with pytest.raises(DatasetError, match="cannot read VOC annotation .*000012.xml"):
        _voc(root)
    open(os.path.join(root, "ImageSets", "Main", "val.txt"), "w").close()
    with pytest.raises(DatasetError, match="val.txt lists no image"):
        _voc(root, split="val")


# ------------------------------------------------------------------------------------------------ NUS-WIDE
def test_nus_wide_asl_csv(tmp_path):
    root = tmp_path / "nus"
    rows = [("images/a.jpg", "['sky', 'clouds']", "train"), ("images/b.jpg", "['water']", "train"),
            ("images/c.jpg", "[]", "train"), ("images/d.jpg", "['sky']", "val")]
    for n, (path, _, _) in enumerate(rows):
        _jpg(str(root / path), n)
    with open(root / "nus_wide_data.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["filepath", "labels", "split_name"])
        w.writerows([(p.replace("images/", ""), labels, split) for p, labels, split in rows])
    train = DATASETS.build(dict(type="NUSWideDataset", data_root=str(root), split="train", pipeline=PIPE))
    val = DATASETS.build(dict(type="NUSWideDataset", data_root=str(root), split="val", pipeline=PIPE))
    assert train.metainfo["classes"] == ("clouds", "sky", "water")  # alphabetical, as published
    assert len(train) == 2 and len(val) == 1  # the unlabelled image is skipped
    assert train.get_data_info(0)["gt"].tolist() == [1, 1, 0] and train.get_data_info(1)["gt"].tolist() == [0, 0, 1]
    with open(root / "nus_wide_data.csv", "a", newline="") as f:
        f.write("e.jpg,sky clouds,train\n")
    with pytest.raises(DatasetError, match=r"nus_wide_data.csv:6: expected a list"):
        DATASETS.build(dict(type="NUSWideDataset", data_root=str(root), split="train", pipeline=PIPE))


def test_nus_wide_official_release(tmp_path):
    root = tmp_path / "NUS-WIDE"
    concepts = ["animal", "beach", "sky"]
    images = ["actor\\0001_2124494179.jpg", "beach\\0002_1.jpg", "sky\\0003_2.jpg"]
    truth = np.array([[1, 0, 1], [0, 1, 0], [0, 0, 1]])
    os.makedirs(root / "ConceptsList")
    (root / "ConceptsList" / "Concepts81.txt").write_text("\n".join(concepts) + "\n")
    os.makedirs(root / "ImageList")
    (root / "ImageList" / "TrainImagelist.txt").write_text("\n".join(images) + "\n")
    os.makedirs(root / "Groundtruth" / "TrainTestLabels")
    for c, concept in enumerate(concepts):
        (root / "Groundtruth" / "TrainTestLabels" / f"Labels_{concept}_Train.txt").write_text(
            "".join(f"{v}\n" for v in truth[:, c]))
    for n, image in enumerate(images[:2]):  # the third image's URL is dead: not on disk
        _jpg(str(root / "Flickr" / image.replace("\\", "/")), n)
    ds = DATASETS.build(dict(type="NUSWideDataset", data_root=str(root), layout="official", split="train",
                             pipeline=PIPE))
    assert ds.metainfo["classes"] == tuple(concepts) and len(ds) == 2
    assert [ds.get_data_info(i)["gt"].tolist() for i in range(2)] == truth[:2].tolist()
    assert ds.get_data_info(0)["img_path"].endswith(os.path.join("Flickr", "actor", "0001_2124494179.jpg"))
    (root / "Groundtruth" / "TrainTestLabels" / "Labels_sky_Train.txt").write_text("0\n1\n")
    with pytest.raises(DatasetError, match=r"Labels_sky_Train.txt has 2 lines but .*lists 3 images"):
        DATASETS.build(dict(type="NUSWideDataset", data_root=str(root), layout="official", pipeline=PIPE))


# ------------------------------------------------------------------------------------------------ Open Images
def write_open_images(root, rows, descriptions):
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "oidv6-class-descriptions.csv"), "w", newline="") as f:
        w = csv.writer(f)  # quotes names with commas and quotes as the real file does
        w.writerow(["LabelName", "DisplayName"])
        w.writerows(descriptions)
    with open(os.path.join(root, "data.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path", "pos", "neg", "split"])
        for n, (path, pos, neg, split) in enumerate(rows):
            w.writerow([path, str(pos), str(neg), split])
            _jpg(os.path.join(root, path), n)
    return root


def test_open_images_partial_targets_and_class_names(tmp_path):
    desc = [("/m/01", "Fish, sticks"), ("/m/02", 'The "Quoted" one'), ("/m/03", "Car"), ("/m/99", "Unused")]
    rows = [("img/a.jpg", ["/m/01"], ["/m/03"], "train"), ("img/b.jpg", ["/m/02", "/m/03"], [], "train"),
            ("img/c.jpg", [], ["/m/01", "/m/02"], "test")]
    root = write_open_images(str(tmp_path / "oi"), rows, desc)
    text = open(os.path.join(root, "data.csv")).read()
    assert "\"['/m/02', '/m/03']\"" in text and '"Fish, sticks"' in open(
        os.path.join(root, "oidv6-class-descriptions.csv")).read()
    train = DATASETS.build(dict(type="OpenImagesDataset", data_root=root, split="train", pipeline=PIPE))
    assert train.metainfo["classes"] == ("Fish, sticks", 'The "Quoted" one', "Car")  # used MIDs, file order
    assert train.get_data_info(0)["gt"].tolist() == [1, -1, 0]  # known / unknown masks
    assert train.get_data_info(1)["gt"].tolist() == [-1, 1, 1]
    test = DATASETS.build(dict(type="OpenImagesDataset", data_root=root, split="test", pipeline=PIPE))
    assert len(test) == 1 and test.get_data_info(0)["gt"].tolist() == [0, 0]
    counts = train.label_counts()
    assert counts["positive"].tolist() == [1, 1, 1] and counts["negative"].tolist() == [0, 0, 1]
    assert counts["unknown"].tolist() == [1, 1, 0]
    write_open_images(root, rows + [("img/d.jpg", ["/m/77"], [], "train")], desc)
    with pytest.raises(DatasetError, match=r"MID\(s\) \['/m/77'\] are not in .*oidv6-class-descriptions.csv"):
        DATASETS.build(dict(type="OpenImagesDataset", data_root=root, split="train", pipeline=PIPE))
    with pytest.raises(DatasetError, match=r"no row of split 'val' \(splits in the file: \['test', 'train'\]\)"):
        DATASETS.build(dict(type="OpenImagesDataset", data_root=root, split="val", pipeline=PIPE))
    with DefaultScope.overwrite_default_scope("mmdet"):  # mmdet's detection dataset has the name there
        import mmdet.datasets  # noqa: F401 - registers mmdet's datasets
        alias = DATASETS.build(dict(type="OpenImagesPartialDataset", data_root=root, split="test", pipeline=PIPE))
    assert alias.get_data_info(0)["gt"].tolist() == [0, 0]


# ------------------------------------------------------------------------------------------------ others
def test_stanford_cars_in_mmpretrains_layout(tmp_path):
    root = write_cars_devkit(str(tmp_path / "stanfordcars"), test_annos_in_devkit=True)
    test = DATASETS.build(dict(type="StanfordCarsDataset", data_root=root, split="test", pipeline=PIPE))
    assert len(test) == 4 and [test.get_data_info(i)["gt"] for i in range(4)] == [0, 1, 2, 0]


def test_partial_label_simulator_protocols(tmp_path):
    from tresnet_tasks.classification.datasets import sparse_target, simulate_partial_labels, dense_target
    rng = np.random.default_rng(0)
    full = (rng.random((400, 6)) < 0.3).astype(np.float32)
    entries = [dict(img_path=str(i), **sparse_target(np.nonzero(row)[0])) for i, row in enumerate(full)]
    kept = simulate_partial_labels(entries, 6, mode="per_image", keep=0.3, seed=1)
    dense = np.stack([dense_target(e, 6) for e in kept])
    known = dense >= 0
    assert abs(known.mean() - 0.3) < 0.03 and np.array_equal(dense[known], full[known])  # kept labels unchanged
    again = np.stack([dense_target(e, 6) for e in simulate_partial_labels(entries, 6, keep=0.3, seed=1)])
    assert np.array_equal(dense, again)  # reproducible
    per_class = np.stack([dense_target(e, 6) for e in simulate_partial_labels(entries, 6, mode="per_class",
                                                                              images=25, seed=0)])
    assert ((per_class >= 0).sum(0) == 25).all()


def test_fpc_keeps_min_n_positives_and_min_n_negatives_per_class():
    """CSL's fixed-per-class protocol on a set written here: class counts chosen so that N is below, equal to and
    above each class's positives and negatives; known labels are the true ones; an already-unknown label (VOC's
    difficult-only) is never counted as a kept negative."""
    from tresnet_tasks.classification.datasets import dense_target, simulate_partial_labels, sparse_target
    n_images, positives = 30, [2, 5, 12, 25, 29, 0]  # class c is positive in the first positives[c] images
    full = np.zeros((n_images, len(positives)), dtype=np.float32)
    for c, k in enumerate(positives):
        full[:k, c] = 1
    unknown = {(29, 0)}  # image 29 has class 0 as unknown already (not a negative)
    entries = [dict(img_path=str(i), **sparse_target(np.nonzero(row)[0],
                                                     unknown=[c for (j, c) in unknown if j == i]))
               for i, row in enumerate(full)]
    for n in (1, 5, 12, 40):
        kept = np.stack([dense_target(e, 6) for e in simulate_partial_labels(entries, 6, mode="fpc", images=n,
                                                                           seed=3)])
        for c, k in enumerate(positives):
            negatives = n_images - k - sum(1 for (_, cc) in unknown if cc == c)
            assert (kept[:, c] == 1).sum() == min(n, k), (n, c)
            assert (kept[:, c] == 0).sum() == min(n, negatives), (n, c)
        known = kept >= 0
        assert np.array_equal(kept[known], full[known])
        assert kept[29, 0] == -1
    with pytest.raises(ConfigError, match="needs images > 0"):
        simulate_partial_labels(entries, 6, mode="fpc")


def test_browse_dataset_tool_counts_and_draws(tmp_path):
    from tests.helpers import run_tool
    root = write_voc(str(tmp_path / "VOC2007"))
    out = tmp_path / "grid.png"
    proc = run_tool("tools/browse_dataset.py", "configs/multilabel/asl_tresnet-l_448px_voc2007.py", "--out", str(out),
                    "--count", "4", "--cfg-options", f"data_root={root}/")
    text = proc.output
    assert "VOCMultiLabelDataset: 4 images, 20 classes" in text
    assert "labels: 4 positive, 74 negative, 2 unknown" in text  # 4 x 20 labels; dog and sheep only difficult
    assert "classes never positive: 16" in text and "aeroplane" in text
    with Image.open(out) as im:
        assert im.format == "PNG" and im.size[0] >= 600


def test_label_stats_hook_warns_and_fills_the_selective_prior(tmp_path):
    import logging
    from types import SimpleNamespace
    from tresnet_tasks.classification.losses import AsymmetricLoss
    from tresnet_tasks.engine.hooks import LabelStatsHook
    root = write_voc(str(tmp_path / "VOC2007"))
    ds = _voc(root)
    loss = AsymmetricLoss(partial="selective", prior="labels")
    records = []
    logger = logging.getLogger("label-stats-test")
    logger.addHandler(type("H", (logging.Handler,), {"emit": lambda self, r: records.append(r.getMessage())})())
    runner = SimpleNamespace(train_dataloader=SimpleNamespace(dataset=ds), model=SimpleNamespace(loss_fn=loss),
                             logger=logger)
    LabelStatsHook().before_train(runner)
    assert any("16 class(es) are never positive" in r and "aeroplane" in r for r in records), records
    cat, car = VOC_CLASSES.index("cat"), VOC_CLASSES.index("car")
    assert loss.prior[cat] == pytest.approx(1 / 4) and loss.prior[car] == pytest.approx(1 / 4)
    assert float(loss.prior.sum()) == pytest.approx(4 / 4)  # cat, car, person, horse: one image each


# ------------------------------------------------------------------------------------------------ missing images
def _without_one_image(tmp_path, reader):
    """(dataset config, removed file) for a reader whose data was written whole, then lost one image."""
    if reader == "voc":
        root = write_voc(str(tmp_path / "VOC2007"))
        gone = os.path.join(root, "JPEGImages", "000007.jpg")
        cfg = dict(type="VOCMultiLabelDataset", data_root=root)
    elif reader == "open_images":
        root = write_open_images(str(tmp_path / "oi"), [("img/a.jpg", ["/m/01"], [], "train"),
                                                         ("img/b.jpg", ["/m/01"], [], "train")], [("/m/01", "Fish")])
        gone = os.path.join(root, "img", "b.jpg")
        cfg = dict(type="OpenImagesDataset", data_root=root, split="train")
    else:  # Stanford Cars (single-label, the transfer reader)
        root = write_cars_devkit(str(tmp_path / "cars"))
        gone = os.path.join(root, "cars_train", "00002.jpg")
        cfg = dict(type="StanfordCarsDataset", data_root=root, split="train")
    os.remove(gone)
    return dict(cfg, pipeline=PIPE), gone


@pytest.mark.parametrize("reader", ["voc", "open_images", "stanford_cars"])
def test_every_reader_names_a_missing_image_the_same_way(reader, tmp_path):
    """One check (tresnet_tasks.data.images.require_images) for every reader: the count, the file, what to do."""
    cfg, gone = _without_one_image(tmp_path, reader)
    with pytest.raises(DatasetError, match=r"^1 image\(s\) listed in .* are missing \(e\.g\. \['(.*)'\]\); ") as err:
        DATASETS.build(cfg)
    assert gone in str(err.value)


def test_nus_wide_official_layout_refuses_missing_images_unless_told_to_skip(tmp_path):
    root = tmp_path / "nus"
    _jpg(str(root / "images" / "a.jpg"))
    with open(root / "nus_wide_data.csv", "w", newline="") as f:
        csv.writer(f).writerows([["filepath", "labels", "split_name"], ["a.jpg", "['sky']", "train"],
                                 ["b.jpg", "['sky']", "train"]])
    with pytest.raises(DatasetError, match=r"1 image\(s\) listed in NUS-WIDE train are missing .*b\.jpg"):
        DATASETS.build(dict(type="NUSWideDataset", data_root=str(root), split="train", pipeline=PIPE))
