"""Which memory format the backbone keeps, per machine (``channels_last='auto'``).

channels_last (NHWC) is what cuDNN (GPU, tensor cores under AMP) and oneDNN on AVX-512 CPUs run fastest (mmdet's
FCOS-R50 trains 1.5x faster in it on a Zen 4). On CPUs whose widest vector unit is AVX2, oneDNN's NHWC
convolution backward is the slow one: there NCHW is faster (FCOS-R50 1.16-1.33x on a 2-core AVX2 EPYC; TResNet's
own figures in the README's Benchmark). The choice follows torch's vector capability, read once;
``TRESNET_CHANNELS_LAST=0|1`` overrides it for every model built afterwards.
"""
from __future__ import annotations

import os
from typing import Union

import torch

from ..errors import ConfigError

AUTO = "auto"
NCHW_CAPABILITIES = ("AVX2", "AVX", "DEFAULT", "NO AVX")  # x86 without AVX-512: oneDNN's NHWC backward is slow


def preferred_channels_last() -> bool:
    """channels_last on CUDA machines and AVX-512 (or Arm) CPUs; NCHW on x86 CPUs without AVX-512."""
    forced = os.environ.get("TRESNET_CHANNELS_LAST")
    if forced in ("0", "1"):
        return forced == "1"
    if torch.cuda.is_available():
        return True
    capability = getattr(torch.backends.cpu, "get_cpu_capability", lambda: "")()
    return capability.upper() not in NCHW_CAPABILITIES


def resolve_channels_last(value: Union[bool, str]) -> bool:
    """``True`` / ``False`` as given; ``'auto'``: :func:`preferred_channels_last`."""
    if isinstance(value, bool):
        return value
    if value == AUTO:
        return preferred_channels_last()
    raise ConfigError(f"channels_last must be True, False or 'auto', got {value!r}")
