"""What the tools do about preemption: make a config's training resumable mid-epoch (the resumable loop and
:class:`~tresnet_tasks.engine.hooks.ResumableCheckpointHook` from the config's ``fault_tolerance`` key and
``--checkpoint-every``), resume by themselves after a torchrun restart or a Slurm requeue, and exit with
:data:`EXIT_PREEMPTED` (75, ``EX_TEMPFAIL``: "try again") after a warning signal, which ``tools/slurm_train.sh``
answers with a requeue."""
from __future__ import annotations

import os
from typing import Optional

from mmengine.logging import print_log

from ..engine.hooks.resumable_checkpoint import ResumableCheckpointHook, parse_interval
from ..engine.resumable_loop import ResumableEpochBasedTrainLoop
from ..errors import ConfigError

EXIT_PREEMPTED = 75  # sysexits.h EX_TEMPFAIL: stopped on a warning signal after writing a resumable checkpoint


_EPOCH_LOOPS = ("EpochBasedTrainLoop", "mmengine.EpochBasedTrainLoop")


def apply_fault_tolerance(cfg, checkpoint_every: Optional[str] = None) -> None:
    """Make a config's training resumable mid-epoch: :class:`ResumableEpochBasedTrainLoop` in place of
    mmengine's ``EpochBasedTrainLoop``, and :class:`ResumableCheckpointHook` with the settings of the config key
    ``fault_tolerance = dict(checkpoint_every=None, keep=2, signals=('SIGTERM', 'SIGUSR1'))``;
    ``checkpoint_every`` (the ``--checkpoint-every`` option) overrides the config's interval."""
    train_cfg = cfg.get("train_cfg")
    if train_cfg is None:
        return
    if train_cfg.get("type") in _EPOCH_LOOPS or ("type" not in train_cfg and train_cfg.get("by_epoch")):
        train_cfg.pop("by_epoch", None)
        train_cfg["type"] = "ResumableEpochBasedTrainLoop"
    elif train_cfg.get("type") not in ("ResumableEpochBasedTrainLoop", ResumableEpochBasedTrainLoop):
        print_log(f"train_cfg {train_cfg.get('type', 'by_epoch=False')}: time and signal checkpoints are written, "
                  "but a resume is not the exact run (only epoch-based loops seed augmentation per sample and "
                  "resume mid-epoch)", logger="current", level=30)
    settings = dict(cfg.get("fault_tolerance") or {})
    unknown = set(settings) - {"checkpoint_every", "keep", "signals"}
    if unknown:
        raise ConfigError(f"fault_tolerance: unknown keys {sorted(unknown)}; known: checkpoint_every, keep, signals")
    if checkpoint_every is not None:
        settings["checkpoint_every"] = checkpoint_every
    parse_interval(settings.get("checkpoint_every"))  # a bad interval fails now, in one line
    hooks = list(cfg.get("custom_hooks") or [])
    if not any(h.get("type") in ("ResumableCheckpointHook", ResumableCheckpointHook) for h in hooks):
        hooks.append(dict(type="ResumableCheckpointHook", **settings))
    cfg.custom_hooks = hooks


def restarted_by_scheduler() -> Optional[str]:
    """The reason to resume by itself: torchrun restarted the worker group, or Slurm requeued the job."""
    if int(os.environ.get("TORCHELASTIC_RESTART_COUNT", "0") or 0) > 0:
        return f"torchrun restart {os.environ['TORCHELASTIC_RESTART_COUNT']}"
    if int(os.environ.get("SLURM_RESTART_COUNT", "0") or 0) > 0:
        return f"Slurm requeue {os.environ['SLURM_RESTART_COUNT']}"
    return None


def preempted_by(runner) -> Optional[str]:
    """The signal a run stopped on (after writing its checkpoint), or None."""
    return next((h.preempted for h in runner.hooks if isinstance(h, ResumableCheckpointHook) and h.preempted), None)
