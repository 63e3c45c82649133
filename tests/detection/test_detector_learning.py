"""Every common detector family learns with TResNet, through the real tools: the family's demo config (its COCO
config with a reduced TResNet-M, a small FPN/head and a 6-epoch schedule, 4 for the two-stage families) is tested untrained with tools/test.py,
trained with tools/train.py and tested again; pycocotools' COCOeval is the truth for box AP50 (and segm AP50 for
Mask R-CNN). FCOS, the embedded default, has the same check in test_fcos.py."""
import glob
import os

import pytest

from tests.helpers import ROOT, last_metrics, run_tool_in_process, untrained_checkpoint
from tresnet_tasks.cli.config import load_config

FAMILIES = ("retinanet", "atss", "gfl", "faster_rcnn", "mask_rcnn", "cascade_rcnn")
DEMOS = {f: os.path.relpath(p, ROOT) for f in FAMILIES
         for p in glob.glob(os.path.join(ROOT, "configs", f, "*_tresnet-m-tiny_*_shapes.py"))}


def test_every_family_has_a_demo_config():
    assert sorted(DEMOS) == sorted(FAMILIES)


def _ap50(metrics, kind):
    """AP50 of a tools/test.py run; a model that made no detection has none (COCOeval's -1), which is 0."""
    value = metrics.get(f"coco/{kind}_mAP_50", -1.0)
    return max(float(value), 0.0)


@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILIES)
def test_family_learns_on_the_shapes_data(family, family_demo, tmp_path):
    cfg = DEMOS[family]
    masks = family == "mask_rcnn"
    demo = family_demo(family)  # trained once per session: the export test uses the same model
    opts = demo.opts
    kinds = ("bbox", "segm") if masks else ("bbox",)
    untrained_checkpoint(cfg, tmp_path / "untrained.pth")
    run_tool_in_process("tools/test.py", cfg, str(tmp_path / "untrained.pth"), "--work-dir", str(tmp_path / "t0"),
                        *opts, check=True)
    before = {k: _ap50(last_metrics(tmp_path / "t0"), k) for k in kinds}
    ckpt = demo.checkpoint
    assert ckpt.endswith(f"epoch_{load_config(cfg).train_cfg.max_epochs}.pth")  # the whole schedule
    metrics, output = demo.tested()  # tools/test.py on the trained checkpoint (shared with the export test)
    after = {k: _ap50(metrics, k) for k in kinds}
    print(f"{family}: AP50 untrained {before} -> trained {after}")
    console = next(line for line in output.splitlines() if line.startswith("[test] "))
    for kind in kinds:
        assert f"coco/{kind}_mAP " in console  # each kind's headline on the console (box and mask AP)
        # clearly above the untrained model (~0 here): the families reach 0.5-1.0 (README.md of each folder)
        assert after[kind] >= 0.3 and after[kind] >= before[kind] + 0.25, (kind, before, after)
