"""The multi-label schedules equal the published train scripts' torch schedulers, iteration by iteration.

Truth: torch's own ``OneCycleLR`` (with its default ``cycle_momentum=True``, Adam's beta1 0.95 -> 0.85 -> 0.95),
constructed here as the ASL / ML-Decoder / CSL scripts construct it. Ours: each config's ``optim_wrapper`` and
``param_scheduler`` built by mmengine's ``build_optim_wrapper`` and the Runner's own scheduler builder, stepped as
mmengine's ParamSchedulerHook steps them (once after every training iteration).
"""
import types

import pytest
import torch
from mmengine.logging import MMLogger
from mmengine.optim import build_optim_wrapper
from mmengine.registry import PARAM_SCHEDULERS
from mmengine.runner import Runner

from tresnet_tasks.cli.config import load_config
from tresnet_tasks.errors import ConfigError

STEPS_PER_EPOCH = 7  # a short epoch: the schedule's shape is in epochs, each iteration is checked


class _Net(torch.nn.Module):  # weights, biases and a norm: every kind of param group the recipes make
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3)
        self.bn = torch.nn.BatchNorm2d(4)
        self.fc = torch.nn.Linear(4, 2)


def _mmengine_trace(cfg, epochs):
    """(lr, beta1) of every param group at each iteration, as the Runner builds and steps the config's schedulers."""
    optim_wrapper = build_optim_wrapper(_Net(), cfg.optim_wrapper)
    runner = types.SimpleNamespace(_train_loop=None, train_dataloader=[None] * STEPS_PER_EPOCH,
                                   logger=MMLogger.get_current_instance())
    schedulers = Runner._build_param_scheduler(runner, cfg.param_scheduler, optim_wrapper)
    trace = []
    for _ in range(epochs * STEPS_PER_EPOCH):
        trace.append([(g["lr"], g["betas"][0]) for g in optim_wrapper.param_groups])
        optim_wrapper.step()
        for scheduler in schedulers:
            scheduler.step()
    return trace


def _torch_trace(max_lr, cycle_epochs, epochs, pct_start=0.2):
    """The scripts' scheduler: ``OneCycleLR(optimizer, max_lr, steps_per_epoch, epochs, pct_start)``."""
    params = [torch.nn.Parameter(torch.zeros(1))]
    optimizer = torch.optim.Adam(params, lr=max_lr)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=max_lr, steps_per_epoch=STEPS_PER_EPOCH,
                                                    epochs=cycle_epochs, pct_start=pct_start)
    trace = []
    for _ in range(epochs * STEPS_PER_EPOCH):
        group = optimizer.param_groups[0]
        trace.append((group["lr"], group["betas"][0]))
        optimizer.step()
        scheduler.step()
    return trace


# config -> (max lr, cycle epochs, epochs run): ASL train.py Epochs=80 / Stop_epoch=40 (41 epochs run);
# ML-Decoder train.py Epochs=40; CSL train.py epochs=30 (Open Images); VOC: our 30-epoch full cycle
CASES = {
    "configs/multilabel/asl_tresnet-l_448px_coco.py": (1e-4, 80, 41),
    "configs/multilabel/asl_tresnet-m_224px_coco.py": (1e-4, 80, 41),
    "configs/asl_tresnet_l_coco.py": (1e-4, 80, 41),
    "configs/multilabel/asl_tresnet-l_448px_nus-wide.py": (1e-4, 80, 41),
    "configs/multilabel/asl_tresnet-l_448px_coco-partial.py": (1e-4, 80, 41),
    "configs/multilabel/mldecoder_tresnet-m_224px_coco.py": (1e-4, 40, 40),
    "configs/multilabel/csl_tresnet-m_224px_openimages.py": (2e-4, 30, 30),
    "configs/multilabel/asl_tresnet-l_448px_voc2007.py": (1e-4, 30, 30),
}


@pytest.mark.parametrize("path", sorted(CASES))
def test_lr_and_beta1_equal_torch_onecycle(path):
    max_lr, cycle_epochs, epochs = CASES[path]
    cfg = load_config(path)
    assert cfg.train_cfg.max_epochs == epochs, "epochs run"
    ours = _mmengine_trace(cfg, epochs)
    theirs = _torch_trace(max_lr, cycle_epochs, epochs)
    assert len(ours) == len(theirs) == epochs * STEPS_PER_EPOCH
    for it, (groups, (lr, beta1)) in enumerate(zip(ours, theirs)):
        for g_lr, g_beta1 in groups:
            assert abs(g_lr - lr) <= 1e-9 * max_lr, f"{path}: lr at iteration {it}: {g_lr} vs torch {lr}"
            assert abs(g_beta1 - beta1) <= 1e-9, f"{path}: beta1 at iteration {it}: {g_beta1} vs torch {beta1}"
    # the shape the numbers must have: ASL's LR peaks at epoch 16 and is still above half its peak at the stop
    peak = max(range(len(theirs)), key=lambda i: theirs[i][0])
    assert peak == round(0.2 * cycle_epochs * STEPS_PER_EPOCH) - 1
    assert min(b for _, b in theirs) == pytest.approx(0.85) and theirs[0][1] == pytest.approx(0.95)
    if cycle_epochs > epochs:
        assert theirs[-1][0] > 0.5 * max_lr


def test_three_phase_and_linear_match_torch():
    """The other forms of torch's one-cycle momentum: three phases, linear annealing, SGD's momentum."""
    for kwargs in (dict(three_phase=True), dict(anneal_strategy="linear")):
        params = [torch.nn.Parameter(torch.zeros(1))]
        ref_opt = torch.optim.SGD(params, lr=0.1, momentum=0.9)
        ref = torch.optim.lr_scheduler.OneCycleLR(ref_opt, max_lr=0.1, total_steps=50, pct_start=0.3, **kwargs)
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)
        ours = PARAM_SCHEDULERS.build(dict(type="OneCycleMomentum", optimizer=opt, total_steps=50, pct_start=0.3,
                                           by_epoch=False, **kwargs))
        for it in range(50):
            assert opt.param_groups[0]["momentum"] == pytest.approx(ref_opt.param_groups[0]["momentum"], abs=1e-12), it
            ref_opt.step(), opt.step()
            ref.step(), ours.step()


def test_state_dict_round_trip_continues_the_cycle():
    """Resuming (mmengine saves scheduler state_dicts) continues at the same beta1."""
    def build():
        opt = torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], lr=1e-4)
        return opt, PARAM_SCHEDULERS.build(dict(type="OneCycleMomentum", optimizer=opt, total_steps=30,
                                                pct_start=0.2, by_epoch=False))
    opt, sched = build()
    for _ in range(11):
        opt.step(), sched.step()
    state = sched.state_dict()
    opt2, sched2 = build()
    sched2.load_state_dict(state)
    opt2.param_groups[0]["betas"] = opt.param_groups[0]["betas"]
    opt2.param_groups[0]["momentum"] = opt.param_groups[0]["momentum"]
    for _ in range(10):
        opt.step(), sched.step(), opt2.step(), sched2.step()
        assert opt.param_groups[0]["betas"] == opt2.param_groups[0]["betas"]


def test_bad_arguments_are_one_line_config_errors():
    opt = torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))])
    with pytest.raises(ConfigError, match="total_steps or a finite end"):
        PARAM_SCHEDULERS.build(dict(type="OneCycleMomentum", optimizer=opt, by_epoch=False))
    with pytest.raises(ConfigError, match="anneal_strategy"):
        PARAM_SCHEDULERS.build(dict(type="OneCycleMomentum", optimizer=opt, total_steps=5, anneal_strategy="exp"))
