"""mmengine reads checkpoints through this project's safe reader: ``load_from``, ``--resume``,
``init_cfg=dict(type='Pretrained')`` and MMDetection's own ``tools/test.py`` go through
:func:`~.checkpoint.read_checkpoint_file` (weights only, one clear line for a damaged file) and accept published
names (timm tags, ``hf-hub:``). :func:`install_safe_checkpoint_io` runs when any part of ``tresnet_tasks`` is
imported, so one import of any module (``custom_imports=dict(imports=['tresnet_tasks.detection'])`` included) is
enough for every mmengine tool.
"""
from __future__ import annotations

import os
from typing import Any, Mapping, Set

from .checkpoint import read_checkpoint_file, register_safe_globals
from .hub import HUB_PREFIX, resolve_weights

_found_automatically: Set[str] = set()


def mark_found_automatically(path: str) -> None:
    """Record that ``path`` was picked by the tool, not named by the user: it is never trusted beyond weights."""
    _found_automatically.add(os.path.realpath(path))


def expose_published_weights(checkpoint: Any) -> Any:
    """Published TResNet/ASL/ML-Decoder files keep their weights under ``'model'``; mmengine looks under
    ``'state_dict'``. Add that key (the file's own keys stay) so ``load_from`` and ``tools/test.py`` find them."""
    if (isinstance(checkpoint, Mapping) and "state_dict" not in checkpoint and isinstance(checkpoint.get("model"),
                                                                                           Mapping)):
        return {**checkpoint, "state_dict": checkpoint["model"]}
    return checkpoint


def _load_for_mmengine(filename: str, map_location: Any = None) -> Any:
    resolved = resolve_weights(os.path.expanduser(filename))
    auto = resolved.from_hub or os.path.realpath(resolved.path) in _found_automatically
    return expose_published_weights(read_checkpoint_file(resolved.path, map_location or "cpu",
                                                         found_automatically=auto))


def install_safe_checkpoint_io() -> None:
    """Route mmengine's checkpoint reading through the safe reader (local paths, timm tags, ``hf-hub:`` names)."""
    try:
        from mmengine.runner.checkpoint import CheckpointLoader
    except ImportError:  # the backbone alone runs without mmengine: nothing to route
        return
    register_safe_globals()
    CheckpointLoader.register_scheme(prefixes="", loader=_load_for_mmengine, force=True)
    CheckpointLoader.register_scheme(prefixes=HUB_PREFIX, loader=_load_for_mmengine, force=True)
