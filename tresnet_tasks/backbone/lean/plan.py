"""Which lean mechanisms a training forward uses: decided once per forward from the model's explicit state."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

IABN_MODES = ("iabn", "iabn_torch")


@dataclass(frozen=True)
class LeanPlan:
    """The recipes of one training forward (SE outputs, shortcut pools and frozen layers' lean forms are always on).

    Attributes:
        block_outputs: keep each residual block's output ``relu(branch + shortcut)`` as a recipe. Worth it when the
            branch's last norm output is kept anyway (In-Place ABN modes); with frozen statistics the last conv's
            output is kept by nobody, so a recipe that keeps it would cost what it saves.
        recompute_convs: recompute the outputs of layers marked ``recomputable`` (a bottleneck's 1x1 conv1) in
            backward instead of keeping them (frozen statistics only: with batch statistics the norm needs them).
    """

    block_outputs: bool = True
    recompute_convs: bool = False


def training_plan(norm: str, lean_memory: Optional[bool], frozen_statistics: bool,
                  recompute_convs: bool) -> Optional[LeanPlan]:
    """The plan for a training forward, or None (keep everything, as the plain ops do).

    Args:
        norm: the resolved norm mode (``bn``, ``iabn``, ``iabn_torch``).
        lean_memory: the public switch: None = on for the In-Place ABN modes and for frozen statistics, True = on,
            False = off.
        frozen_statistics: the model's norms run on running statistics while training (``norm_eval``).
        recompute_convs: the public switch for conv recomputation (used only with frozen statistics).
    """
    if lean_memory is False:
        return None
    if not (lean_memory or frozen_statistics or norm in IABN_MODES):
        return None
    return LeanPlan(block_outputs=not frozen_statistics, recompute_convs=frozen_statistics and recompute_convs)
