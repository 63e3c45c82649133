"""Every common detector family learns with TResNet, through the real tools: the family's demo config (its COCO
config with a reduced TResNet-M, a small FPN/head and a 6-epoch schedule) is tested untrained with tools/test.py,
trained with tools/train.py and tested again; pycocotools' COCOeval is the truth for box AP50 (and segm AP50 for
Mask R-CNN). FCOS, the embedded default, has the same check in test_fcos.py."""
import glob
import os

import pytest

from tests.helpers import ROOT, last_metrics, run_tool, run_tool_in_process, untrained_checkpoint
from tresnet_tasks.data.synthetic import make_shapes_coco

FAMILIES = ("retinanet", "atss", "gfl", "faster_rcnn", "mask_rcnn", "cascade_rcnn")
DEMOS = {f: os.path.relpath(p, ROOT) for f in FAMILIES
         for p in glob.glob(os.path.join(ROOT, "configs", f, "*_tresnet-m-tiny_*_shapes.py"))}


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    """The demo data as tools/make_demo_data.py writes it: boxes, and the same shapes drawn from COCO polygons."""
    root = tmp_path_factory.mktemp("shapes")
    return {False: make_shapes_coco(str(root / "boxes"), num_train=200, num_val=50, size=160),
            True: make_shapes_coco(str(root / "masks"), num_train=200, num_val=50, size=160, with_masks=True)}


def test_every_family_has_a_demo_config():
    assert sorted(DEMOS) == sorted(FAMILIES)


def _ap50(metrics, kind):
    """AP50 of a tools/test.py run; a model that made no detection has none (COCOeval's -1), which is 0."""
    value = metrics.get(f"coco/{kind}_mAP_50", -1.0)
    return max(float(value), 0.0)


@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILIES)
def test_family_learns_on_the_shapes_data(family, shapes, tmp_path):
    cfg = DEMOS[family]
    masks = family == "mask_rcnn"
    opts = ["--cfg-options", f"data_root={shapes[masks]}/"]
    kinds = ("bbox", "segm") if masks else ("bbox",)
    untrained_checkpoint(cfg, tmp_path / "untrained.pth")
    run_tool_in_process("tools/test.py", cfg, str(tmp_path / "untrained.pth"), "--work-dir", str(tmp_path / "t0"),
                        *opts, check=True)
    before = {k: _ap50(last_metrics(tmp_path / "t0"), k) for k in kinds}
    run_tool("tools/train.py", cfg, "--work-dir", str(tmp_path / "train"), *opts)
    ckpt = (tmp_path / "train" / "last_checkpoint").read_text().strip()
    assert ckpt.endswith("epoch_6.pth")
    test = run_tool_in_process("tools/test.py", cfg, ckpt, "--work-dir", str(tmp_path / "t1"), *opts, check=True)
    after = {k: _ap50(last_metrics(tmp_path / "t1"), k) for k in kinds}
    print(f"{family}: AP50 untrained {before} -> trained {after}")
    console = next(line for line in test.output.splitlines() if line.startswith("[test] "))
    for kind in kinds:
        assert f"coco/{kind}_mAP " in console  # each kind's headline on the console (box and mask AP)
        # clearly above the untrained model (~0 here): the families reach 0.5-1.0 (README.md of each folder)
        assert after[kind] >= 0.3 and after[kind] >= before[kind] + 0.25, (kind, before, after)
