"""What tools/train.py and tools/test.py share: config loading, --cfg-options, data_root, clear errors."""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Any, Dict, Optional

from mmengine.config import Config, DictAction  # noqa: F401 - DictAction re-exported for the tools


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
        raise FileNotFoundError(f"config file not found: {path}")
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
            raise KeyError(f"--cfg-options key(s) {unknown} do not exist in {path}; check the spelling "
                           "(a new key needs its full parent path, e.g. model.backbone.norm)")
        cfg.merge_from_dict(options)
    return cfg


def _unknown_keys(cfg: Config, options: Dict[str, Any]) -> list:
    """Keys whose parent path does not exist (a typo would otherwise silently add a new, unused key)."""
    unknown = []
    for key in options:
        node: Any = cfg._cfg_dict
        parts = key.split(".")
        for part in parts[:-1]:
            if isinstance(node, (list, tuple)) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, dict) and part in node:
                node = node[part]
            else:
                unknown.append(key)
                break
    return unknown


@contextmanager
def clear_errors(tool: str):
    """Turn the errors a user can fix (bad data, checkpoint, config) into one line and exit code 2."""
    from ..backbone.weights import CheckpointMismatchError
    from ..data.errors import DatasetError
    try:
        yield
    except (DatasetError, CheckpointMismatchError, FileNotFoundError, KeyError) as exc:
        msg = str(exc).strip("'\"")
        print(f"{tool}: error: {type(exc).__name__}: {msg}", file=sys.stderr)
        sys.exit(2)
