"""Nothing lost when a job dies: augmentation seeded per sample, mid-epoch resume, time-based checkpoints, the
cluster's warning signal (one process, and 2 gloo processes with the signal on rank 1 only), torchrun restarts, the
Slurm requeue path.

Kills and signals come from ``tests/engine/faults/sitecustomize.py`` (on PYTHONPATH, inactive without TT_FAULT), so
the processes under test are the real tools started the real way. Equality is bitwise: the same process layout,
kernels and thread count on one CPU run the same float operations in the same order, so any difference is a resume
that is not the run that would have happened.
"""
import os
import subprocess
import sys

import pytest
import torch

from tests.helpers import ROOT, run_tool
from tresnet_tasks.data.synthetic import make_cifar_pickles

DEMO = "configs/transfer/tresnet-m-tiny_64px_shapes-cifar10.py"  # flip, RandAugment, Cutout
FCOS_DEMO = "configs/fcos/fcos_tresnet-m-tiny_fpn_gn-head_1x_shapes.py"  # multi-scale resize, flip
FAULTS = os.path.join(ROOT, "tests", "engine", "faults")
EPOCHS, ITERS_PER_EPOCH = 3, 8  # 256 images, batch 32 (2 processes: 4 per epoch)


@pytest.fixture(scope="module")
def cifar_root(tmp_path_factory):
    return make_cifar_pickles(str(tmp_path_factory.mktemp("cifar")), 10, num_train=256, num_test=32)


def _opts(root, *extra):
    return ["--cfg-options", f"data_root={root}/", f"train_cfg.max_epochs={EPOCHS}", "train_cfg.val_interval=10",
            f"param_scheduler.0.end={EPOCHS}", "env_cfg.dist_cfg.backend=gloo", *extra]


def _fault_env(fault, once=None, **more):
    env = {"PYTHONPATH": os.pathsep.join([FAULTS, ROOT]), "TT_FAULT": fault, **more}
    if once:
        env["TT_FAULT_ONCE"] = str(once)
    return env


def _load(path):
    return torch.load(path, map_location="cpu", weights_only=False)


def assert_same_weights(ref_path, got_path, epochs=EPOCHS):
    ref, got = _load(ref_path), _load(got_path)
    for part in ("state_dict", "ema_state_dict"):
        assert (part in ref) == (part in got)
        if part not in ref:
            continue
        assert ref[part].keys() == got[part].keys()
        diff = [k for k, v in ref[part].items() if not torch.equal(v, got[part][k])]
        assert not diff, f"{part}: {len(diff)} tensors differ from the uninterrupted run, e.g. {diff[:3]}"
    assert ref["meta"]["iter"] == got["meta"]["iter"] and ref["meta"]["epoch"] == got["meta"]["epoch"] == epochs


@pytest.fixture(scope="module")
def reference(cifar_root, tmp_path_factory):
    """The uninterrupted run, one process."""
    work = tmp_path_factory.mktemp("ref")
    run_tool("tools/train.py", DEMO, "--work-dir", str(work), *_opts(cifar_root))
    return work / f"epoch_{EPOCHS}.pth"


# -- kills at three points: mid-epoch, right after a time checkpoint, inside a checkpoint write -------------------
KILLS = {"mid-epoch": "kill_after_iter@11", "after-time-checkpoint": "kill_after_save@2",
         "during-checkpoint-write": "kill_in_write@2"}


@pytest.mark.slow
@pytest.mark.parametrize("point", list(KILLS))
def test_sigkill_then_resume_reaches_the_same_weights(point, cifar_root, reference, tmp_path):
    work = tmp_path / "w"
    args = ["tools/train.py", DEMO, "--work-dir", str(work), "--checkpoint-every", "0.5s", *_opts(cifar_root)]
    killed = run_tool(*args, check=False, env=_fault_env(KILLS[point]))
    assert killed.returncode == -9, killed.output[-2000:]
    assert not (work / f"epoch_{EPOCHS}.pth").exists()
    if point == "during-checkpoint-write":
        assert list(work.glob("*.pth.tmp.*")), "the kill should leave the unfinished temporary file"
    run_tool(*args, "--resume")
    assert "resumed epoch" in sorted(work.glob("*/*.log"))[-1].read_text()
    assert not list(work.glob("*.pth.tmp.*"))  # the interrupted write's leftover was removed
    assert_same_weights(reference, work / f"epoch_{EPOCHS}.pth")
    for ckpt in work.glob("*.pth"):  # atomic writes: every checkpoint file is whole
        _load(ckpt)
    assert len(list(work.glob("resume_iter_*.pth"))) <= 2  # fault_tolerance.keep


@pytest.mark.slow
def test_fcos_killed_mid_epoch_resumes_to_the_same_weights(tmp_path):
    """The detection loop: mmdet's RandomChoiceResize and RandomFlip drawn per sample, killed in epoch 2."""
    from tresnet_tasks.data.synthetic import make_shapes_coco
    root = make_shapes_coco(str(tmp_path / "coco"), 32, 4, 160)  # batch 8: 4 iterations per epoch
    opts = ["--cfg-options", f"data_root={root}/", "train_cfg.max_epochs=2", "train_cfg.val_interval=10",
            "param_scheduler.1.end=2"]
    run_tool("tools/train.py", FCOS_DEMO, "--work-dir", str(tmp_path / "ref"), *opts)
    # a time checkpoint after every iteration: with 0.5s, a fast machine wrote none between the epoch-1 checkpoint
    # (iteration 4) and the kill, and the run resumed at the epoch boundary instead
    args = ["tools/train.py", FCOS_DEMO, "--work-dir", str(tmp_path / "w"), "--checkpoint-every", "0s", *opts]
    killed = run_tool(*args, check=False, env=_fault_env("kill_after_iter@6"))
    assert killed.returncode == -9, killed.output[-2000:]
    resumed = run_tool(*args, "--resume").output
    assert "resuming inside epoch 2: batch " in resumed  # the newest time checkpoint is mid-epoch 2
    assert_same_weights(tmp_path / "ref" / "epoch_2.pth", tmp_path / "w" / "epoch_2.pth", epochs=2)


# -- the warning signal --------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_sigterm_mid_epoch_loses_no_iteration(cifar_root, reference, tmp_path):
    work = tmp_path / "w"
    args = ["tools/train.py", DEMO, "--work-dir", str(work), *_opts(cifar_root)]
    stopped = run_tool(*args, check=False, env=_fault_env("signal_after_iter@11"))  # arrives during iteration 12
    assert stopped.returncode == 75, stopped.output[-2000:]
    assert "SIGTERM received: stopped after iteration 12; resumable checkpoint" in stopped.output
    assert "exiting with code 75" in stopped.output
    ckpt = _load(work / "resume_iter_12.pth")
    assert ckpt["meta"]["iter"] == 12 and ckpt["meta"]["epoch"] == 1
    assert ckpt["loop_state"]["batch_in_epoch"] == 12 - ITERS_PER_EPOCH
    assert open(work / "last_checkpoint").read().strip().endswith("resume_iter_12.pth")
    resumed = run_tool(*args, "--resume").output
    assert f"resuming inside epoch 2: batch 5 of {ITERS_PER_EPOCH} (iteration 13)" in resumed
    assert_same_weights(reference, work / f"epoch_{EPOCHS}.pth")


def _dist_train(*args, env=None, restarts=0):
    port = _free_port()
    full_env = {**os.environ, "PYTHONPATH": ROOT, "OMP_NUM_THREADS": "1", "PORT": str(port),
                "MAX_RESTARTS": str(restarts), "PATH": os.path.dirname(sys.executable) + os.pathsep +
                os.environ["PATH"], **(env or {})}
    proc = subprocess.run(["bash", "tools/dist_train.sh", DEMO, "2", *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=900)
    proc.output = proc.stdout + proc.stderr
    return proc


def _free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def reference_2proc(cifar_root, tmp_path_factory):
    work = tmp_path_factory.mktemp("ref2")
    proc = _dist_train("--work-dir", str(work), *_opts(cifar_root))
    assert proc.returncode == 0, proc.output[-3000:]
    return work / f"epoch_{EPOCHS}.pth"


@pytest.mark.slow
def test_signal_on_rank_1_only_stops_both_ranks_at_one_iteration(cifar_root, reference_2proc, tmp_path):
    work = tmp_path / "w"
    args = ["--work-dir", str(work), *_opts(cifar_root)]
    stopped = _dist_train(*args, env=_fault_env("signal_after_iter@5:1"))
    assert stopped.returncode == 75, stopped.output[-3000:]  # dist_train.sh passes the code through torchrun
    assert "SIGTERM received: stopped after iteration 6" in stopped.output
    state = _load(work / "resume_iter_6.pth")["loop_state"]
    assert state["world_size"] == 2 and len(state["rng"]) == 2 and state["batch_in_epoch"] == 2
    resumed = _dist_train(*args, "--resume")
    assert resumed.returncode == 0, resumed.output[-3000:]
    assert "resuming inside epoch 2: batch 3 of 4 (iteration 7)" in resumed.output
    assert_same_weights(reference_2proc, work / f"epoch_{EPOCHS}.pth")


@pytest.mark.slow
def test_torchrun_restarts_a_killed_worker_and_the_run_finishes_the_same(cifar_root, reference_2proc, tmp_path):
    work = tmp_path / "w"
    proc = _dist_train("--work-dir", str(work), *_opts(cifar_root), restarts=1,
                       env=_fault_env("kill_after_iter@5:1", once=tmp_path / "fired"))
    assert proc.returncode == 0, proc.output[-3000:]
    assert (tmp_path / "fired").exists(), "the worker was never killed"
    assert "torchrun restart 1: resuming from the newest checkpoint" in proc.output
    assert_same_weights(reference_2proc, work / f"epoch_{EPOCHS}.pth")


# -- Slurm: the signal, the checkpoint, the requeue ----------------------------------------------------------------
def _slurm_stand_ins(folder, calls):
    """`srun` that records its arguments and runs the task as one local process; `scontrol` that records."""
    srun = folder / "srun"
    srun.write_text(f"""#!/usr/bin/env bash
echo "srun $*" >> {calls}
while [ "$1" != python ]; do shift; done; shift
args=(); for a in "$@"; do [ "$a" = --launcher=slurm ] && a=--launcher=none; args+=("$a"); done
exec {sys.executable} "${{args[@]}}"
""")
    scontrol = folder / "scontrol"
    scontrol.write_text(f'#!/usr/bin/env bash\necho "scontrol $*" >> {calls}\n')
    for f in (srun, scontrol):
        f.chmod(0o755)


def _slurm_train(work, root, bin_dir, env):
    full_env = {**{k: v for k, v in os.environ.items() if not k.startswith("SLURM_")},
                "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "GPUS": "1",
                "PYTHONPATH": os.pathsep.join([FAULTS, ROOT]), **env}
    proc = subprocess.run(["bash", "tools/slurm_train.sh", "gpu", "job", DEMO, str(work), *_opts(root)],
                          cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=900)
    proc.output = proc.stdout + proc.stderr
    return proc


@pytest.mark.slow
def test_slurm_batch_job_checkpoints_requeues_and_resumes_by_itself(cifar_root, reference, tmp_path):
    calls, work = tmp_path / "calls.txt", tmp_path / "w"
    _slurm_stand_ins(tmp_path, calls)
    fault = {"TT_FAULT": "signal_after_iter@11", "TT_FAULT_SIGNAL": "SIGUSR1", "TT_FAULT_ONCE": str(tmp_path / "f")}
    first = _slurm_train(work, cifar_root, tmp_path, {"SLURM_JOB_ID": "4242", **fault})
    assert first.returncode == 75, first.output[-3000:]
    assert "SIGUSR1 received: stopped after iteration 12" in first.output
    assert (work / "resume_iter_12.pth").is_file()
    lines = calls.read_text().splitlines()
    assert len(lines) == 2 and "--signal=USR1@120" in lines[0] and lines[1] == "scontrol requeue 4242"
    # Slurm starts the batch script again with SLURM_RESTART_COUNT=1: no --resume on the command line
    again = _slurm_train(work, cifar_root, tmp_path, {"SLURM_JOB_ID": "4242", "SLURM_RESTART_COUNT": "1", **fault})
    assert again.returncode == 0, again.output[-3000:]
    assert "Slurm requeue 1: resuming from the newest checkpoint" in again.output
    assert "resuming inside epoch 2: batch 5 of 8 (iteration 13)" in again.output
    assert_same_weights(reference, work / f"epoch_{EPOCHS}.pth")


@pytest.mark.slow
def test_slurm_from_a_login_node_starts_srun_again_with_resume(cifar_root, reference, tmp_path):
    calls, work = tmp_path / "calls.txt", tmp_path / "w"
    _slurm_stand_ins(tmp_path, calls)
    env = {"TT_FAULT": "signal_after_iter@11", "TT_FAULT_SIGNAL": "SIGUSR1", "TT_FAULT_ONCE": str(tmp_path / "f")}
    proc = _slurm_train(work, cifar_root, tmp_path, env)
    assert proc.returncode == 0, proc.output[-3000:]
    lines = calls.read_text().splitlines()
    assert len(lines) == 2 and lines[1].endswith("--resume --launcher=slurm") and "scontrol" not in proc.output
    assert_same_weights(reference, work / f"epoch_{EPOCHS}.pth")


# -- augmentation as a function of the sample -----------------------------------------------------------------------
def _first_batches(config, root, work_dir, num_workers, seed=0, epochs=(0,), n=3):
    from tresnet_tasks.cli.config import load_config
    from tresnet_tasks.cli.preemption import apply_fault_tolerance
    from tresnet_tasks.engine.runner import ConsoleRunner
    from tresnet_tasks.registry import register_all_modules
    register_all_modules()
    cfg = load_config(config, {"data_root": f"{root}/", "train_dataloader.num_workers": num_workers,
                               "train_dataloader.persistent_workers": num_workers > 0, "randomness.seed": seed})
    cfg.work_dir = str(work_dir)
    apply_fault_tolerance(cfg)
    runner = ConsoleRunner.from_cfg(cfg)
    loop = runner.build_train_loop(cfg.train_cfg)
    assert loop.seeded_augmentation
    out = []
    for epoch in epochs:
        loop.sampler.set_epoch(epoch)
        # whole epochs: mmdet's AspectRatioBatchSampler keeps an abandoned epoch's half-filled buckets
        out += list(loop.dataloader)[:n]
    return out


def _tensors(batch):
    if isinstance(batch, torch.Tensor):
        return [batch]
    if isinstance(batch, dict):
        return [t for k in sorted(batch) for t in _tensors(batch[k])]
    if isinstance(batch, (list, tuple)):
        return [t for b in batch for t in _tensors(b)]
    if hasattr(batch, "gt_instances"):  # mmdet DetDataSample: the augmented boxes
        return [batch.gt_instances.bboxes.tensor, torch.tensor(batch.metainfo["flip"]), torch.tensor(batch.img_shape)]
    return []


def _same(a, b):
    ta, tb = _tensors(a), _tensors(b)
    return len(ta) == len(tb) and all(x.shape == y.shape and torch.equal(x, y) for x, y in zip(ta, tb))


@pytest.mark.slow
@pytest.mark.parametrize("config", [DEMO, FCOS_DEMO], ids=["transfer", "fcos"])
def test_same_seed_same_batches_whatever_the_workers(config, cifar_root, tmp_path):
    from tresnet_tasks.data.synthetic import make_shapes_coco
    root = cifar_root if config == DEMO else make_shapes_coco(str(tmp_path / "coco"), 48, 4, 160)
    in_main = _first_batches(config, root, tmp_path / "a", num_workers=0, epochs=(0, 1))
    workers = _first_batches(config, root, tmp_path / "b", num_workers=2, epochs=(0, 1))  # persistent
    assert len(in_main) == len(workers) == 6
    assert all(_same(a, b) for a, b in zip(in_main, workers))
    other_seed = _first_batches(config, root, tmp_path / "c", num_workers=0, seed=1, n=1)
    assert not _same(in_main[0], other_seed[0])
