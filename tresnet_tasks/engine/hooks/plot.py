"""Training curves as a picture: ``work_dir/plots/curves.png``, redrawn while the run goes."""
from __future__ import annotations

import os.path as osp

from mmengine.dist import master_only
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from ...visualization.curves import plot_work_dir


@HOOKS.register_module()
class PlotHook(Hook):
    """Redraws ``work_dir/plots/curves.png`` from mmengine's scalar log at each validation and after training."""

    priority = "LOWEST"  # after the LoggerHook has written this validation's scalars

    @master_only
    def _draw(self, runner) -> None:
        title = osp.splitext(osp.basename(runner.cfg.filename or ""))[0]
        try:
            plot_work_dir(runner.work_dir, title=title)
        except (OSError, ValueError) as exc:  # a plot must never stop a training run
            runner.logger.warning(f"plots not drawn: {exc}")

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._draw(runner)

    def after_train(self, runner) -> None:
        self._draw(runner)
