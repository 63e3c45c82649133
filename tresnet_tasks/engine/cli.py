"""What tools/train.py and tools/test.py share: config loading, --cfg-options, data_root, clear errors."""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Any, Dict, Optional

from mmengine.config import Config, DictAction  # noqa: F401 - DictAction re-exported for the tools

from ..errors import ConfigError, TResNetTasksError, one_line
from ..fileio import resolve_weights, trust_files


def add_common_args(parser) -> None:
    """The arguments tools/train.py and tools/test.py share, spelled as in MMDetection."""
    parser.add_argument("--work-dir", help="the dir to save logs, checkpoints and metrics")
    parser.add_argument("--cfg-options", nargs="+", action=DictAction,
                        help="override config settings, key=value (e.g. data_root=/data/coco "
                             "train_dataloader.batch_size=4)")
    parser.add_argument("--launcher", choices=["none", "pytorch", "slurm", "mpi"], default="none", help="job launcher")
    parser.add_argument("--local_rank", "--local-rank", type=int, default=0)
    add_trust_arg(parser)


def add_trust_arg(parser) -> None:
    parser.add_argument("--trust-checkpoint", nargs="*", metavar="FILE", default=None,
                        help="allow a full unpickle (which can run code) for the checkpoint this command names, or "
                             "for the FILEs given; only for files whose origin you trust. Default: weights only")


def check_named_checkpoint(args, checkpoint: str) -> None:
    """The checkpoint a tool's command line names: a missing file or unknown name fails now, in one line (before
    any model or data is built), and ``--trust-checkpoint`` applies to it."""
    resolve_weights(checkpoint)
    apply_trust(args, [checkpoint])


def apply_trust(args, named: "list[str | None]") -> None:
    """--trust-checkpoint: no value -> the checkpoint(s) the command names; values -> those files."""
    if args.trust_checkpoint is None:
        return
    files = args.trust_checkpoint or [p for p in named if p]
    if not files:
        raise ConfigError("--trust-checkpoint without FILE needs a checkpoint named on the command line")
    trust_files(files)


def apply_common_args(cfg: Config, args) -> Config:
    """--launcher and --work-dir as MMDetection's tools do (default work dir: ./work_dirs/<config name>)."""
    import os.path as osp
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get("work_dir", None) is None:
        cfg.work_dir = osp.join("./work_dirs", osp.splitext(osp.basename(args.config))[0])
    return cfg


def _replace_prefix(node: Any, old: str, new: str) -> Any:
    if isinstance(node, str):
        return new + node[len(old):] if node.startswith(old) else node
    if isinstance(node, dict):
        for k in list(node.keys()):
            node[k] = _replace_prefix(node[k], old, new)
        return node
    if isinstance(node, list):
        return [_replace_prefix(v, old, new) for v in node]
    if isinstance(node, tuple):
        return tuple(_replace_prefix(v, old, new) for v in node)
    return node


def load_config(path: str, cfg_options: Optional[Dict[str, Any]] = None) -> Config:
    """Config.fromfile + --cfg-options, with ``data_root=...`` moved into every path derived from it.

    In mmdet configs ``data_root`` is concatenated into dataset and evaluator paths when the file is parsed, so
    overriding the variable alone changes nothing; here every string that started with the old root is rewritten.
    """
    if not os.path.isfile(path):
        raise ConfigError(f"config file not found: {path}")
    cfg = Config.fromfile(path)
    if cfg_options:
        options = dict(cfg_options)
        new_root = options.pop("data_root", None)
        if new_root is not None:
            old_root = cfg.get("data_root")
            new_root = str(new_root)
            if old_root:
                if not new_root.endswith("/") and old_root.endswith("/"):
                    new_root += "/"
                data = _replace_prefix(cfg.to_dict() if hasattr(cfg, "to_dict") else cfg._cfg_dict.to_dict(),
                                       old_root, new_root)
                cfg = Config(data, filename=cfg.filename)
            cfg.data_root = new_root
        unknown = _unknown_keys(cfg, options)
        if unknown:
            raise ConfigError(f"--cfg-options key(s) {unknown} do not exist in {path}; check the spelling "
                           "(a new key needs its full parent path, e.g. model.backbone.norm)")
        _check_types(cfg, options)
        cfg.merge_from_dict(options, allow_list_keys=True)
    return cfg


def _lookup(cfg: Config, key: str):
    node: Any = cfg._cfg_dict
    for part in key.split("."):
        if isinstance(node, (list, tuple)) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return _MISSING
    return node


_MISSING = object()


def _check_types(cfg: Config, options: Dict[str, Any]) -> None:
    """A number or bool setting given a value of another kind (e.g. batch_size=abc) is refused here, not deep
    inside a DataLoader. None is always allowed (it disables things)."""
    for key, new in options.items():
        old = _lookup(cfg, key)
        if old is _MISSING or old is None or new is None:
            continue
        numeric = (int, float)
        if isinstance(old, bool) and not isinstance(new, bool):
            bad = True
        elif isinstance(old, numeric) and not isinstance(old, bool):
            bad = not isinstance(new, numeric) or isinstance(new, bool)
        else:
            bad = False
        if bad:
            raise ConfigError(f"--cfg-options {key}={new!r}: expected {type(old).__name__} like the config's "
                             f"{old!r}, got {type(new).__name__}")


def _unknown_keys(cfg: Config, options: Dict[str, Any]) -> list:
    """Keys whose parent path does not exist, or whose new leaf looks like a typo of an existing one
    (``batch_sise`` next to ``batch_size``): either would otherwise silently add a new, unused key."""
    import difflib
    unknown = []
    for key in options:
        parent_key, _, leaf = key.rpartition(".")
        parent = _lookup(cfg, parent_key) if parent_key else cfg._cfg_dict
        if parent is _MISSING:
            unknown.append(key)
        elif isinstance(parent, dict) and leaf not in parent:
            close = difflib.get_close_matches(leaf, [str(k) for k in parent.keys()], n=1, cutoff=0.8)
            if close:
                unknown.append(f"{key} (did you mean {parent_key + '.' if parent_key else ''}{close[0]}?)")
    return unknown


@contextmanager
def clear_errors(tool: str):
    """The project's own errors (bad data, checkpoint, config: :mod:`tresnet_tasks.errors`) become one line and
    exit code 2. Any other exception is a bug and keeps its traceback, so it can be reported."""
    try:
        yield
    except TResNetTasksError as exc:
        print(f"{tool}: error: {type(exc).__name__}: {one_line(exc)}", file=sys.stderr)
        sys.exit(2)


def init_cpu_distributed(launcher: str, cfg: Config) -> None:
    """Start the process group ourselves for a CPU-only torchrun (``--launcher pytorch`` without CUDA).

    mmengine's init_dist always calls ``torch.cuda.set_device``, which fails on machines without a GPU; with the
    group already initialised (gloo), the Runner uses it as is. GPU runs are left to mmengine (NCCL).
    """
    import torch
    import torch.distributed as dist
    if launcher != "pytorch" or torch.cuda.is_available() or dist.is_initialized():
        return
    backend = cfg.get("env_cfg", {}).get("dist_cfg", {}).get("backend", "gloo")
    dist.init_process_group(backend="gloo" if backend == "nccl" else backend)
    if cfg.get("model_wrapper_cfg") is None:  # mmengine's default DDP passes a GPU device id
        cfg.model_wrapper_cfg = dict(type="MMDistributedDataParallel", device_ids=None, broadcast_buffers=False)


def finish_distributed() -> None:
    """Leave the process group together and destroy it before the interpreter shuts down.

    Without this, gloo's worker threads can still hold work when Python finalises, and a rank dies with
    "terminate called without an active exception" (SIGABRT) after a successful run (seen in the 2-process tests).
    """
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
