"""Optimizer wrappers that refuse to train on a non-finite loss, the AMP-on-GPU choice for recipes, and an optimizer
constructor that gives every norm mode mmengine's norm rules.

``nonfinite='stop'`` (default) raises before the bad backward/step, naming the iteration, so the weights and the
last checkpoint stay clean (fix the cause, then ``--resume``); ``'skip'`` drops that step and counts it in the log.
"""
from __future__ import annotations

import torch
import torch.nn as nn
from mmengine.logging import MessageHub, print_log
from mmengine.optim import AmpOptimWrapper, DefaultOptimWrapperConstructor, OptimWrapper
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS

from ..backbone.norms import is_norm_act

from ..errors import ConfigError, NonFiniteLossError


class _NonFiniteGuard:
    def __init__(self, *args, nonfinite: str = "stop", **kwargs):
        if nonfinite not in ("stop", "skip"):
            raise ConfigError(f"nonfinite must be 'stop' or 'skip', got {nonfinite!r}")
        super().__init__(*args, **kwargs)
        self.nonfinite = nonfinite
        self.skipped_steps = 0

    def update_params(self, loss: torch.Tensor, step_kwargs=None, zero_kwargs=None) -> None:
        if not bool(torch.isfinite(loss.detach()).all()):
            it = MessageHub.get_current_instance().get_info("iter", -1)
            if self.nonfinite == "stop":
                raise NonFiniteLossError(
                    f"non-finite loss ({loss.detach().float().flatten()[0].item()}) at iteration {it + 1}: training "
                    "stopped before this step touched the weights. Lower the learning rate, check the data, or set "
                    "optim_wrapper.nonfinite='skip'; then resume with --resume")
            self.skipped_steps += 1
            self.zero_grad()
            print_log(f"non-finite loss at iteration {it + 1}: step skipped ({self.skipped_steps} so far)",
                      logger="current", level=30)
            return
        super().update_params(loss, step_kwargs, zero_kwargs)


@OPTIM_WRAPPERS.register_module()
class GuardedOptimWrapper(_NonFiniteGuard, OptimWrapper):
    """mmengine's OptimWrapper + the non-finite loss guard."""


@OPTIM_WRAPPERS.register_module()
class GuardedAmpOptimWrapper(_NonFiniteGuard, AmpOptimWrapper):
    """mmengine's AmpOptimWrapper + the non-finite loss guard."""


def amp_on_gpu_optim_wrapper(**kwargs):
    """GuardedAmpOptimWrapper (dynamic loss scale) when CUDA is available, else GuardedOptimWrapper."""
    if torch.cuda.is_available():
        kwargs.setdefault("loss_scale", "dynamic")
        return GuardedAmpOptimWrapper(**kwargs)
    kwargs.pop("loss_scale", None)
    return GuardedOptimWrapper(**kwargs)


OPTIM_WRAPPERS.register_module(name="AmpOnGpuOptimWrapper", module=amp_on_gpu_optim_wrapper)


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class NormAwareOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """mmengine's constructor, with inplace_abn's layers treated as the norms they are.

    mmengine recognises norms by class (``_BatchNorm``, GroupNorm, ...); inplace_abn's ``InPlaceABN`` is none of
    them, so under the default constructor ``bias_lr_mult`` and ``norm_decay_mult`` would treat a TResNet's norm
    biases one way in ``norm='iabn'`` (what ``auto`` picks on a GPU node) and another in ``bn`` / ``iabn_torch``.
    Here each such layer's own parameters go through mmengine's rules as those of a BatchNorm: same groups in
    every mode.
    """

    def add_params(self, params, module, prefix="", is_dcn_module=None):
        if is_norm_act(module) and not isinstance(module, nn.modules.batchnorm._BatchNorm):
            shell = nn.BatchNorm2d(1, affine=False, track_running_stats=False)  # a norm to mmengine's eyes ...
            shell._parameters = module._parameters  # ... holding this layer's own parameters (no children)
            return super().add_params(params, shell, prefix, is_dcn_module)
        return super().add_params(params, module, prefix, is_dcn_module)
