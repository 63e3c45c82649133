"""Weights by name: timm's pretrained tags and ``hf-hub:`` repos, resolved to a file in the Hugging Face cache.

Accepted wherever weights are (``create_tresnet(pretrained=...)``, ``load_tresnet_weights``, the classifier's
``pretrained``, the mmdet backbone's ``init_cfg.checkpoint``, mmengine's ``load_from``, the tools):

- a local path (``.pth``, ``.safetensors``, ...), as always;
- ``hf-hub:<repo_id>[@revision]``, timm's spelling, e.g. ``hf-hub:timm/tresnet_m.miil_in21k_ft_in1k``;
- a timm pretrained tag such as ``tresnet_m.miil_in1k``: timm's own pretrained config gives its hub repo.

Downloads go through ``huggingface_hub`` into its standard cache (``HF_HOME`` / ``HF_HUB_CACHE`` respected, read
when a name is resolved), so a cluster can fill the cache on a login node (``tools/fetch_weights.py``) and run
offline. With ``HF_HUB_OFFLINE=1``, or when the hub cannot be reached, a cached file is used; a missing one is one
line naming the repo and the command that fetches it.

timm's ``pretrained=True`` does the same resolution, but only into timm's own model class; here the file is handed
to this project's loader (format detection, variant and head checks, safe reading).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

from ..errors import CheckpointNotFoundError, WeightsNotAvailableError

HUB_PREFIX = "hf-hub:"
# Files a timm hub repo may hold, in the order timm itself prefers them.
HUB_FILES = ("model.safetensors", "pytorch_model.bin")
CHECKPOINT_SUFFIXES = (".pth", ".pt", ".bin", ".ckpt", ".safetensors", ".tar", ".pkl", ".pickle")

# What each published TResNet weight set was trained on (Ridnik et al.; the timm model cards). The tag list itself
# comes from timm (``timm.list_pretrained('tresnet*')``), so a newer timm adds tags without a change here.
TRAINED_ON: Dict[str, str] = {
    "miil_in1k": "ImageNet-1k",
    "miil_in1k_448": "ImageNet-1k at 448 px",
    "miil_in21k": "ImageNet-21K-P (winter21, 11221 classes)",
    "miil_in21k_ft_in1k": "ImageNet-21K-P, then fine-tuned on ImageNet-1k",
}


@dataclass(frozen=True)
class WeightsInfo:
    """A known pretrained tag and what timm says of it."""
    tag: str
    arch: str
    hf_hub_id: str
    input_size: Tuple[int, int, int]
    num_classes: int
    trained_on: str


@dataclass(frozen=True)
class ResolvedWeights:
    """Where named weights live on disk, and what the name promised."""
    name: str
    path: str
    repo_id: Optional[str] = None
    arch: Optional[str] = None  # the TResNet variant the name is for, when the name says it

    @property
    def from_hub(self) -> bool:
        return self.repo_id is not None


def known_weights() -> Dict[str, WeightsInfo]:
    """The TResNet tags timm knows (``timm.list_pretrained('tresnet*')``), with their hub repos."""
    import timm
    from timm.models import get_pretrained_cfg
    out = {}
    for tag in timm.list_pretrained("tresnet*"):
        cfg = get_pretrained_cfg(tag)
        if cfg is None or not cfg.hf_hub_id:
            continue
        arch, _, suffix = tag.partition(".")
        out[tag] = WeightsInfo(tag, arch, cfg.hf_hub_id, tuple(cfg.input_size), int(cfg.num_classes),
                               TRAINED_ON.get(suffix, suffix))
    return out


def looks_like_name(spec: str) -> bool:
    """True for ``hf-hub:...`` and for strings shaped like a timm tag (``tresnet_m.miil_in1k``) that are not an
    existing file and do not end like a checkpoint file."""
    if spec.startswith(HUB_PREFIX):
        return True
    if os.path.exists(spec) or spec.lower().endswith(CHECKPOINT_SUFFIXES):
        return False
    return re.fullmatch(r"[A-Za-z]\w*\.\w+", spec) is not None


def _offline() -> bool:
    env = os.environ.get("HF_HUB_OFFLINE", "").strip().upper()
    if env:
        return env in {"1", "ON", "YES", "TRUE"}
    try:
        from huggingface_hub import constants
        return bool(constants.HF_HUB_OFFLINE)
    except ImportError:
        return True


def hub_cache_dir() -> str:
    """huggingface_hub's cache folder, from the environment as it is now (HF_HUB_CACHE, else HF_HOME/hub)."""
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(var):
            return os.path.expanduser(os.environ[var])
    if os.environ.get("HF_HOME"):
        return os.path.join(os.path.expanduser(os.environ["HF_HOME"]), "hub")
    from huggingface_hub import constants
    return constants.HF_HUB_CACHE


def _hub_errors():
    try:
        from huggingface_hub import errors
    except ImportError:  # huggingface_hub < 0.22
        from huggingface_hub import utils as errors
    return errors


def _fetch_command(name: str) -> str:
    return f"python tools/fetch_weights.py {name}"


def cached_file(repo_id: str, revision: Optional[str] = None) -> Optional[str]:
    """The repo's weight file in the local cache (no network), or None."""
    import huggingface_hub
    for filename in HUB_FILES:
        found = huggingface_hub.try_to_load_from_cache(repo_id, filename, cache_dir=hub_cache_dir(), revision=revision)
        if isinstance(found, str):
            return found
    return None


def download_from_hub(repo_id: str, revision: Optional[str] = None, name: Optional[str] = None) -> str:
    """The local path of a repo's weight file: from the cache when offline or unreachable, else downloaded."""
    import huggingface_hub
    name = name or f"{HUB_PREFIX}{repo_id}"
    cache = hub_cache_dir()
    errors = _hub_errors()
    offline = _offline()
    if offline:
        found = cached_file(repo_id, revision)
        if found:
            return found
        raise WeightsNotAvailableError(
            f"{name}: not in the Hugging Face cache ({cache}) and HF_HUB_OFFLINE is set; fetch it where there is "
            f"network with `{_fetch_command(name)}` (same HF_HOME), or pass a local checkpoint file")
    last_reason = ""
    for filename in HUB_FILES:
        try:
            return huggingface_hub.hf_hub_download(repo_id, filename, revision=revision, cache_dir=cache)
        # order matters: LocalEntryNotFoundError (not cached, hub unreachable) is a kind of EntryNotFoundError
        except errors.LocalEntryNotFoundError as exc:
            raise WeightsNotAvailableError(
                f"{name}: not in the Hugging Face cache ({cache}) and the hub could not be reached "
                f"({_short(exc)}); fetch it where there is network with `{_fetch_command(name)}` (same HF_HOME), "
                "or pass a local checkpoint file") from None
        except errors.RepositoryNotFoundError:
            raise WeightsNotAvailableError(f"{name}: the Hugging Face repo {repo_id!r} does not exist (or is "
                                           "private); check the name (tools/fetch_weights.py --list)") from None
        except errors.RevisionNotFoundError:
            raise WeightsNotAvailableError(f"{name}: revision {revision!r} not found in {repo_id}") from None
        except errors.EntryNotFoundError:
            last_reason = f"{repo_id} has none of {list(HUB_FILES)}"
            continue
        except (errors.HfHubHTTPError, OSError) as exc:
            raise WeightsNotAvailableError(f"{name}: download from the Hugging Face hub failed ({_short(exc)}); "
                                           f"retry, or `{_fetch_command(name)}` elsewhere") from None
    raise WeightsNotAvailableError(f"{name}: not a weights repo: {last_reason}")


def _short(exc: BaseException) -> str:
    """The first sentence of an exception's message (huggingface_hub's run to several)."""
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else type(exc).__name__
    return text.split(". ")[0].rstrip(".")[:200]


def parse_hub_name(spec: str) -> Tuple[str, Optional[str]]:
    """``hf-hub:org/name@rev`` -> (``org/name``, ``rev``)."""
    repo = spec[len(HUB_PREFIX):]
    repo, _, revision = repo.partition("@")
    if not re.fullmatch(r"[\w.\-]+/[\w.\-]+", repo):
        raise WeightsNotAvailableError(f"{spec}: expected hf-hub:<organisation>/<repo>[@revision]")
    return repo, revision or None


def arch_of_repo(repo_id: str) -> Optional[str]:
    """The TResNet variant a repo name states (``timm/tresnet_m.miil_in1k`` -> ``tresnet_m``), else None."""
    m = re.match(r"(tresnet(?:_v2)?_(?:m|l|xl))\b", repo_id.split("/")[-1])
    return m.group(1) if m else None


def resolve_weights(spec: str) -> ResolvedWeights:
    """A local path, ``hf-hub:`` name or timm tag -> the file to read (downloaded or from the cache)."""
    spec = os.fspath(spec)
    if spec.startswith(HUB_PREFIX):
        repo, revision = parse_hub_name(spec)
        return ResolvedWeights(spec, download_from_hub(repo, revision, spec), repo, arch_of_repo(repo))
    if looks_like_name(spec):
        known = known_weights()
        if spec not in known:
            raise WeightsNotAvailableError(
                f"unknown pretrained weights {spec!r}: not a file, and not one of timm's TResNet tags "
                f"{sorted(known)} (or use hf-hub:<repo>)")
        info = known[spec]
        return ResolvedWeights(spec, download_from_hub(info.hf_hub_id, None, spec), info.hf_hub_id, info.arch)
    if not os.path.exists(spec):
        raise CheckpointNotFoundError(f"checkpoint not found: {spec}")
    return ResolvedWeights(spec, spec)
