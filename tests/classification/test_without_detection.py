"""``pip install -e .`` without the detection stack: multi-label and transfer train, test and infer with mmcv and
mmdet absent (hidden from a fresh interpreter as if never installed), and detection configs say in one line what to
install."""
import json
import os

import pytest

from tests.helpers import hidden_packages_env, run_tool
from tresnet_tasks.data.synthetic import ALL_SHAPES, make_shapes_coco

CFG = "configs/multilabel/asl_tresnet-m-tiny_128px_shapes.py"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    return hidden_packages_env(tmp_path_factory.mktemp("hide"), ("mmdet", "mmcv"))


def test_the_packages_are_really_hidden(env):
    proc = run_tool("-c", "import mmdet", check=False, env=env)
    assert proc.returncode != 0 and "No module named 'mmdet'" in proc.output
    proc = run_tool("-c", "import tresnet_tasks.registry as r; print('missing', r.DETECTION_MISSING)", env=env)
    assert "missing mmdet" in proc.output or "missing mmcv" in proc.output


@pytest.mark.slow
def test_multilabel_train_test_infer_without_mmcv_and_mmdet(env, tmp_path):
    root = make_shapes_coco(str(tmp_path / "ml"), num_train=32, num_val=16, size=64, shapes=ALL_SHAPES)
    opts = ["--cfg-options", f"data_root={root}/", "train_cfg.max_epochs=1", "train_cfg.val_interval=1",
            "param_scheduler.0.end=1"]
    work = tmp_path / "w"
    run_tool("tools/train.py", CFG, "--work-dir", str(work), *opts, env=env)
    ckpt = work / "epoch_1.pth"
    out = run_tool("tools/test.py", CFG, str(ckpt), "--work-dir", str(tmp_path / "t"), *opts, env=env).output
    assert "[test] multilabel/mAP" in out
    image = sorted(os.listdir(os.path.join(root, "val2017")))[0]
    run_tool("tools/infer.py", os.path.join(root, "val2017", image), "--config", CFG, "--checkpoint", str(ckpt),
             "--out", str(tmp_path / "p.json"), env=env)
    assert json.load(open(tmp_path / "p.json"))[0]["labels"] is not None


@pytest.mark.parametrize("tool", ["tools/train.py", "tools/test.py"])
def test_detection_tools_say_what_to_install(env, tool, tmp_path):
    args = ["configs/fcos_tresnet_m_coco.py"] + (["x.pth"] if tool.endswith("test.py") else [])
    proc = run_tool(tool, *args, "--work-dir", str(tmp_path), check=False, env=env)
    last = proc.output.strip().splitlines()[-1]
    assert proc.returncode == 2 and "DependencyError" in last and "needs mmcv" in last and "make setup" in last, last
