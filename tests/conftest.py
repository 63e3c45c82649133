import os
import sys

import pytest
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))

from tresnet_tasks.registry import register_all_modules  # noqa: E402

register_all_modules()  # every model, dataset, metric, loss and transform of the project, as configs get them


@pytest.fixture
def tiny_kwargs():
    """A reduced-depth/width TResNet for fast tests (all block types, strides and SE placements kept)."""
    return dict(layers=(1, 2, 1, 1), width=0.25)


# -- tiers: every test gets one of four markers, by rule, so `-m` picks a tier (make test still runs them all) ------
_DIST_WORDS = ("ddp", "torchrun", "rank_1", "two_processes", "dist_")


def _tier(item):
    name = item.name.lower()
    if any(w in name for w in _DIST_WORDS):
        return "dist"
    if "learn" in name or item.path.name == "test_detector_learning.py":
        return "learning"
    if item.get_closest_marker("slow") is not None:
        return "e2e"
    return "unit"


def pytest_collection_modifyitems(config, items):
    for item in items:
        item.add_marker(getattr(pytest.mark, _tier(item)))
