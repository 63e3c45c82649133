"""What the backbone keeps for backward, and why: every memory mechanism of TResNet training in one place.

Two public switches, spelled the same in :func:`~tresnet_tasks.backbone.create_tresnet`, the classifier
(``model.lean_memory`` / ``model.recompute_convs``) and the MMDetection backbone (``model.backbone.lean_memory`` ...),
plus the norm mode. The model's explicit state decides the rest: :meth:`TResNet.freeze_norm_statistics`
(set by the detection backbone's ``norm_eval``) marks frozen-statistics training.

| mechanism | switch | active when (training forward, eager) | kept instead | cost | where |
|---|---|---|---|---|---|
| In-Place ABN | ``norm='iabn'`` / ``'iabn_torch'`` | batch statistics | the norm's output only (input recovered by inverting activation and affine step) | the inversion in backward | :mod:`.inplace_abn`, ``norms/`` |
| blur without activations | always | any backward | nothing (a fixed linear map) | none | :func:`.functions.blur` |
| block-output recipe | ``lean_memory`` (auto: In-Place ABN modes) | not with frozen statistics | the branch and shortcut, kept anyway | one add + ReLU pass | :func:`.recipes.residual_relu` |
| SE-output recipe | ``lean_memory`` | any lean plan | the SE input and gate, kept by the multiply | one multiply | :func:`.recipes.channel_scale` |
| shortcut-pool recipe | ``lean_memory`` | any lean plan | the block input, kept by the first conv | one 2x2 average pool | ``layers.ShortcutPool`` |
| folded conv | ``lean_memory`` (auto: frozen statistics) | norm in eval mode | the conv input and its own weight, not the folded copy | one weight fold in backward | :func:`.functions.folded_conv` |
| leaky-ReLU bits | ``lean_memory`` | frozen layer followed by a blur, or recomputed | one bit per element (:mod:`.bits`) instead of the pre-blur map | unpacking | :func:`.functions.leaky_relu_blur` |
| conv recomputation | ``recompute_convs`` (default True) | frozen statistics | nothing for a bottleneck's 1x1 conv1 output (recomputed from the block input) | one 1x1 conv in backward | ``layers.ConvNormAct`` (``recomputable``) |

Measured (README "Benchmark"): FCOS-TResNet-M with frozen statistics keeps 0.42x the bytes of FCOS-R50's backbone;
In-Place ABN classification training keeps 0.46x timm's. Gradients equal the plain path's in float64 (tests).
Which mechanisms a forward uses is decided once per forward (:mod:`.plan`); the bytes are counted by
:func:`.accounting.saved_storages`. This package is the only place that defines autograd
functions or registers saved-tensor hooks (``tests/test_layout.py``).
"""
from .accounting import saved_storages
from .bits import pack_bits, unpack_bits
from .functions import (blur, blur_no_grad, fold_weight, folded_conv, folded_conv_leaky_replay, leaky_relu_bits_,
                        leaky_relu_blur)
from .inplace_abn import inplace_abn
from .plan import IABN_MODES, LeanPlan, training_plan
from .recipes import Recipe, channel_scale, current_plan, keep_as_recipe, lean_forward, residual_relu

__all__ = ["saved_storages", "pack_bits", "unpack_bits", "blur", "blur_no_grad", "fold_weight", "folded_conv",
           "folded_conv_leaky_replay", "leaky_relu_bits_", "leaky_relu_blur", "inplace_abn", "IABN_MODES",
           "LeanPlan", "training_plan", "Recipe", "channel_scale", "current_plan", "keep_as_recipe", "lean_forward",
           "residual_relu"]
