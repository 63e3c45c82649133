"""``ConsoleRunner``: mmengine's Runner with a quiet console (warnings and errors only); the log file in the work
dir keeps every line mmengine writes (environment, config, hook tables, per-interval scalars). A config's
``verbose=True`` (the tools' ``--verbose``) gives mmengine's console back."""
from __future__ import annotations

from mmengine.logging import MMLogger
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from .output import quiet_console


@RUNNERS.register_module()
class ConsoleRunner(Runner):
    """mmengine's Runner with a quiet console unless the config says ``verbose=True``.

    Selected in a config with ``runner_type='ConsoleRunner'`` (the tools use it by default).
    """

    def build_logger(self, log_level="INFO", log_file=None, **kwargs) -> MMLogger:
        logger = super().build_logger(log_level, log_file, **kwargs)
        return logger if self.cfg.get("verbose", False) else quiet_console(logger)
