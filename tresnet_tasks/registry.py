"""One place that registers every module of this project into mmengine's and MMDetection's registries.

Configs name this module (``custom_imports = dict(imports=['tresnet_tasks.registry'])``), so any mmengine or
MMDetection tool finds everything, whichever task the config is for; Python users call
:func:`register_all_modules` as they would mmdet's. Importing it also installs the safe checkpoint reader into
mmengine (:func:`tresnet_tasks.engine.checkpoint.install_safe_checkpoint_io`), so those tools read checkpoints
weights-only, published names included.

Registry names equal class names; the MMDetection backbone is also ``TResNet`` (the paper's spelling).
"""
from __future__ import annotations

from . import classification, detection  # noqa: F401 - models, heads, losses, metrics, datasets, transforms
from .engine import loops, optim  # noqa: F401 - the EMA+raw validation loop, the guarded optimizer wrappers
from .engine.checkpoint import install_safe_checkpoint_io

__all__ = ["register_all_modules"]


def register_all_modules(init_default_scope: bool = False, scope: str = "mmengine") -> None:
    """Make sure every module is registered (importing this module already did) and checkpoints are read safely.

    Args:
        init_default_scope: also set mmengine's default scope to ``scope`` (as mmdet's function does), for code
            that builds from a registry without a Runner.
        scope: ``mmengine`` (classification) or ``mmdet`` (detection).
    """
    install_safe_checkpoint_io()
    if init_default_scope:
        from mmengine.registry import DefaultScope
        if DefaultScope.get_current_instance() is None or DefaultScope.get_current_instance().scope_name != scope:
            DefaultScope.get_instance(f"tresnet_tasks-{scope}", scope_name=scope)


install_safe_checkpoint_io()
