"""What this machine has, answered in one place: whether detection's packages are installed (and load), which CPU
(model, vector capability, native bfloat16), which GPU, which package versions and which commit of this code. The
tools' one-line "install X" errors, the bf16 checks, every benchmark table's machine line, the results files
(results/*.json) and the node self-check all read it from here."""
from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import platform
import subprocess
from typing import Dict, Optional, Sequence

import torch

from .errors import DependencyError

DETECTION_PACKAGES = ("mmcv", "mmdet")
DETECTION_INSTALL_HINT = ("detection needs mmcv 2.1 with its compiled ops and mmdet 3.3: run `make setup` (builds "
                          "mmcv, about 20 minutes on 2 cores), or build mmcv yourself (README, Install) and then "
                          "`pip install -e .[det]`")


def installed(package: str) -> bool:
    """Whether ``package`` can be found, without importing it (a broken or hidden installation counts as missing)."""
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        return False


def detection_missing(load: bool = False) -> Optional[str]:
    """Why detection cannot run here, in one line, or None. ``load=True`` also imports mmcv's compiled ops and
    mmdet (slower: catches a broken build, e.g. an undefined symbol after a torch upgrade)."""
    package = next((p for p in DETECTION_PACKAGES if not installed(p)), None)
    if package:
        return f"{package} is not installed: {DETECTION_INSTALL_HINT}"
    if load:
        try:
            importlib.import_module("mmcv.ops")  # loads mmcv._ext, the compiled ops
            importlib.import_module("mmdet")
        except Exception as e:  # noqa: BLE001 - ImportError or a broken extension (OSError, undefined symbol)
            return f"{type(e).__name__}: {str(e).splitlines()[0][:120] if str(e) else ''}; {DETECTION_INSTALL_HINT}"
    return None


def require_detection(what: str = "this detection config") -> None:
    """One line saying what to install when detection's packages (mmcv, mmdet) are missing."""
    package = next((p for p in DETECTION_PACKAGES if not installed(p)), None)
    if package:
        raise DependencyError(f"{what} needs {package}, which is not installed: {DETECTION_INSTALL_HINT}")


def _cpuinfo(*keys: str) -> str:
    """The first /proc/cpuinfo value under any of ``keys``; '' where there is none or the file is unreadable."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in keys:
                    return value.strip()
    except OSError:
        pass
    return ""


def cpu_flags() -> str:
    """The CPU's feature flags as /proc/cpuinfo lists them (x86 'flags', Arm 'Features'), space-padded for whole-word
    tests; '' where unreadable."""
    flags = _cpuinfo("flags", "Features")
    return f" {flags} " if flags else ""


def cpu_description() -> str:
    """'<model name>, <torch's vector capability>': what every speed figure names."""
    model = _cpuinfo("model name", "Model", "Hardware")
    capability = getattr(torch.backends.cpu, "get_cpu_capability", lambda: "unknown")()
    return f"{model or platform.processor() or platform.machine()}, {capability}"


def bf16_is_fast_here() -> bool:
    """Whether this CPU has native bfloat16 arithmetic (AVX-512 BF16 or AMX on x86, BF16 on Arm); without it
    bfloat16 is emulated, slower than float32."""
    flags = cpu_flags()
    return any(f" {flag} " in flags for flag in ("avx512_bf16", "amx_bf16", "bf16"))


def device_description(device: torch.device, threads: bool = True) -> str:
    """The processor a figure was measured on: the GPU's name, or the CPU's description (and torch's threads)."""
    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return cpu_description() + (f", {torch.get_num_threads()} threads" if threads else "")


def package_versions(names: Sequence[str] = ("torch", "timm", "mmengine", "mmcv", "mmdet", "onnxruntime",
                                             "tresnet-tasks")) -> Dict[str, str]:
    """The installed version of each distribution that is installed (what a measured figure was measured with)."""
    out = {}
    for name in names:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return out


def source_commit() -> Optional[str]:
    """The short git commit of this checkout (with ``+changes`` when the tree differs from it), or None outside git."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                                timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    if commit.returncode != 0:
        return None
    return commit.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")
