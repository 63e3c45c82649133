"""Old home of the mid-epoch checkpoint hook, kept so earlier imports still work: the hook now lives in
:mod:`tresnet_tasks.engine.hooks.resumable_checkpoint`, the tools' preemption policy (``apply_fault_tolerance``,
``EXIT_PREEMPTED``, ``restarted_by_scheduler``, ``preempted_by``) in :mod:`tresnet_tasks.cli.preemption`."""
from .hooks.resumable_checkpoint import (DEFAULT_SIGNALS, RESUME_PREFIX, ResumableCheckpointHook,  # noqa: F401
                                         parse_interval)
