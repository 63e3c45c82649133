"""Loading a config as the tools do: ``--cfg-options`` checked against the config (unknown keys, wrong types), and
``data_root`` overrides that reach every path derived from it."""
from __future__ import annotations

import difflib
import os
from typing import Any, Dict, Optional

from mmengine.config import Config

from ..errors import CheckpointNotFoundError, ConfigError
from ..machine import DETECTION_INSTALL_HINT, require_detection  # noqa: F401 - the tools' import
from ..fileio.config_text import base_names

class CachedTextConfig(Config):
    """mmengine's Config, whose ``pretty_text`` (yapf-formatted: ~0.7 s for a detector config on a 2-core CPU) is
    computed once per content: a runner asks for it at start-up (log, work-dir copy, visualizer) and again in every
    checkpoint it saves."""
    _texts: Dict[Any, str] = {}

    @property
    def pretty_text(self) -> str:
        key = (repr(self.to_dict()), self._format_python_code)
        if key not in self._texts:
            if len(self._texts) >= 16:
                self._texts.clear()
            self._texts[key] = super().pretty_text
        return self._texts[key]


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
    if _is_detection_file(path):
        require_detection(f"{path} (a detection config)")
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
        _check_keys(cfg, options, path)
        _check_types(cfg, options)
        cfg.merge_from_dict(options, allow_list_keys=True)
    object.__setattr__(cfg, "__class__", CachedTextConfig)  # fromfile builds mmengine's class: the same object
    return cfg


def set_pretrained_weights(cfg: Config, weights: str) -> str:
    """``--weights FILE``: the weights a training run starts from, wherever this config's model takes them (the
    detector's TResNet backbone, else the classifier); returns the config key that was set."""
    model = cfg.model
    target, key = (model.backbone, "model.backbone.init_cfg") if isinstance(model.get("backbone"), dict) else (
        model, "model.init_cfg")
    if str(target.get("type", "")).split(".")[-1] not in ("TResNet", "TResNetBackbone", "TResNetClassifier"):
        raise ConfigError(f"--weights loads TResNet weights, but {key.rsplit('.', 1)[0]} is a {target.get('type')}; "
                          f"set {key}.checkpoint with --cfg-options instead")
    target.pop("pretrained", None)
    target.init_cfg = dict(type="Pretrained", checkpoint=weights)
    return key


def _is_detection_file(path: str) -> bool:
    """Whether a config (or a base it names) is MMDetection's: read as text, since parsing it would already need
    mmdet (its custom imports and ``mmdet::`` bases)."""
    text = open(path, encoding="utf-8").read()
    if "default_scope = 'mmdet'" in text or 'default_scope = "mmdet"' in text or "mmdet::" in text:
        return True
    folder = os.path.dirname(path)
    bases = [b for b in base_names(text) if b.endswith(".py")]
    return any(_is_detection_file(os.path.join(folder, b)) for b in bases if os.path.isfile(os.path.join(folder, b)))


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


def _check_keys(cfg: Config, options: Dict[str, Any], path: str) -> None:
    """Refuse what mmengine would take silently or fail on with a traceback; accept new keys as mmengine does.

    - a key whose first new part is a near-miss of an existing sibling (``batch_sise`` next to ``batch_size``):
      a typo that would add an unused key;
    - a key through a setting that is not a dict (``None``, a number, a string): mmengine's merge ends in a
      ``TypeError ... cannot inherit from base`` traceback. ``X.type=...`` given too makes ``None`` a new dict;
    - a dict literal as a value (``k={'type': ...}``): mmengine's option parser keeps it as a string.
    New keys that are no near-miss (``train_dataloader.dataset.metainfo.classes=[a,b]``) are accepted.
    """
    problems = []
    for key, value in options.items():
        if _is_dict_literal(value):
            problems.append(f"{key}: --cfg-options keeps a dict literal as a string (or splits it at its commas); "
                            f"give one key at a time ({key}.type=... {key}.checkpoint=...)" + _weights_hint(key))
            continue
        node: Any = cfg._cfg_dict
        parts = key.split(".")
        for depth, part in enumerate(parts):
            here = ".".join(parts[:depth]) or "the config"
            if isinstance(node, (list, tuple)) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
                continue
            if isinstance(node, dict):
                if part in node:
                    node = node[part]
                    continue
                close = difflib.get_close_matches(part, [str(k) for k in node.keys()], n=1, cutoff=0.8)
                if close:
                    prefix = ".".join(parts[:depth] + [close[0]])
                    problems.append(f"{key}: no '{part}' in {here} (did you mean {prefix}?)")
                break  # a new key (and whatever is below it): mmengine creates it
            if node is None and f"{here}.type" in options:
                _set(cfg, here, {})  # the options build this dict whole
                break
            what = "None" if node is None else type(node).__name__
            hint = (f"; set it whole: {here}.type=... and its other keys, one per option" if node is None else "")
            problems.append(f"{key}: {here} is {what} in {path}, not a dict{hint}" + _weights_hint(here))
            break
    if problems:
        raise ConfigError("--cfg-options: " + "; ".join(problems))


def _is_dict_literal(value: Any) -> bool:
    """``{...}`` or ``dict(...)`` as mmengine's DictAction leaves it: one string, or a list of the pieces between
    commas."""
    text = ",".join(map(str, value)) if isinstance(value, (list, tuple)) else value
    if not isinstance(text, str):
        return False
    text = text.strip()
    return (text.startswith("{") and text.endswith("}")) or (text.startswith("dict(") and text.endswith(")"))


def _weights_hint(key: str) -> str:
    return " (for pretrained weights: tools/train.py --weights FILE)" if key.endswith("init_cfg") else ""


def _set(cfg: Config, key: str, value: Any) -> None:
    node: Any = cfg._cfg_dict
    *parents, leaf = key.split(".")
    for part in parents:
        node = node[int(part)] if isinstance(node, (list, tuple)) else node[part]
    node[leaf] = value


def use_exported_model(cfg, path: str, provider: str) -> None:
    """Score an exported model (tools/export.py) with the config's pipeline and evaluator: ONNX Runtime in place
    of the config's network, nothing loaded into it."""
    if not os.path.isfile(path):
        raise CheckpointNotFoundError(f"exported model not found: {path} (tools/export.py CONFIG CHECKPOINT --out DIR "
                                      "writes DIR/model.onnx)")
    kind = "OnnxDetector" if cfg.get("default_scope") == "mmdet" else "OnnxClassifier"
    cfg.model = dict(type=kind, onnx=path, provider=provider, data_preprocessor=cfg.model.get("data_preprocessor"))
    cfg.load_from = None
    # an EMA of weights is the checkpoint's business: the exported file holds the weights that were evaluated
    cfg.custom_hooks = [h for h in cfg.get("custom_hooks") or []
                        if h.get("type") not in ("EMAHook", "mmengine.EMAHook")]
