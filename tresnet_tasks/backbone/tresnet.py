"""TResNet (M, L, XL, L-V2): the one backbone implementation every task of this project imports.

Input is RGB in [0, 1] without mean/std normalisation, H and W divisible by 32. Module and parameter names follow
timm's layout (``body.conv1.conv``, ``body.layerS.B.convN.bn``, ``head.fc``), so timm state dicts load directly and
official TResNet checkpoints load through :func:`tresnet_tasks.backbone.weights.load_tresnet_weights`.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn as nn

from ..errors import ConfigError, InputSizeError
from . import lean
from .memory_format import resolve_channels_last
from .layers import ConvNormAct, ShortcutPool, SpaceToDepth, SqueezeExcite
from .norms import is_norm_act, resolve_norm

STEM_SLOPE = 0.01
BLOCK_SLOPE = 1e-3


@dataclass(frozen=True)
class TResNetSpec:
    """What determines a TResNet's shape (and so which checkpoints fit it)."""

    layers: Tuple[int, int, int, int]
    width: float = 1.0
    v2: bool = False

    @property
    def stem_channels(self) -> int:
        c = int(64 * self.width)
        return c // 8 * 8 if self.v2 else c


ARCHS: Dict[str, TResNetSpec] = {
    "tresnet_m": TResNetSpec((3, 4, 11, 3), 1.0),
    "tresnet_l": TResNetSpec((4, 5, 18, 3), 1.2),
    "tresnet_xl": TResNetSpec((4, 5, 24, 3), 1.3),
    "tresnet_v2_l": TResNetSpec((3, 4, 23, 3), 1.0, v2=True),
}


class BasicBlock(nn.Module):
    """conv3x3 -> conv3x3 (identity act) -> SE -> in-place residual add -> ReLU.

    Args:
        in_ch: input channels.
        planes: output channels (expansion 1).
        norm: resolved norm mode.
        stride: 1 or 2 (anti-aliased).
        downsample: the shortcut's pooling + 1x1 conv when shape changes.
        use_se: squeeze-excite on the branch (stages 1-3).
    """

    expansion = 1

    def __init__(self, in_ch: int, planes: int, norm: str, stride: int = 1,
                 downsample: Optional[nn.Module] = None, use_se: bool = True):
        super().__init__()
        self.conv1 = ConvNormAct(in_ch, planes, 3, norm, stride=stride, slope=BLOCK_SLOPE, blur=True)
        self.conv2 = ConvNormAct(planes, planes, 3, norm, activation="identity")
        self.se = SqueezeExcite(planes, max(planes // 4, 64)) if use_se else nn.Identity()
        self.has_se = use_se
        self.downsample = downsample if downsample is not None else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = self.downsample(x)
        out = self.se(self.conv2(self.conv1(x)))
        # SE output is a fresh tensor nobody saved: safe to add into; the norm output is not (InPlace-ABN)
        return lean.residual_relu(out, shortcut, branch_is_fresh=self.has_se)


class Bottleneck(nn.Module):
    """conv1x1 -> conv3x3 -> SE (mid channels) -> conv1x1 x4 (identity act) -> residual add -> ReLU.

    Args:
        in_ch: input channels.
        planes: middle channels (output is 4x).
        norm: resolved norm mode.
        stride: 1 or 2 (anti-aliased).
        downsample: the shortcut's pooling + 1x1 conv when shape changes.
        use_se: squeeze-excite on the middle channels (stages 1-3).
    """

    expansion = 4

    def __init__(self, in_ch: int, planes: int, norm: str, stride: int = 1,
                 downsample: Optional[nn.Module] = None, use_se: bool = True):
        super().__init__()
        # the 1x1 conv1 costs a quarter of the block's FLOPs: with frozen statistics its output is recomputed in
        # backward from the block input (kept anyway) rather than kept (lean plan's recompute_convs)
        self.conv1 = ConvNormAct(in_ch, planes, 1, norm, slope=BLOCK_SLOPE, recomputable=True)
        self.conv2 = ConvNormAct(planes, planes, 3, norm, stride=stride, slope=BLOCK_SLOPE, blur=True)
        self.se = SqueezeExcite(planes, max(planes * self.expansion // 8, 64)) if use_se else nn.Identity()
        self.conv3 = ConvNormAct(planes, planes * self.expansion, 1, norm, activation="identity")
        self.downsample = downsample if downsample is not None else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = self.downsample(x)
        out = self.conv3(self.se(self.conv2(self.conv1(x))))
        # not in place: InPlace-ABN's backward needs conv3's output
        return lean.residual_relu(out, shortcut, branch_is_fresh=False)


class ClassifierHead(nn.Module):
    """Fast global average pooling (a mean over H, W; channels_last-safe) -> dropout -> linear.

    Args:
        in_features: channels of the last feature map.
        num_classes: outputs (0: no linear layer, pooled features).
        drop_rate: dropout before the linear layer.
    """

    def __init__(self, in_features: int, num_classes: int, drop_rate: float = 0.0):
        super().__init__()
        self.drop = nn.Dropout(drop_rate) if drop_rate > 0 else nn.Identity()
        self.fc = nn.Linear(in_features, num_classes) if num_classes > 0 else nn.Identity()

    def forward(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        x = self.drop(x.mean((2, 3)))
        return x if pre_logits else self.fc(x)


class TResNet(nn.Module):
    """TResNet classifier / feature extractor (timm's module layout, so timm state dicts load as they are).

    - ``forward(x)``: logits (pooled features when ``num_classes == 0``; the stage outputs when ``features_only``);
    - ``forward_features(x)``: the last feature map (stride 32);
    - ``forward_stages(x)``: the four stage outputs at strides 4, 8, 16, 32 (for dense tasks).

    Args:
        spec: depths, width and block kind (see :data:`ARCHS`; :func:`create_tresnet` builds by name).
        num_classes: classes of the linear head (0: no linear layer, ``forward`` returns pooled features).
        norm: ``auto`` | ``bn`` | ``iabn`` | ``iabn_torch`` (:mod:`.norms`); same weights and function in all.
        in_chans: input channels.
        drop_rate: dropout before the linear head.
        arch: the variant's name, reported in errors and on the console.
        input_multiple: H and W must be multiples of this (32 for dense heads; 4 is enough for the network).
        channels_last: keep weights and inputs in NHWC (what cuDNN and oneDNN on AVX-512 run fastest); ``'auto'``:
            per machine (:mod:`.memory_format`: NCHW on x86 CPUs without AVX-512).
        lean_memory: keep cheap activations as recipes in training (:mod:`.lean`, its table says which); None: on
            for the In-Place ABN modes and for frozen norm statistics.
        recompute_convs: with frozen norm statistics and lean memory, recompute each bottleneck's 1x1 conv1 output
            in backward instead of keeping it (about a sixth less memory kept by the backbone, a few % slower).
        norm_eval: train with every norm on its running statistics (MMDetection's name; see
            :meth:`freeze_norm_statistics`).
        features_only: no head at all (detection and the task heads bring their own).
    """

    def __init__(self, spec: TResNetSpec, num_classes: int = 1000, norm: str = "auto", in_chans: int = 3,
                 drop_rate: float = 0.0, arch: str = "custom", input_multiple: int = 32,
                 channels_last: Union[bool, str] = True, lean_memory: Optional[bool] = None, features_only: bool = False,
                 recompute_convs: bool = True, norm_eval: bool = False):
        super().__init__()
        # channels_last (NHWC) is what oneDNN (CPU) and cuDNN tensor cores (GPU, AMP) run fastest; inputs are
        # converted in forward (a no-op when they already are), weights at construction
        self.channels_last = channels_last = resolve_channels_last(channels_last)
        if input_multiple % 4 != 0 or input_multiple <= 0:
            raise ConfigError(f"input_multiple must be a positive multiple of 4 (SpaceToDepth), got {input_multiple}")
        # 32 keeps every stage an exact /2 of the previous one (what dense heads expect); the network itself runs
        # on any multiple of 4 (odd stage sizes round up in both the blur and the shortcut pooling), which the
        # paper's 368-pixel transfer runs rely on: pass input_multiple=4 for those.
        self.input_multiple = input_multiple
        norm = resolve_norm(norm)
        # the two public memory switches (lean/__init__.py has the table of what each one changes)
        self.lean_memory = lean_memory
        self.recompute_convs = recompute_convs
        self.arch = arch
        self.spec = spec
        self.norm = norm
        self.in_chans = in_chans
        c0 = spec.stem_channels
        block12 = Bottleneck if spec.v2 else BasicBlock
        self._in_ch = c0
        stages = [
            self._make_stage(block12, c0, spec.layers[0], 1, True, norm),
            self._make_stage(block12, c0 * 2, spec.layers[1], 2, True, norm),
            self._make_stage(Bottleneck, c0 * 4, spec.layers[2], 2, True, norm),
            self._make_stage(Bottleneck, c0 * 8, spec.layers[3], 2, False, norm),
        ]
        self.stage_channels: List[int] = [c0 * block12.expansion, c0 * 2 * block12.expansion,
                                          c0 * 4 * Bottleneck.expansion, c0 * 8 * Bottleneck.expansion]
        self.stage_strides: List[int] = [4, 8, 16, 32]
        self.body = nn.Sequential(OrderedDict([
            ("s2d", SpaceToDepth()),
            ("conv1", ConvNormAct(in_chans * 16, c0, 3, norm, slope=STEM_SLOPE)),
            ("layer1", stages[0]),
            ("layer2", stages[1]),
            ("layer3", stages[2]),
            ("layer4", stages[3]),
        ]))
        self.num_features = self.stage_channels[-1]
        self.head = None if features_only else ClassifierHead(self.num_features, num_classes, drop_rate)
        self.num_classes = 0 if features_only else num_classes
        self._init_weights()
        if channels_last:
            self.to(memory_format=torch.channels_last)
        self.norm_eval = False
        self.freeze_norm_statistics(norm_eval)

    def freeze_norm_statistics(self, frozen: bool = True) -> "TResNet":
        """Train with every norm on its running statistics (MMDetection's ``norm_eval``): the norms stay in eval mode
        through ``train()``, and training forwards take the frozen-statistics lean plan (:mod:`.lean`)."""
        self.norm_eval = bool(frozen)
        return self.train(self.training)

    def train(self, mode: bool = True) -> "TResNet":
        super().train(mode)
        if mode and self.norm_eval:
            for m in self.modules():
                if is_norm_act(m):
                    m.eval()
        return self

    def _make_stage(self, block, planes: int, depth: int, stride: int, use_se: bool, norm: str) -> nn.Sequential:
        downsample = None
        out_ch = planes * block.expansion
        if stride != 1 or self._in_ch != out_ch:
            parts: List[nn.Module] = []
            if stride == 2:
                parts.append(ShortcutPool())
            parts.append(ConvNormAct(self._in_ch, out_ch, 1, norm, activation="identity"))
            downsample = nn.Sequential(*parts)
        blocks = []
        for i in range(depth):
            blocks.append(block(self._in_ch, planes, norm, stride=stride if i == 0 else 1,
                                downsample=downsample if i == 0 else None, use_se=use_se))
            self._in_ch = out_ch
        return nn.Sequential(*blocks)

    def _init_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="leaky_relu")
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)
            elif hasattr(m, "running_var") and getattr(m, "weight", None) is not None:
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        # Zero-init the last norm of every residual branch. InPlace-ABN applies |w| + eps, so the official raw
        # zero is an applied scale of eps: both modes use that scale and start as the same function.
        for m in self.modules():
            last = m.conv2.bn if isinstance(m, BasicBlock) else m.conv3.bn if isinstance(m, Bottleneck) else None
            if last is not None:
                nn.init.constant_(last.weight, last.eps)

    # ------------------------------------------------------------------ forward
    def _check_input(self, x: torch.Tensor) -> None:
        if torch.jit.is_tracing():  # ONNX export: shapes are symbolic, the check would be baked in as a constant
            return
        if x.dim() != 4 or x.shape[1] != self.in_chans:
            raise InputSizeError(f"TResNet expects input of shape (N, {self.in_chans}, H, W), got {list(x.shape)}")
        m = self.input_multiple
        if x.shape[2] % m != 0 or x.shape[3] % m != 0:
            raise InputSizeError(f"TResNet needs H and W divisible by {m} (total stride 32, SpaceToDepth block 4), "
                                 f"got {x.shape[2]}x{x.shape[3]}; resize or pad the input to a multiple of {m}")

    def _prepare(self, x: torch.Tensor) -> torch.Tensor:
        self._check_input(x)
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return x

    def _lean(self):
        """The lean context of this forward: a plan from the model's explicit state in an eager training forward
        with gradients; nothing (plain ops) in inference, tracing and compilation."""
        if not (self.training and torch.is_grad_enabled()) or torch.jit.is_tracing() or \
                torch.compiler.is_compiling():
            return lean.lean_forward(None)
        return lean.lean_forward(lean.training_plan(self.norm, self.lean_memory, self.norm_eval,
                                                    self.recompute_convs))

    def forward_stages(self, x: torch.Tensor) -> List[torch.Tensor]:
        """Outputs of layer1..layer4 (strides 4, 8, 16, 32; channels ``self.stage_channels``)."""
        outs: List[torch.Tensor] = []
        with self._lean():
            x = self.body.conv1(self.body.s2d(self._prepare(x)))
            for stage in (self.body.layer1, self.body.layer2, self.body.layer3, self.body.layer4):
                x = stage(x)
                outs.append(x)
        return outs

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """The last feature map (stride 32, ``self.num_features`` channels)."""
        with self._lean():
            return self.body(self._prepare(x))

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        return self.head(x, pre_logits)

    def forward(self, x: torch.Tensor):
        """Logits (pooled features when ``num_classes == 0``); the stage outputs when ``features_only``."""
        if self.head is None:
            return self.forward_stages(x)
        return self.head(self.forward_features(x))

    # ------------------------------------------------------------------ helpers
    def reset_classifier(self, num_classes: int) -> None:
        """Replace the head's linear layer (fine-tuning to another class count)."""
        if self.head is None:
            raise ConfigError("a features_only TResNet has no classifier to reset")
        self.num_classes = num_classes
        fc = nn.Linear(self.num_features, num_classes) if num_classes > 0 else nn.Identity()
        if isinstance(fc, nn.Linear):
            nn.init.normal_(fc.weight, 0, 0.01)
            nn.init.zeros_(fc.bias)
            ref = self.body.conv1.conv.weight
            fc.to(device=ref.device, dtype=ref.dtype)
        self.head.fc = fc


def spec_name(spec: TResNetSpec) -> str:
    """The variant name of a spec, or a description of a custom one."""
    for name, known in ARCHS.items():
        if known == spec:
            return name
    return f"custom TResNet (layers={list(spec.layers)}, width={spec.width}, v2={spec.v2})"
