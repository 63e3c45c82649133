"""Every config file of the project parses, and its model, datasets and schedule name registered types."""
import glob
import os

import pytest
from mmengine.registry import DATASETS, MODELS, OPTIM_WRAPPERS, PARAM_SCHEDULERS

from mmdet.utils import register_all_modules

from tests.helpers import ROOT
from tresnet_tasks.cli.config import load_config

register_all_modules(init_default_scope=False)  # mmdet registers its modules lazily
CONFIGS = sorted(p for p in glob.glob(os.path.join(ROOT, "configs", "**", "*.py"), recursive=True)
                 if "_base_" not in p)


@pytest.mark.parametrize("path", CONFIGS, ids=[os.path.relpath(p, ROOT) for p in CONFIGS])
def test_config_parses_and_names_registered_types(path):
    cfg = load_config(path)
    scope = cfg.get("default_scope", "mmengine")
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope(scope):
        for registry, typ in [(MODELS, cfg.model["type"]),
                              (DATASETS, cfg.train_dataloader["dataset"]["type"]),
                              (OPTIM_WRAPPERS, cfg.optim_wrapper.get("type", "OptimWrapper"))]:
            assert (registry.get(typ) or registry.get(f"{scope}.{typ}")) is not None, f"{typ} not registered"
        for sched in cfg.param_scheduler:
            assert PARAM_SCHEDULERS.get(sched["type"]) is not None
    assert cfg.train_cfg.max_epochs > 0
