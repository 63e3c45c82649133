"""mmengine's LoggerHook with the test metrics json written by one rank."""
from __future__ import annotations

from mmengine.dist import master_only
from mmengine.hooks import LoggerHook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class RankZeroLoggerHook(LoggerHook):
    """mmengine's LoggerHook whose test metrics json is written by rank 0 only: mmengine 0.10.7 writes it from every
    rank into the same file, and two ranks writing at once can leave it unreadable (seen in the 2-process tests)."""

    @master_only
    def after_test_epoch(self, runner, metrics=None) -> None:
        super().after_test_epoch(runner, metrics)
