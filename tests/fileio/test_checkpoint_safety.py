"""Checkpoints are untrusted input: no pickle runs code unless the user trusts that file; damaged files, damaged
images and damaged resume checkpoints are one clear line; MMDetection's own tools load our configs' checkpoints."""
import glob
import os
import re
import subprocess
import sys
import zipfile

import pytest
import torch

from tests.helpers import ROOT, run_tool, run_tool_in_process
from tresnet_tasks import create_tresnet, load_tresnet_weights
from tresnet_tasks.data.synthetic import make_cifar_pickles, make_shapes_coco
from tresnet_tasks.errors import DamagedCheckpointError, UnsafeCheckpointError
from tresnet_tasks.fileio import TRUST_ENV, read_checkpoint_file

DEMO = "configs/transfer/tresnet-m-tiny_64px_shapes-cifar10.py"
DET_DEMO = "configs/fcos/fcos_tresnet-m-tiny_fpn_gn-head_1x_shapes.py"


class Payload:
    """What a crafted "pretrained weights" file carries: unpickling it runs a shell command."""

    def __init__(self, canary):
        self.canary = str(canary)

    def __reduce__(self):
        return (os.system, (f"touch {self.canary}",))


def small_state():
    return create_tresnet("tresnet_m", layers=(1, 1, 2, 1), width=0.5, norm="bn", num_classes=10).state_dict()


@pytest.fixture
def files(tmp_path):
    good = tmp_path / "good.pth"
    torch.save({"state_dict": small_state()}, good)
    data = good.read_bytes()
    out = {"good": good, "canary": tmp_path / "CANARY"}
    out["crafted"] = tmp_path / "crafted.pth"
    torch.save({"state_dict": small_state(), "extra": Payload(out["canary"])}, out["crafted"])
    out["truncated"] = tmp_path / "truncated.pth"
    out["truncated"].write_bytes(data[: len(data) // 2])
    out["random"] = tmp_path / "random.pth"
    out["random"].write_bytes(b"\x17" + os.urandom(4095))  # no zip or pickle-protocol magic
    out["empty"] = tmp_path / "empty.pth"
    out["empty"].write_bytes(b"")
    out["directory"] = tmp_path / "dir.pth"
    out["directory"].mkdir()
    out["foreign_zip"] = tmp_path / "foreign.pth"
    with zipfile.ZipFile(out["foreign_zip"], "w") as z:
        z.writestr("notes/readme.txt", "not a checkpoint")
    out["bad_safetensors"] = tmp_path / "bad.safetensors"
    out["bad_safetensors"].write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}")
    return out


@pytest.mark.parametrize("kind,why", [
    ("truncated", "the zip archive is truncated"), ("random", "not a PyTorch or safetensors file"),
    ("empty", r"the file is empty \(0 bytes\)"), ("directory", "it is a directory"),
    ("foreign_zip", "a zip archive that is not a PyTorch checkpoint"),
    ("bad_safetensors", "not a readable safetensors file")])
def test_damaged_files_name_the_file_and_the_problem(files, kind, why):
    with pytest.raises(DamagedCheckpointError, match=re.escape(str(files[kind])) + r" is damaged \(truncated or "
                                                     r"not a checkpoint\): " + why) as err:
        read_checkpoint_file(files[kind])
    assert "\n" not in str(err.value)


def test_crafted_pickle_never_runs_unless_that_file_is_trusted(files, monkeypatch):
    model = create_tresnet("tresnet_m", layers=(1, 1, 2, 1), width=0.5, norm="bn", num_classes=10)
    for load in (lambda: load_tresnet_weights(model, files["crafted"]),
                 lambda: create_tresnet("tresnet_m", layers=(1, 1, 2, 1), width=0.5, norm="bn",
                                        pretrained=str(files["crafted"]))):
        with pytest.raises(UnsafeCheckpointError, match=r"refused: .*calls posix\.system .*" + TRUST_ENV):
            load()
        assert not files["canary"].exists()
    from mmdet.registry import MODELS

    bb = MODELS.build(dict(type="TResNet", arch="m", layers=(1, 1, 2, 1), width=0.5, norm="bn",
                           init_cfg=dict(type="Pretrained", checkpoint=str(files["crafted"]))))
    with pytest.raises(UnsafeCheckpointError):
        bb.init_weights()
    assert not files["canary"].exists()
    # trusting another file, or this file found automatically, changes nothing
    monkeypatch.setenv(TRUST_ENV, str(files["good"]))
    with pytest.raises(UnsafeCheckpointError):
        read_checkpoint_file(files["crafted"])
    monkeypatch.setenv(TRUST_ENV, str(files["crafted"]))
    with pytest.raises(UnsafeCheckpointError):
        read_checkpoint_file(files["crafted"], found_automatically=True)
    assert not files["canary"].exists()
    read_checkpoint_file(files["crafted"])  # the explicit opt-in: the user's choice, and it does unpickle fully
    assert files["canary"].exists()


def test_training_checkpoint_with_an_empty_history_buffer_loads(tmp_path):
    """An mmengine message hub whose HistoryBuffer logged nothing yet pickles its empty numpy arrays' data as
    ``bytes()`` (protocol 2): plain data, read weights-only like the filled buffer; ``bytes`` with arguments (which
    would allocate what the file asks) is still refused."""
    import numpy as np
    from mmengine.logging import HistoryBuffer, MessageHub

    hub = MessageHub(f"hub-{tmp_path.name}")
    hub.update_scalar("train/loss", 1.5)
    hub_state = hub.state_dict()
    hub_state["log_scalars"]["val/empty"] = HistoryBuffer()  # what a hub holds before the first validation
    state = {"meta": {"epoch": 1}, "state_dict": {"w": torch.ones(2)}, "message_hub": hub_state,
             "arrays": [np.zeros((0, 3), np.float32), np.array([], np.int64)]}
    path = tmp_path / "epoch_1.pth"
    torch.save(state, path)
    loaded = read_checkpoint_file(path)
    assert loaded["message_hub"]["log_scalars"]["val/empty"].data[0].size == 0
    assert loaded["message_hub"]["log_scalars"]["train/loss"].current() == 1.5
    assert loaded["arrays"][0].shape == (0, 3) and loaded["arrays"][1].dtype == np.int64

    class Allocates:
        def __reduce__(self):
            return bytes, (1 << 20,)
    torch.save({"x": Allocates()}, tmp_path / "bytes_call.pth")
    with pytest.raises(UnsafeCheckpointError, match=r"refused: .*calls builtins\.bytes"):
        read_checkpoint_file(tmp_path / "bytes_call.pth")


@pytest.fixture(scope="module")
def cifar_root(tmp_path_factory):
    return make_cifar_pickles(str(tmp_path_factory.mktemp("cifar")), 10, num_train=64, num_test=32)


def _last_line(proc):
    return proc.output.strip().splitlines()[-1]


@pytest.mark.parametrize("kind,expected", [
    ("truncated", r"^test: error: DamagedCheckpointError: .*truncated\.pth is damaged \(truncated or not a "
                  r"checkpoint\): the zip archive is truncated$"),
    ("random", r"^test: error: DamagedCheckpointError: .*random\.pth is damaged \(truncated or not a checkpoint\)"),
    ("crafted", r"^test: error: UnsafeCheckpointError: .*crafted\.pth was refused: it is not plain weights, its "
                r"pickle calls posix\.system .*--trust-checkpoint"),
])
def test_test_tool_on_bad_checkpoints_is_one_line(files, cifar_root, tmp_path, kind, expected):
    proc = run_tool_in_process("tools/test.py", DEMO, str(files[kind]), "--work-dir", str(tmp_path / "w"),
                               "--cfg-options", f"data_root={cifar_root}/")
    assert proc.returncode == 2 and re.search(expected, _last_line(proc)), proc.output[-3000:]
    assert "Traceback" not in proc.output and not files["canary"].exists()


def test_resume_from_a_truncated_checkpoint_is_one_line(files, cifar_root, tmp_path):
    proc = run_tool_in_process("tools/train.py", DEMO, "--work-dir", str(tmp_path / "w"), "--resume",
                               str(files["truncated"]), "--cfg-options", f"data_root={cifar_root}/")
    assert proc.returncode == 2 and "Traceback" not in proc.output, proc.output[-3000:]
    assert re.search(r"^train: error: DamagedCheckpointError: .*truncated\.pth is damaged", _last_line(proc))


def _short_run(root, epochs):
    return ["--cfg-options", f"data_root={root}/", f"train_cfg.max_epochs={epochs}", "train_cfg.val_interval=10",
            f"param_scheduler.0.end={epochs}", "default_hooks.checkpoint.max_keep_ckpts=5"]


@pytest.mark.slow
def test_auto_resume_skips_a_damaged_newest_checkpoint(cifar_root, tmp_path):
    work = tmp_path / "w"
    run_tool("tools/train.py", DEMO, "--work-dir", str(work), *_short_run(cifar_root, 2))
    newest = work / "epoch_2.pth"
    data = newest.read_bytes()
    newest.write_bytes(data[: len(data) // 3])  # a copy that broke off, a disk that filled up
    out = run_tool("tools/train.py", DEMO, "--work-dir", str(work), "--resume", *_short_run(cifar_root, 3)).output
    assert re.search(r"train: skipping .*epoch_2\.pth: .*is damaged \(truncated or not a checkpoint\)", out), out
    assert re.search(r"train: resuming from .*epoch_1\.pth \(the newest readable checkpoint\)", out)
    assert re.search(r"resumed +.*epoch_1\.pth: epoch 1, iteration 2", out), out[-3000:]
    assert read_checkpoint_file(work / "epoch_3.pth")["meta"]["epoch"] == 3


@pytest.mark.slow
def test_zero_byte_jpeg_is_skipped_in_training_and_an_error_in_evaluation(tmp_path):
    root = make_shapes_coco(str(tmp_path / "det"), num_train=12, num_val=6, size=128)
    bad_train = sorted(glob.glob(f"{root}/train2017/*.jpg"))[2]
    open(bad_train, "wb").close()
    opts = ["--cfg-options", f"data_root={root}/", "train_cfg.max_epochs=1", "train_cfg.val_interval=5",
            "param_scheduler.1.end=1"]
    out = run_tool("tools/train.py", DET_DEMO, "--work-dir", str(tmp_path / "w"), *opts).output
    assert re.search(r"unreadable image skipped \(1 so far\): .*" + re.escape(os.path.basename(bad_train)) +
                     r": empty file \(0 bytes\)", out), out[-3000:]
    assert (tmp_path / "w" / "epoch_1.pth").is_file()
    bad_val = sorted(glob.glob(f"{root}/val2017/*.jpg"))[1]
    open(bad_val, "wb").close()
    proc = run_tool("tools/test.py", DET_DEMO, str(tmp_path / "w" / "epoch_1.pth"), "--work-dir",
                    str(tmp_path / "t"), *opts[:2], check=False, timeout=300)
    assert proc.returncode == 2 and "Traceback" not in proc.output, proc.output[-3000:]
    assert re.search(r"^test: error: DatasetError: unreadable image in evaluation data: .*" +
                     re.escape(os.path.basename(bad_val)) + r" \(empty file \(0 bytes\)\)", _last_line(proc))


def test_only_the_projects_errors_become_one_line():
    from tresnet_tasks.cli.args import clear_errors
    from tresnet_tasks.errors import ConfigError
    with pytest.raises(SystemExit) as ex:
        with clear_errors("tool"):
            raise ConfigError("bad value")
    assert ex.value.code == 2
    with pytest.raises(KeyError):  # a bug deep inside a library keeps its traceback
        with clear_errors("tool"):
            {}["missing"]


def _mmdet_tool(name):
    import mmdet
    return os.path.join(os.path.dirname(mmdet.__file__), ".mim", "tools", f"{name}.py")


@pytest.mark.slow
@pytest.mark.parametrize("module,hooks", [("tresnet_tasks.registry", "[dict(type='PlotHook')]"),
                                          ("tresnet_tasks.detection", "[]")])
def test_mmdetections_own_tools_train_and_test_our_backbone(tmp_path, module, hooks):
    """mmdet's shipped tools/train.py and tools/test.py on a config that inherits mmdet's FCOS-R50 config and
    swaps in the TResNet backbone through custom_imports (torch >= 2.6 weights-only loading included). Importing
    any module of the package is enough (the safe reader comes with it); the registry brings the hooks too."""
    import mmdet
    root = make_shapes_coco(str(tmp_path / "det"), num_train=8, num_val=4, size=128)
    base = os.path.join(os.path.dirname(mmdet.__file__), ".mim", "configs", "fcos",
                        "fcos_r50-caffe_fpn_gn-head_1x_coco.py")
    cfg = tmp_path / "fcos_tresnet_from_mmdet.py"
    cfg.write_text(f"""
_base_ = {base!r}
custom_imports = dict(imports=[{module!r}], allow_failed_imports=False)
custom_hooks = {hooks}
data_root = {root + '/'!r}
metainfo = dict(classes=('circle', 'square', 'triangle'))
model = dict(
    data_preprocessor=dict(mean=[0.0, 0.0, 0.0], std=[255.0, 255.0, 255.0], bgr_to_rgb=True),
    backbone=dict(_delete_=True, type='TResNet', arch='m', layers=(1, 1, 1, 1), width=0.25, norm='bn',
                  out_indices=(1, 2, 3)),
    neck=dict(in_channels=[32, 256, 512], start_level=0),
    bbox_head=dict(num_classes=3),
    # after one epoch on 8 images the scores can all sit below mmdet's 0.05: keep every box so the metric exists
    test_cfg=dict(score_thr=0.0))
# mmdet's pipelines, at 256 px instead of 1333x800 (the images are 128 px; what is tested is the wiring)
train_pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations', with_bbox=True),
                  dict(type='Resize', scale=(256, 256), keep_ratio=True), dict(type='RandomFlip', prob=0.5),
                  dict(type='PackDetInputs')]
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='Resize', scale=(256, 256), keep_ratio=True),
                 dict(type='LoadAnnotations', with_bbox=True),
                 dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))]
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False, dataset=dict(
    data_root=data_root, metainfo=metainfo, ann_file='annotations/instances_train2017.json',
    data_prefix=dict(img='train2017/'), pipeline=train_pipeline))
val_dataloader = dict(batch_size=1, num_workers=0, persistent_workers=False, dataset=dict(
    data_root=data_root, metainfo=metainfo, ann_file='annotations/instances_val2017.json',
    data_prefix=dict(img='val2017/'), pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val2017.json')
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=1, val_interval=1)
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False, begin=0, end=1)]
env_cfg = dict(dist_cfg=dict(backend='gloo'))
""")
    env = {**os.environ, "PYTHONPATH": ROOT, "PYTHONWARNINGS": "ignore"}
    train = subprocess.run([sys.executable, _mmdet_tool("train"), str(cfg), "--work-dir", str(tmp_path / "w")],
                           cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=900)
    assert train.returncode == 0, (train.stdout + train.stderr)[-4000:]
    ckpt = tmp_path / "w" / "epoch_1.pth"
    assert (tmp_path / "w" / "plots" / "curves.png").is_file() == ("PlotHook" in hooks)
    test = subprocess.run([sys.executable, _mmdet_tool("test"), str(cfg), str(ckpt), "--work-dir",
                           str(tmp_path / "t")], cwd=str(tmp_path), env=env, capture_output=True, text=True,
                          timeout=900)
    out = test.stdout + test.stderr
    assert test.returncode == 0 and "coco/bbox_mAP" in out and "Unsupported global" not in out, out[-4000:]
