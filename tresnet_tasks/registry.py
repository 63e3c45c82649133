"""One place that registers every module of this project into mmengine's and MMDetection's registries.

Configs name this module (``custom_imports = dict(imports=['tresnet_tasks.registry'])``), so any mmengine or
MMDetection tool finds everything, whichever task the config is for: models, heads, losses, metrics, datasets,
transforms, the EMA + raw validation loop, the guarded optimizer wrappers, the console runner and hooks
(``custom_hooks=[dict(type='PlotHook')]``). Python users call :func:`register_all_modules` as they would mmdet's.
Importing any part of the package installs the safe checkpoint reader into mmengine (``tresnet_tasks/__init__.py``).

Detection needs mmcv (compiled ops) and mmdet (``pip install -e .[det]`` after mmcv, or ``make setup``); without
them everything else registers, :data:`DETECTION_MISSING` names what is missing, and detection configs fail in one
line saying what to install (:func:`~tresnet_tasks.cli.config.require_detection`).

Registry names equal class names; the MMDetection backbone is also ``TResNet`` (the paper's spelling).
"""
from __future__ import annotations

from typing import Optional

from . import classification  # noqa: F401 - models, heads, losses, metrics, datasets, transforms
from .cli.config import require_detection
from .deploy import onnx_model  # noqa: F401 - OnnxClassifier: tools/test.py CONFIG DIR/model.onnx
from .engine import hooks, loops, optim, resumable_loop, runner, sample_seeding, schedulers  # noqa: F401 - the
# console runner, every hook, the EMA loop, optimizer wrappers and constructor, the resumable loop, the seeded sampler,
# OneCycleMomentum
from .fileio import install_safe_checkpoint_io

DETECTION_MISSING: Optional[str] = None
try:
    from . import detection  # noqa: F401 - the TResNet backbone and the checked COCO dataset for mmdet
    from .deploy import onnx_detector  # noqa: F401 - OnnxDetector: tools/test.py CONFIG DIR/model.onnx
except ImportError as exc:  # only a missing detection stack is tolerated; anything else is a bug
    if (exc.name or "").split(".")[0] not in ("mmdet", "mmcv"):
        raise
    DETECTION_MISSING = exc.name.split(".")[0]

__all__ = ["register_all_modules", "require_detection", "DETECTION_MISSING"]

def register_all_modules(init_default_scope: bool = False, scope: str = "mmengine") -> None:
    """Make sure every module is registered (importing this module already did) and checkpoints are read safely.

    Args:
        init_default_scope: also set mmengine's default scope to ``scope`` (as mmdet's function does), for code
            that builds from a registry without a Runner.
        scope: ``mmengine`` (classification) or ``mmdet`` (detection).
    """
    install_safe_checkpoint_io()
    if scope == "mmdet":
        require_detection("the mmdet scope")
    if init_default_scope:
        from mmengine.registry import DefaultScope
        if DefaultScope.get_current_instance() is None or DefaultScope.get_current_instance().scope_name != scope:
            DefaultScope.get_instance(f"tresnet_tasks-{scope}", scope_name=scope)
