"""What a person sees: the demo's console within a line budget (ETA, final metric), the full detail in the log file,
training curves drawn from exactly the numbers of mmengine's scalar log, the test charts, tools/plot_logs.py,
TensorBoard files, and a detector with no detection reported as box mAP 0.0 with the reason.

Truth: mmengine's own scalars.json parsed here line by line; COCOeval's mAP printed by mmdet's CocoMetric.
"""
import glob
import json
import os

import pytest
from PIL import Image

from tests.helpers import run_tool, run_tool_in_process

DEMO_CFG = "configs/fcos/fcos_tresnet-m-tiny_fpn_gn-head_1x_shapes.py"
CONSOLE_BUDGET = 60  # lines the whole `make demo` job may print (it printed about 1,100 before)


def _valid_png(path, min_w=400, min_h=150):
    with Image.open(path) as im:
        im.verify()
    with Image.open(path) as im:
        assert im.format == "PNG" and im.size[0] >= min_w and im.size[1] >= min_h, (path, im.size)


def _scalars(work_dir):
    """mmengine's scalar log, parsed independently of tresnet_tasks.visualization."""
    path = sorted(glob.glob(os.path.join(work_dir, "2*", "vis_data", "scalars.json")))[-1]
    rows = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    return [r for r in rows if "iter" in r], [r for r in rows if "iter" not in r]


@pytest.mark.slow
def test_demo_console_log_plots_and_charts(fcos_demo, tmp_path):
    """`make demo` as the session ran it (tests/conftest.py: fcos_demo, tools/demo_detection.py, 12 epochs)."""
    work, data, output = fcos_demo.work, fcos_demo.root, fcos_demo.train_output
    lines = output.strip().splitlines()
    assert len(lines) <= CONSOLE_BUDGET, f"{len(lines)} console lines:\n{output}"
    assert any(line.startswith("[train] ") and " eta 0:" in line for line in lines), output
    assert any(line.startswith("[val] epoch 4: coco/bbox_mAP ") for line in lines), output
    assert any(line.startswith("[test] coco/bbox_mAP ") for line in lines), output
    assert any(line.startswith("[demo] box mAP") for line in lines), output
    assert not [line for line in lines if "WARNING" in line or "Warning" in line], output

    # everything mmengine prints is still in the log file
    log = open(sorted(glob.glob(str(work / "2*" / "2*.log")))[-1], encoding="utf-8").read()
    assert "Hooks will be executed in the following order" in log and "System environment" in log
    assert "paramwise_options" in log and "loading annotations into memory" in log

    # the curves: a valid picture, drawn from the same numbers as mmengine's scalar log
    _valid_png(work / "plots" / "curves.png", 1000, 300)
    plotted = json.load(open(work / "plots" / "curves.json"))
    train, val = _scalars(str(work))
    for key in ("loss", "loss_cls", "loss_bbox", "loss_centerness"):
        assert plotted["losses"][key] == [[float(r["step"]) for r in train], [float(r[key]) for r in train]]
    assert plotted["lr"]["lr"][1] == [float(r["lr"]) for r in train]
    assert plotted["val"]["coco/bbox_mAP"] == [[float(r["step"]) for r in val], [r["coco/bbox_mAP"] for r in val]]

    # the test chart: per-category AP whose mean is COCOeval's mAP (mmdet's own number)
    test_dir = work / "test"
    _valid_png(test_dir / "predictions.per_category_ap.png", 400, 100)
    per_cat = json.load(open(test_dir / "predictions.per_category_ap.json"))
    metrics = json.load(open(sorted(glob.glob(str(test_dir / "2*" / "2*.json")))[-1]))
    assert sorted(per_cat) == ["circle", "square", "triangle"]
    assert sum(per_cat.values()) / 3 == pytest.approx(100 * metrics["coco/bbox_mAP"], abs=0.06)

    # a detector that detects nothing: box mAP 0.0 and why, not an empty dict after an mmdet ERROR line
    ckpt = open(work / "last_checkpoint").read().strip()
    none = run_tool("tools/test.py", DEMO_CFG, ckpt, "--work-dir", str(tmp_path / "none"), "--cfg-options",
                    f"data_root={data}/", "model.test_cfg.score_thr=1.01").output
    assert "[test] coco/bbox_mAP 0.0: the model made no detection above score_thr=1.01" in none, none
    assert "ERROR" not in none and "metrics {}" not in none

    # two runs side by side
    out = run_tool("tools/plot_logs.py", str(work), str(work), "--out", str(tmp_path / "cmp.png")).output
    assert "2 run(s)" in out
    _valid_png(tmp_path / "cmp.png", 1000, 300)


@pytest.mark.slow
def test_tensorboard_option_and_verbose(tmp_path):
    from tresnet_tasks.data.synthetic import make_cifar_pickles
    root = make_cifar_pickles(str(tmp_path / "cifar"), num_train=64, num_test=32)
    cfg = "configs/transfer/tresnet-m-tiny_64px_shapes-cifar10.py"
    opts = ["--cfg-options", f"data_root={root}/", "train_cfg.max_epochs=1"]
    quiet = run_tool("tools/train.py", cfg, "--work-dir", str(tmp_path / "tb"), "--tensorboard", *opts).output
    assert glob.glob(str(tmp_path / "tb" / "2*" / "vis_data" / "events.out.tfevents.*")), quiet
    _valid_png(tmp_path / "tb" / "plots" / "curves.png", 1000, 300)
    loud = run_tool("tools/train.py", cfg, "--work-dir", str(tmp_path / "v"), "--verbose", *opts).output
    assert "Hooks will be executed in the following order" in loud
    assert "Hooks will be executed" not in quiet and len(quiet.splitlines()) < 20, quiet


def test_plot_logs_names_a_work_dir_without_a_log(tmp_path):
    proc = run_tool_in_process("tools/plot_logs.py", str(tmp_path))
    assert proc.returncode == 2 and "no <timestamp>/vis_data/scalars.json here" in proc.output
