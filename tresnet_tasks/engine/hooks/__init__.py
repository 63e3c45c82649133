"""The project's mmengine hooks, one per module (mmengine's and mmpretrain's habit), registered in mmengine's HOOKS
so ``custom_hooks=[dict(type='PlotHook')]`` works under any mmengine or MMDetection tool that imports
``tresnet_tasks.registry``:

- ``console``: :class:`ConsoleHook`, the short console of a run (header, progress with ETA, validation, summary);
- ``plot``: :class:`PlotHook`, ``work_dir/plots/curves.png`` redrawn at each validation and after training;
- ``rank_zero_logger``: :class:`RankZeroLoggerHook`, mmengine's LoggerHook whose test metrics json rank 0 writes;
- ``label_stats``: :class:`LabelStatsHook`, classes never positive in a multi-label training split, and the class
  priors of a selective partial-label loss;
- ``resumable_checkpoint``: :class:`ResumableCheckpointHook`, mid-epoch checkpoints on a clock and on a cluster's
  warning signal (the tools' policy around it: :mod:`tresnet_tasks.cli.preemption`).
"""
from .console import ConsoleHook
from .label_stats import LabelStatsHook
from .plot import PlotHook
from .rank_zero_logger import RankZeroLoggerHook
from .resumable_checkpoint import ResumableCheckpointHook

__all__ = ["ConsoleHook", "LabelStatsHook", "PlotHook", "RankZeroLoggerHook", "ResumableCheckpointHook"]
