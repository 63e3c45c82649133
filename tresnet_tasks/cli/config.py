"""Loading a config as the tools do: ``--cfg-options`` checked against the config (unknown keys, wrong types), and
``data_root`` overrides that reach every path derived from it."""
from __future__ import annotations

import os
from typing import Any, Dict, Optional

from mmengine.config import Config

from ..errors import ConfigError


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


