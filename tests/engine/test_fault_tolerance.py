"""Scale-out and fault tolerance: non-finite loss, bad input across the tools, 2-process DDP (gloo, CPU) with
evaluation equal to a single process, the launch scripts. Kills, signals and resume: test_mid_epoch_resume.py."""
import json
import os
import subprocess
import sys

import pytest
import torch

from tests.helpers import ROOT, run_tool, run_tool_in_process
from tresnet_tasks.data.synthetic import make_cifar_pickles

DEMO = "configs/transfer/tresnet-m-tiny_64px_shapes-cifar10.py"


@pytest.fixture(scope="module")
def cifar_root(tmp_path_factory):
    # enough images per epoch (24 iterations) that a kill lands inside an epoch
    return make_cifar_pickles(str(tmp_path_factory.mktemp("cifar")), 10, num_train=768, num_test=64)


def test_nonfinite_loss_stops_or_skips():
    from mmengine.logging import MessageHub
    from tresnet_tasks.engine.optim import GuardedOptimWrapper
    MessageHub.get_instance("nonfinite_test").update_info("iter", 41)
    w = torch.nn.Parameter(torch.ones(3))
    stop = GuardedOptimWrapper(optimizer=torch.optim.SGD([w], lr=0.1))
    with pytest.raises(FloatingPointError, match="non-finite loss .* at iteration 42"):
        stop.update_params((w * float("nan")).sum())
    skip = GuardedOptimWrapper(optimizer=torch.optim.SGD([w], lr=0.1), nonfinite="skip")
    skip.update_params((w * float("inf")).sum())
    assert torch.equal(w.detach(), torch.ones(3)) and skip.skipped_steps == 1
    skip.update_params((w * 2).sum())
    assert torch.allclose(w.detach(), torch.full((3,), 0.8))


BAD_INPUTS = [  # (what, tool args, expected one-line message)
    ("config path", ["tools/train.py", "configs/nope.py"], "config file not found: configs/nope.py"),
    ("config key typo", ["tools/train.py", DEMO, "--cfg-options", "train_dataloader.batch_sise=4"],
     "did you mean train_dataloader.batch_size?"),
    ("cfg-options type", ["tools/train.py", DEMO, "--cfg-options", "train_dataloader.batch_size=abc"],
     "expected int like the config's 32, got str"),
    ("missing dataset root", ["tools/train.py", DEMO, "--cfg-options", "data_root=/nonexistent/"],
     "missing .* in /nonexistent/cifar-10-batches-py .*folder does not exist"),
    ("missing checkpoint", ["tools/test.py", DEMO, "/nonexistent.pth"], "checkpoint not found: /nonexistent.pth"),
    ("missing resume checkpoint", ["tools/train.py", DEMO, "--resume", "/nonexistent.pth"],
     "--resume checkpoint not found"),
    ("mmengine sync_bn", ["tools/train.py", DEMO, "--cfg-options", "sync_bn=torch"],
     "set model.sync_norm=True"),
    ("option through a None setting", ["tools/train.py", "configs/fcos/fcos_tresnet-m-tiny_fpn_gn-head_1x_shapes.py",
                                       "--cfg-options", "model.backbone.init_cfg.checkpoint=weights.pth"],
     r"model.backbone.init_cfg is None in .*set it whole: model.backbone.init_cfg.type=.*--weights FILE"),
    ("dict literal option", ["tools/train.py", "configs/fcos/fcos_tresnet-m-tiny_fpn_gn-head_1x_shapes.py",
                             "--cfg-options", "model.backbone.init_cfg={'type':'Pretrained','checkpoint':'w.pth'}"],
     r"keeps a dict literal as a string .*give one key at a time .*--weights FILE"),
    ("checkpoint interval without unit", ["tools/train.py", DEMO, "--checkpoint-every", "30"],
     "checkpoint interval '30': give a number with a unit, e.g. 30m, 90s or 2h"),
    ("missing --weights file", ["tools/train.py", DEMO, "--weights", "/nonexistent.pth"],
     "checkpoint not found: /nonexistent.pth"),
    ("bad benchmark spec", ["tools/benchmark.py", "--models", "ours:tresnet_m:bn:turbo"],
     r"benchmark: error: ConfigError: model spec 'ours:tresnet_m:bn:turbo': unknown options \['turbo'\]"),
]


def test_sync_norm_conversion_keeps_activation_and_weights():
    import copy
    from tresnet_tasks import convert_norm, create_tresnet
    from tresnet_tasks.backbone.norms import SyncBatchNormAct2d
    model = create_tresnet("tresnet_m", layers=(1, 1, 1, 1), width=0.25, norm="bn")
    synced = convert_norm(copy.deepcopy(model), "bn", sync=True)
    layers = [m for m in synced.modules() if isinstance(m, SyncBatchNormAct2d)]
    assert layers and layers[0].activation == "leaky_relu" and layers[0].activation_param == 0.01
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), synced.state_dict().values()))


@pytest.mark.parametrize("what,args,expected", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_gets_one_clear_line(tmp_path, what, args, expected):
    import re
    work_dir = [] if args[0] == "tools/benchmark.py" else ["--work-dir", str(tmp_path / "w")]
    proc = run_tool_in_process(*args, *work_dir)
    last = proc.output.strip().splitlines()[-1]
    assert proc.returncode == 2 and re.search(expected, last), f"{what}: rc={proc.returncode} {last}"


def test_checkpoint_of_another_class_count_is_refused(cifar_root, tmp_path):
    from tresnet_tasks import create_tresnet
    path = tmp_path / "other.pth"
    torch.save({"state_dict": create_tresnet("tresnet_l", norm="bn", num_classes=5).state_dict()}, path)
    proc = run_tool_in_process("tools/train.py", DEMO, "--work-dir", str(tmp_path / "w"), "--cfg-options",
                               f"data_root={cifar_root}/", f"model.pretrained={path}")
    last = proc.output.strip().splitlines()[-1]
    assert proc.returncode == 2 and "checkpoint is tresnet_l but the model is custom TResNet" in last


def _free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dist(tool, *args, nproc=2):
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(nproc), "--master_addr",
           "127.0.0.1", "--master_port", str(_free_port()), tool, *args, "--launcher", "pytorch"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "PYTHONPATH": ROOT, "OMP_NUM_THREADS": "1"})
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    return proc.stdout + proc.stderr


def _metrics(work_dir):
    files = sorted(work_dir.glob("*/*.json"))
    return json.loads(files[-1].read_text())


@pytest.mark.slow
@pytest.mark.parametrize("task", ["transfer", "multilabel", "detection"])
def test_ddp_two_processes_train_and_sharded_eval_equals_single(task, cifar_root, tmp_path_factory, tmp_path):
    from tresnet_tasks.data.synthetic import ALL_SHAPES, make_shapes_coco
    if task == "transfer":
        cfg, root = DEMO, cifar_root
    elif task == "multilabel":
        cfg = "configs/multilabel/asl_tresnet-m-tiny_128px_shapes.py"
        root = make_shapes_coco(str(tmp_path_factory.mktemp("ml")), 40, 21, 96, shapes=ALL_SHAPES)
    else:
        cfg = "configs/fcos/fcos_tresnet-m-tiny_fpn_gn-head_1x_shapes.py"
        root = make_shapes_coco(str(tmp_path_factory.mktemp("det")), 40, 21, 128)
    opts = ["--cfg-options", f"data_root={root}/", "env_cfg.dist_cfg.backend=gloo", "train_cfg.max_epochs=1",
            "train_cfg.val_interval=1"]
    if task != "detection":
        opts.append("param_scheduler.0.end=1")
    else:
        opts.append("param_scheduler.1.end=1")
    _dist("tools/train.py", cfg, "--work-dir", str(tmp_path / "train"), *opts)
    ckpt = tmp_path / "train" / "epoch_1.pth"
    assert ckpt.is_file()
    test_opts = opts[:1] + [o for o in opts[1:] if o.startswith(("data_root", "env_cfg"))]
    _dist("tools/test.py", cfg, str(ckpt), "--work-dir", str(tmp_path / "dist"), *test_opts)
    run_tool("tools/test.py", cfg, str(ckpt), "--work-dir", str(tmp_path / "single"), *test_opts)
    dist, single = _metrics(tmp_path / "dist"), _metrics(tmp_path / "single")
    keys = [k for k in single if k not in ("data_time", "time")]
    assert keys and all(abs(dist[k] - single[k]) < 1e-6 for k in keys), (dist, single)


@pytest.mark.parametrize("script,args,expected", [
    ("tools/dist_train.sh", ["cfg.py", "8", "--amp"],
     ["python -m torch.distributed.run --nnodes=2 --nproc_per_node=8 --node_rank=1 --master_addr=host0",
      "tools/train.py cfg.py --amp --launcher pytorch"]),
    ("tools/dist_test.sh", ["cfg.py", "ckpt.pth", "4"],
     ["--nproc_per_node=4", "tools/test.py cfg.py ckpt.pth --launcher pytorch"]),
    ("tools/slurm_train.sh", ["gpu", "job", "cfg.py", "work", "--resume"],
     ["-p gpu", "--job-name=job", "--gres=gpu:4", "--ntasks=4", "tools/train.py cfg.py --work-dir=work --resume",
      "--launcher=slurm"]),
    ("tools/slurm_test.sh", ["gpu", "job", "cfg.py", "ckpt.pth", "--out", "r.pkl"],
     ["-p gpu", "--gres=gpu:4", "tools/test.py cfg.py ckpt.pth --out r.pkl", "--launcher=slurm"]),
])
def test_launch_scripts_build_the_command(tmp_path, script, args, expected):
    """No Slurm and one machine here: stand-in `srun` / `python` record the command the scripts would run."""
    out = _launch_command(tmp_path, script, args)
    for part in expected:
        assert part in out, (part, out)


def _launch_command(tmp_path, script, args, **env):
    for name in ("srun", "python"):
        fake = tmp_path / name
        fake.write_text(f'#!/usr/bin/env bash\necho "{name} $*"\n')
        fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}", "GPUS": "4", "NNODES": "2", "NODE_RANK": "1",
           "MASTER_ADDR": "host0", **env}
    return subprocess.run(["bash", script, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=True).stdout


def test_restarts_use_a_rendezvous_that_starts_each_round_afresh(tmp_path):
    # torchrun's static rendezvous keeps one store for every round: restarted gloo workers meet stale addresses
    out = _launch_command(tmp_path, "tools/dist_train.sh", ["cfg.py", "8"], MAX_RESTARTS="3", PORT="29511")
    assert ("--rdzv-backend=c10d --rdzv-endpoint=host0:29511 --rdzv-id=tresnet-tasks-29511 --max-restarts=3"
            in out), out
    assert "--node_rank" not in out and "--master_port" not in out
