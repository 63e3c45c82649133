"""The FCOS recipe's parameter groups (bias_lr_mult 2, bias_decay_mult 0) treat the backbone's norm layers alike in
every norm mode: mmengine's constructor knows norms by class, and inplace_abn's layers are none of its classes.

Truth: mmengine's own rules for a BatchNorm (norm bias: lr x1, not bias_lr_mult's x2), applied by mmengine's
DefaultOptimWrapperConstructor to the ``bn`` backbone; ours: the FCOS config's optimizer wrapper, built by mmengine.
"""
import pytest
import torch
from mmdet.registry import MODELS
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope

from tresnet_tasks.backbone.norms import is_norm_act
from tresnet_tasks.backbone.norms.iabn import iabn_available
from tresnet_tasks.cli.config import load_config

CONFIG = "configs/fcos/fcos_tresnet-m_fpn_gn-head_1x_coco.py"
MODES = ["bn", "iabn_torch"] + (["iabn"] if iabn_available() else [])


class _Detector(torch.nn.Module):  # the backbone under the name a detector gives it
    def __init__(self, backbone):
        super().__init__()
        self.backbone = backbone


def _groups(norm, optim_cfg):
    cfg = load_config(CONFIG)
    backbone_cfg = dict(cfg.model.backbone, norm=norm, layers=(1, 1, 1, 1), width=0.25, init_cfg=None,
                        frozen_stages=-1)
    with DefaultScope.overwrite_default_scope("mmdet"):
        model = _Detector(MODELS.build(backbone_cfg))
    wrapper = build_optim_wrapper(model, optim_cfg)
    names = {id(p): n for n, p in model.named_parameters()}
    groups = {names[id(g["params"][0])]: (g["lr"], g["weight_decay"]) for g in wrapper.optimizer.param_groups}
    norm_biases = {f"{m_name}.bias" for m_name, m in model.named_modules() if is_norm_act(m)}
    return groups, norm_biases


def test_norm_bias_lr_and_decay_are_the_same_in_every_norm_mode():
    cfg = load_config(CONFIG)
    assert cfg.optim_wrapper.constructor == "NormAwareOptimWrapperConstructor"
    base_lr, base_wd = cfg.optim_wrapper.optimizer.lr, cfg.optim_wrapper.optimizer.weight_decay
    reference, norm_biases = _groups("bn", cfg.optim_wrapper)
    assert norm_biases and all(reference[b] == (base_lr, 0.0) for b in norm_biases)  # mmengine's norm rule
    se_biases = [n for n in reference if n.endswith("fc1.bias")]
    assert se_biases and all(reference[n][0] == 2 * base_lr for n in se_biases)  # other biases: x2
    for mode in MODES[1:]:
        groups, biases = _groups(mode, cfg.optim_wrapper)
        assert biases == norm_biases and groups == reference, mode


@pytest.mark.skipif(not iabn_available(), reason="inplace_abn does not load here")
def test_mmengines_default_constructor_would_double_iabn_norm_biases():
    """Why the constructor exists: under mmengine's default, inplace_abn's norm biases get bias_lr_mult."""
    cfg = load_config(CONFIG)
    plain = dict(cfg.optim_wrapper)
    plain.pop("constructor")
    groups, norm_biases = _groups("iabn", plain)
    assert all(groups[b][0] == 2 * cfg.optim_wrapper.optimizer.lr for b in norm_biases)
