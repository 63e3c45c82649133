"""Putting the one TResNet into a framework model: what the MMDetection backbone and the classifier share.

Both build a headless TResNet by name (short ``m`` or timm's ``tresnet_m``), optionally switch its norms to the
cross-process variants for DDP, and start from pretrained weights given as mmengine's
``init_cfg=dict(type='Pretrained', checkpoint=..., prefix=...)`` (or the ``pretrained=`` shorthand). mmengine's
own ``PretrainedInit`` is not used for the weights: it loads one layout with ``load_state_dict``, while the loader
here converts every published TResNet format and checks variant and head first.
"""
from __future__ import annotations

from typing import Mapping, Optional, Sequence, Tuple, Union

from ..errors import ConfigError
from .factory import create_tresnet
from .norms import convert_norm
from .tresnet import TResNet
from .weights import extract_state_dict, read_checkpoint


def build_backbone(arch: str, norm: str = "auto", layers: Optional[Sequence[int]] = None,
                   width: Optional[float] = None, sync_norm: bool = False, **kwargs) -> TResNet:
    """A headless TResNet for a task model.

    Args:
        arch: variant, either spelling (``m`` or ``tresnet_m``).
        norm: ``auto`` | ``bn`` | ``iabn`` | ``iabn_torch``.
        layers, width: depth / width overrides (small models).
        sync_norm: statistics across DDP processes (InPlaceABNSync / SyncBatchNorm + act); mmengine's ``sync_bn``
            would drop the activation of the ``bn`` layers (see :func:`~.norms.convert_norm`).
        **kwargs: other :class:`TResNet` arguments (``input_multiple``, ``lean_memory``, ``recompute_convs``,
            ``norm_eval``).
    """
    net = create_tresnet(arch, num_classes=0, norm=norm, layers=layers, width=width, features_only=True, **kwargs)
    if sync_norm:
        convert_norm(net, net.norm, sync=True)
    return net


def pretrained_source(init_cfg: Optional[dict], pretrained: Optional[str] = None) -> Tuple[Optional[str], Optional[str]]:
    """``(checkpoint, prefix)`` named by ``init_cfg=dict(type='Pretrained', ...)`` or the ``pretrained`` shorthand;
    ``(None, None)`` when neither names weights."""
    cfg = init_cfg if isinstance(init_cfg, dict) else {}
    if cfg.get("type") == "Pretrained":
        if pretrained is not None and pretrained != cfg.get("checkpoint"):
            raise ConfigError("give the weights once: init_cfg=dict(type='Pretrained', checkpoint=...) or "
                              "pretrained=..., not both")
        if not cfg.get("checkpoint"):
            raise ConfigError("init_cfg type 'Pretrained' needs checkpoint=<file or published name>")
        return cfg["checkpoint"], cfg.get("prefix")
    return pretrained, None


def under_prefix(checkpoint: str, prefix: Optional[str]) -> Union[str, Mapping]:
    """The weights to load: the file / name itself, or (with ``prefix``, as mmengine's ``Pretrained``) the entries
    under that prefix, with it stripped."""
    if not prefix:
        return checkpoint
    sd, _ = extract_state_dict(read_checkpoint(checkpoint))
    picked = {k[len(prefix):]: v for k, v in sd.items() if k.startswith(prefix)}
    if not picked:
        raise ConfigError(f"{checkpoint}: no entry starts with prefix {prefix!r}")
    return picked
