"""Mid-epoch checkpoints: on a clock (``--checkpoint-every 30m``) and on the cluster's warning signal.

Clusters warn before they kill (Slurm: SIGTERM, or the signal of ``--signal=USR1@120``, then SIGKILL after the
grace time; Kubernetes: SIGTERM and a grace period). :class:`ResumableCheckpointHook`:

- catches the warning signals (default SIGTERM and SIGUSR1) in the main process and has loader workers ignore
  them; at the next iteration boundary every rank agrees (a MAX all-reduce: the signal may reach one rank only),
  one resumable checkpoint is written, and training stops (what the tool does next, exit code 75 and a requeue, is
  the policy in :mod:`tresnet_tasks.cli.preemption`);
- writes the same kind of checkpoint when ``checkpoint_every`` has passed since the last one (rank 0's clock
  decides, for all), as ``resume_iter_<N>.pth``, keeping the newest ``keep`` of them (epoch checkpoints are the
  CheckpointHook's, untouched), and points ``last_checkpoint`` at it, so ``--resume`` finds it;
- puts the loop's position (:meth:`ResumableEpochBasedTrainLoop.mid_epoch_state`) into every checkpoint, and
  hands it back to the loop when one is resumed.

Checkpoint writes are atomic (:func:`.checkpoint.install_atomic_checkpoint_writes`): a kill during the write
leaves the previous checkpoint in place.
"""
from __future__ import annotations

import glob
import os
import os.path as osp
import re
import signal
import time
from functools import partial
from typing import Optional, Sequence, Union

import torch
from mmengine.dist import all_reduce, barrier, get_dist_info
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.registry import HOOKS

from ...errors import ConfigError
from ..output import Console
from ..resumable_loop import ResumableEpochBasedTrainLoop

DEFAULT_SIGNALS = ("SIGTERM", "SIGUSR1")
RESUME_PREFIX = "resume_iter_"
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}


def parse_interval(value: Union[None, str, int, float]) -> Optional[float]:
    """'30m', '90s', '1.5h' -> seconds; None/'' -> None. A bare number is refused (minutes or seconds?)."""
    if value is None or value == "":
        return None
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h)\s*", str(value))
    if not m:
        raise ConfigError(f"checkpoint interval {value!r}: give a number with a unit, e.g. 30m, 90s or 2h")
    return float(m.group(1)) * _UNITS[m.group(2)]


def _signal_numbers(names: Sequence[str]):
    out = []
    for name in names:
        key = name.upper() if str(name).upper().startswith("SIG") else f"SIG{str(name).upper()}"
        if not hasattr(signal, key):
            raise ConfigError(f"fault_tolerance.signals: unknown signal {name!r} (e.g. SIGTERM, SIGUSR1)")
        out.append(getattr(signal, key))
    return out


def _worker_ignores(signums, inner, worker_id):
    """Loader workers leave the warning signal to the main process (Slurm may send it to every process)."""
    for s in signums:
        signal.signal(s, signal.SIG_IGN)
    if inner is not None:
        inner(worker_id)


@HOOKS.register_module()
class ResumableCheckpointHook(Hook):
    """Resumable mid-epoch checkpoints on a clock and on warning signals (see the module docstring).

    Args:
        checkpoint_every: interval between time-based checkpoints ('30m', '90s', '2h'); None: only on signals.
        keep: how many time-based checkpoints to keep (the newest).
        signals: the signals that mean "you will be killed soon"; empty: none caught.
    """

    priority = "LOWEST"  # after the optimizer step, EMA update, scheduler step and logging of the iteration

    def __init__(self, checkpoint_every=None, keep: int = 2, signals: Sequence[str] = DEFAULT_SIGNALS):
        self.interval = parse_interval(checkpoint_every)
        if keep < 1:
            raise ConfigError(f"fault_tolerance.keep={keep}: keep at least 1 resumable checkpoint")
        self.keep = keep
        self.signums = _signal_numbers(signals)
        self.received: Optional[int] = None
        self.preempted: Optional[str] = None  # the signal's name once training stopped on it
        self.last_save = time.monotonic()
        self._old_handlers = {}
        self._state: Optional[dict] = None

    # -- signals ------------------------------------------------------------------------------------------------
    def _on_signal(self, signum, frame) -> None:
        self.received = signum

    def before_train(self, runner) -> None:
        self.last_save = time.monotonic()
        for s in self.signums:
            self._old_handlers[s] = signal.signal(s, self._on_signal)
        loader = runner.train_loop.dataloader
        if getattr(loader, "num_workers", 0) > 0 and self.signums:
            loader.worker_init_fn = partial(_worker_ignores, tuple(self.signums), loader.worker_init_fn)

    def after_train(self, runner) -> None:
        for s, handler in self._old_handlers.items():
            signal.signal(s, handler)
        self._old_handlers.clear()

    # -- deciding and writing -----------------------------------------------------------------------------------
    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        loop = runner.train_loop
        if not isinstance(loop, ResumableEpochBasedTrainLoop):
            return
        rank, world = get_dist_info()
        due = self.interval is not None and rank == 0 and time.monotonic() - self.last_save >= self.interval
        flags = torch.tensor([0 if self.received is None else self.received, int(due)], dtype=torch.int64)
        if world > 1:
            all_reduce(flags, op="max")
        signum, due = int(flags[0]), bool(flags[1])
        if not signum and not due:
            return
        start = time.perf_counter()
        path = self._save(runner, loop)
        self.last_save = time.monotonic()
        line = (f"resumable checkpoint {path} ({os.path.getsize(path) / 2**20:.1f} MiB, "
                f"{time.perf_counter() - start:.2f} s)") if get_dist_info()[0] == 0 else ""
        if line:
            print_log(line, logger="current")
        if signum:
            self.preempted = signal.Signals(signum).name
            loop.stop_training = True
            Console.print(f"{self.preempted} received: stopped after iteration {runner.iter + 1}; {line}")
        else:
            Console.print(line)

    def _save(self, runner, loop) -> str:
        self._state = loop.mid_epoch_state()  # on every rank: gathers each rank's generator states
        name = f"{RESUME_PREFIX}{runner.iter + 1}.pth"
        runner.save_checkpoint(runner.work_dir, name, save_optimizer=True, save_param_scheduler=True,
                               meta=dict(epoch=runner.epoch, iter=runner.iter + 1), by_epoch=False)
        self._state = None
        path = osp.join(runner.work_dir, name)
        if get_dist_info()[0] == 0:
            _point_last_checkpoint(runner.work_dir, path)
            old = sorted(glob.glob(osp.join(runner.work_dir, f"{RESUME_PREFIX}*.pth")), key=_iter_of)[:-self.keep]
            for stale in old:
                os.remove(stale)
        barrier()
        return path

    # -- the loop's state in every checkpoint -------------------------------------------------------------------
    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        loop = runner.train_loop
        if isinstance(loop, ResumableEpochBasedTrainLoop):
            if self._state is not None:
                checkpoint["loop_state"] = self._state
            elif checkpoint["meta"].get("epoch") == loop.epoch:  # an iteration checkpoint inside the epoch
                checkpoint["loop_state"] = loop.mid_epoch_state(gather=False)
            else:
                checkpoint["loop_state"] = loop.epoch_end_state()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        loop = getattr(runner, "_train_loop", None)
        if isinstance(loop, ResumableEpochBasedTrainLoop) and isinstance(checkpoint.get("loop_state"), dict):
            loop.resume_from(checkpoint["loop_state"])


def _iter_of(path: str) -> int:
    m = re.search(r"(\d+)\.pth$", path)
    return int(m.group(1)) if m else -1


def _point_last_checkpoint(work_dir: str, path: str) -> None:
    """``last_checkpoint`` names the newest checkpoint (as mmengine's CheckpointHook writes it), atomically."""
    pointer = osp.join(work_dir, "last_checkpoint")
    tmp = f"{pointer}.tmp.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(path)
    os.replace(tmp, pointer)
