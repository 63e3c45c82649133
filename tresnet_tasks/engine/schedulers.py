"""The momentum half of torch's ``OneCycleLR``, which mmengine's ``OneCycleLR`` leaves out.

torch's ``OneCycleLR(cycle_momentum=True)`` (its default, used by the ASL, ML-Decoder and CSL train scripts) moves
Adam's beta1 (SGD's momentum) against the learning rate: ``max_momentum`` at the start, down to ``base_momentum``
when the LR peaks, back to ``max_momentum`` at the end of the cycle. mmengine's ``OneCycleLR`` schedules the LR
only, so beta1 would stay at Adam's 0.9; :class:`OneCycleMomentum` is the missing schedule, same phases and
annealing as torch's, to put beside it with the same ``pct_start``, ``begin`` / ``end`` (or ``total_steps``) and
``convert_to_iter_based``.
"""
from __future__ import annotations

import math
from typing import Optional

from mmengine.optim.scheduler.momentum_scheduler import MomentumSchedulerMixin
from mmengine.optim.scheduler.param_scheduler import INF, _ParamScheduler
from mmengine.registry import PARAM_SCHEDULERS

from ..errors import ConfigError


def anneal(start: float, end: float, pct: float, strategy: str) -> float:
    """From ``start`` (pct 0) to ``end`` (pct 1): half a cosine, or a line."""
    if strategy == "cos":
        return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
    return (end - start) * pct + start


class OneCycleInverseParamScheduler(_ParamScheduler):
    """A parameter that falls from ``high`` to ``low`` while the one-cycle LR rises, then rises back to ``high``
    (two phases; ``three_phase=True``: falls, rises, stays at ``high`` as torch does).

    Args:
        optimizer: the optimizer or its wrapper.
        param_name: the scheduled key of the param groups.
        low, high: the two ends of the cycle.
        total_steps: steps of the whole cycle (default ``end - begin``).
        pct_start: share of the cycle spent on the first phase.
        anneal_strategy: ``'cos'`` or ``'linear'``.
    """

    def __init__(self, optimizer, param_name: str, low: float, high: float, total_steps: Optional[int] = None,
                 pct_start: float = 0.3, anneal_strategy: str = "cos", three_phase: bool = False, begin: int = 0,
                 end: int = INF, last_step: int = -1, by_epoch: bool = True, verbose: bool = False):
        if not 0 <= pct_start <= 1:
            raise ConfigError(f"pct_start must be in [0, 1], got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ConfigError(f"anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}")
        self.total_steps = total_steps if total_steps is not None else end - begin
        if self.total_steps <= 0 or self.total_steps == INF:
            raise ConfigError("OneCycleMomentum needs total_steps or a finite end (set end as in the OneCycleLR)")
        self.low, self.high, self.anneal_strategy = float(low), float(high), anneal_strategy
        first_end = float(pct_start * self.total_steps) - 1
        if three_phase:  # torch: down, up, then flat at high
            self.phases = [(first_end, high, low), (float(2 * pct_start * self.total_steps) - 2, low, high),
                           (self.total_steps - 1, high, high)]
        else:
            self.phases = [(first_end, high, low), (self.total_steps - 1, low, high)]
        super().__init__(optimizer, param_name, begin=begin, end=end, last_step=last_step, by_epoch=by_epoch,
                         verbose=verbose)

    @classmethod
    def build_iter_from_epoch(cls, *args, begin=0, end=INF, total_steps=None, by_epoch=True, epoch_length=None,
                              **kwargs):
        """The iteration-based twin of an epoch-based config (``convert_to_iter_based=True``)."""
        if not by_epoch or not epoch_length:
            raise ConfigError("convert_to_iter_based needs by_epoch=True and a training loader")
        begin = int(begin * epoch_length)
        end = end if end == INF else int(end * epoch_length)
        total_steps = None if total_steps is None else total_steps * epoch_length
        return cls(*args, begin=begin, end=end, total_steps=total_steps, by_epoch=False, **kwargs)

    def _get_value(self):
        step = self.last_step
        if step > self.total_steps:
            raise ValueError(f"stepped {step + 1} times, the cycle has {self.total_steps} steps")
        start_step = 0.0
        for i, (end_step, start, end) in enumerate(self.phases):
            if step <= end_step or i == len(self.phases) - 1:
                value = anneal(start, end, (step - start_step) / (end_step - start_step), self.anneal_strategy)
                break
            start_step = end_step
        return [value for _ in self.optimizer.param_groups]


@PARAM_SCHEDULERS.register_module()
class OneCycleMomentum(MomentumSchedulerMixin, OneCycleInverseParamScheduler):
    """torch's one-cycle momentum: Adam's beta1 (or SGD's momentum) from ``max_momentum`` down to
    ``base_momentum`` at the LR peak and back, torch's defaults 0.85 / 0.95.

    Example (beside ``dict(type='OneCycleLR', eta_max=lr, pct_start=0.2, ...)``)::

        dict(type='OneCycleMomentum', base_momentum=0.85, max_momentum=0.95, pct_start=0.2, by_epoch=True,
             convert_to_iter_based=True, begin=0, end=80)
    """

    def __init__(self, optimizer, base_momentum: float = 0.85, max_momentum: float = 0.95, **kwargs):
        super().__init__(optimizer, base_momentum, max_momentum, **kwargs)
