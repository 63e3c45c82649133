"""Recipe provenance as data: each full-size config's settings, the value its published source uses, and where that
value comes from (``configs/<folder>/recipes.yml``), checked against the config as mmengine loads it.

A recipe entry has ``settings`` (the config must hold the source's value), ``differences`` (the config holds
``value`` where the source had ``source_value``, for the stated ``reason``), ``notes`` (differences that are no
config key) and may ``inherit`` another entry (its own entries replace the inherited ones; ``forget`` drops some).
Detection recipes may name a ``reference`` config (mmdet's own R50 config of the family): then every leaf of the
two loaded configs is compared, and each one that differs must be covered by a recorded difference.

Paths: dotted keys; ``name[type=T]`` picks the list entry of type ``T``; ``name[3]`` an index; a final ``types``
lists the types of a list's entries.
"""
from __future__ import annotations

import glob
import importlib
import math
import os
import re
from typing import Any, Dict, List, Optional, Tuple

import yaml

from ..errors import ConfigError
from .config import load_config, require_detection

RECIPES_FILE = "recipes.yml"
_SEGMENT = re.compile(r"^([\w-]+)(?:\[(?:type=([\w.:-]+)|(-?\d+))\])?$")
_MISSING = object()


def split_path(path: str) -> List[Tuple[str, Optional[str], Optional[int]]]:
    """``a.b[type=T].c`` -> [(a, None, None), (b, 'T', None), (c, None, None)]."""
    out = []
    for segment in path.split("."):
        m = _SEGMENT.match(segment)
        if not m:
            raise ConfigError(f"recipe path {path!r}: cannot read segment {segment!r}")
        out.append((m.group(1), m.group(2), None if m.group(3) is None else int(m.group(3))))
    return out


def lookup(cfg: dict, path: str) -> Any:
    """The value at ``path`` in a config dict, or ``_MISSING``."""
    node: Any = cfg
    parts = split_path(path)
    for i, (key, type_name, index) in enumerate(parts):
        if key == "types" and i == len(parts) - 1 and isinstance(node, (list, tuple)):
            return [entry.get("type") if isinstance(entry, dict) else None for entry in node]
        if not isinstance(node, dict) or key not in node:
            return _MISSING
        node = node[key]
        if type_name is not None:
            matches = [e for e in node if isinstance(e, dict) and e.get("type") == type_name] \
                if isinstance(node, (list, tuple)) else []
            if len(matches) != 1:
                return _MISSING
            node = matches[0]
        elif index is not None:
            if not isinstance(node, (list, tuple)) or not -len(node) <= index < len(node):
                return _MISSING
            node = node[index]
    return node


def same_value(a: Any, b: Any) -> bool:
    """Equal as settings: numbers to 1e-9 relative, lists and tuples alike, bools only equal bools."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    return a == b


def load_recipes(folder: str, filename: str = RECIPES_FILE) -> dict:
    path = os.path.join(folder, filename)
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except FileNotFoundError:
        raise ConfigError(f"no {RECIPES_FILE} in {folder}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict) or not isinstance(data.get("recipes"), dict):
        raise ConfigError(f"{path}: expected a mapping with 'recipes' (and 'sources')")
    return data


def resolve_recipe(data: dict, name: str, _seen=(), folder: Optional[str] = None) -> dict:
    """One config's entries with ``inherit`` applied: {'settings', 'differences', 'notes', 'reference', 'source'}
    (``source``: the recipe's primary source, when it is not the metafile collection's code)."""
    recipes = data["recipes"]
    if name not in recipes:
        raise ConfigError(f"no recipe entry for {name!r}")
    if name in _seen:
        raise ConfigError(f"recipe inheritance loops through {name!r}")
    entry = recipes[name] or {}
    parent = entry.get("inherit")
    if parent and "#" in parent:  # an entry of another recipes file: "../_base_/detection_recipes.yml#entry"
        other, parent = parent.split("#", 1)
        if folder is None:
            raise ConfigError(f"{name}: inherits from another file ({other}); resolve with folder=")
        other_path = os.path.normpath(os.path.join(folder, other))
        other_data = load_recipes(os.path.dirname(other_path), os.path.basename(other_path))
        merged = resolve_recipe(other_data, parent, _seen + (name,), os.path.dirname(other_path))
        merged["shared"] = {"name": f"{other}#{parent}", "keys": set(merged["differences"])}
    elif parent:
        merged = resolve_recipe(data, parent, _seen + (name,), folder)
    else:
        merged = {"settings": {}, "differences": {}, "notes": [], "reference": None, "source": None, "shared": None}
    settings, differences = dict(merged["settings"]), dict(merged["differences"])
    for key in entry.get("forget", []) or []:
        settings.pop(key, None)
        differences.pop(key, None)
    for key, spec in (entry.get("settings") or {}).items():
        differences.pop(key, None)
        settings[key] = spec
    for key, spec in (entry.get("differences") or {}).items():
        settings.pop(key, None)
        differences[key] = spec
    return {"settings": settings, "differences": differences,
            "notes": list(merged["notes"]) + list(entry.get("notes") or []),
            "reference": entry.get("reference", merged["reference"]), "source": entry.get("source", merged["source"]),
            "shared": merged.get("shared")}


def flatten(node: Any, prefix: str = "") -> Dict[str, Any]:
    """Leaves of a config dict by dotted path (lists of typed dicts as ``name[type=T]`` when types are unique)."""
    out: Dict[str, Any] = {}
    if isinstance(node, dict):
        for key, value in node.items():
            if key != "_scope_":  # registry scope mmengine writes into configs inherited across packages
                out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(node, (list, tuple)) and node and all(isinstance(e, dict) and "type" in e for e in node) \
            and len({e["type"] for e in node}) == len(node):
        out[f"{prefix}.types"] = [e["type"] for e in node]
        for entry in node:
            for key, value in flatten({k: v for k, v in entry.items() if k != "type"}).items():
                out[f"{prefix}[type={entry['type']}].{key}"] = value
    else:
        out[prefix] = node
    return out


def _covered(path: str, keys) -> bool:
    return any(path == k or path.startswith(k + ".") or path.startswith(k + "[") for k in keys)


def check_recipe(cfg: dict, recipe: dict, sources: dict, reference_cfg: Optional[dict] = None) -> List[str]:
    """Every problem of one config against its recipe, one line each (empty: the config is its recipe)."""
    problems = []
    for key, spec in recipe["settings"].items():
        if spec.get("from") not in sources:
            problems.append(f"{key}: source {spec.get('from')!r} is not listed under 'sources'")
        got = lookup(cfg, key)
        if spec.get("absent"):
            if got is not _MISSING:
                problems.append(f"{key} = {got!r}, but the source leaves it at the default (absent)")
        elif got is _MISSING:
            problems.append(f"{key} is missing; the source ({spec.get('from')}) has {spec.get('value')!r}")
        elif not same_value(got, spec.get("value")):
            problems.append(f"{key} = {got!r}, but the source ({spec.get('from')}) has {spec.get('value')!r} and no "
                            "difference is recorded for it")
    for key, spec in recipe["differences"].items():
        if not str(spec.get("reason", "")).strip():
            problems.append(f"{key}: a difference without a reason")
        if "source_value" not in spec:
            problems.append(f"{key}: a difference without the source's value")
        elif same_value(spec["source_value"], spec.get("value")):
            problems.append(f"{key}: recorded as a difference but equal to the source's value")
        got = lookup(cfg, key)
        if "value" not in spec and not spec.get("subtree"):
            problems.append(f"{key}: a difference needs the config's value (or subtree: true for a whole block)")
        if "value" in spec and not same_value(got, spec["value"]):
            problems.append(f"{key} = {'(missing)' if got is _MISSING else repr(got)}, but the recorded difference "
                            f"says {spec['value']!r}")
    if reference_cfg is not None:
        ours, theirs = flatten(cfg), flatten(reference_cfg)
        recorded = list(recipe["differences"]) + list(recipe["settings"])
        for path in sorted(set(ours) | set(theirs)):
            a, b = ours.get(path, _MISSING), theirs.get(path, _MISSING)
            if (a is _MISSING) != (b is _MISSING) or (a is not _MISSING and not same_value(a, b)):
                if not _covered(path, recorded):
                    problems.append(f"{path} = {'(missing)' if a is _MISSING else repr(a)} where the reference has "
                                    f"{'(missing)' if b is _MISSING else repr(b)}: no difference recorded")
    return problems


def recipe_summary(config_path: str, cfg) -> Optional[str]:
    """One line for a tool's console about the config it was given, as it will run (overrides applied): None for a
    config without a recipe (demos, user configs); else whether it is its published recipe, or which recorded
    settings it departs from."""
    try:
        recipe_location(config_path)
    except ConfigError:
        return None
    recipe, problems = audit(config_path, load=lambda p: cfg if os.path.abspath(p) == os.path.abspath(config_path)
                             else load_config(p))
    if not problems:
        return (f"as its published recipe ({len(recipe['settings'])} settings checked, {len(recipe['differences'])} "
                "recorded differences): python tools/check_recipe.py CONFIG lists them")
    keys = list(dict.fromkeys(p.split(" ")[0].rstrip(":") for p in problems))
    shown = ", ".join(keys[:4]) + (f" and {len(keys) - 4} more" if len(keys) > 4 else "")
    return (f"departs from its published recipe in {shown} "
            "(python tools/check_recipe.py CONFIG --cfg-options ... shows each against its source)")


def audit(config_path: str, load=None) -> Tuple[dict, List[str]]:
    """(the resolved recipe, its problems) for a config file, from the recipes.yml that names it: its own folder's,
    or for a stable entry config at the top of configs/, the sub-folder's that lists it as ``../NAME``."""
    load = load or load_config
    folder, name = recipe_location(config_path)
    data = load_recipes(folder)
    recipe = resolve_recipe(data, name, folder=folder)
    cfg = load(config_path).to_dict()
    reference = load(package_config_path(recipe["reference"])).to_dict() if recipe["reference"] else None
    return recipe, check_recipe(cfg, recipe, all_sources(data, folder), reference)


def all_sources(data: dict, folder: str) -> dict:
    """The ``sources`` of a recipes file and of every file its entries inherit from."""
    sources = dict(data.get("sources") or {})
    for entry in data["recipes"].values():
        parent = (entry or {}).get("inherit") or ""
        if "#" in parent:
            other = os.path.normpath(os.path.join(folder, parent.split("#", 1)[0]))
            sources.update(load_recipes(os.path.dirname(other), os.path.basename(other)).get("sources") or {})
    return sources


def package_config_path(name: str) -> str:
    """``mmdet::fcos/x.py`` -> the file in the installed package (as mmengine's ``_base_ = 'mmdet::...'`` finds it)."""
    if "::" not in name:
        return name
    package, rel = name.split("::", 1)
    require_detection(f"the reference config {name}")
    return os.path.join(os.path.dirname(importlib.import_module(package).__file__), ".mim", "configs", rel)


def recipe_location(config_path: str) -> Tuple[str, str]:
    """(folder of the recipes.yml that names the config, the name it is listed under)."""
    config_path = os.path.abspath(config_path)
    folder, base = os.path.split(config_path)
    if os.path.exists(os.path.join(folder, RECIPES_FILE)) and base in load_recipes(folder)["recipes"]:
        return folder, base
    for sub in sorted(os.listdir(folder)):  # a stable entry config at the top of configs/
        candidate = os.path.join(folder, sub)
        if os.path.isfile(os.path.join(candidate, RECIPES_FILE)):
            if f"../{base}" in load_recipes(candidate)["recipes"]:
                return candidate, f"../{base}"
    raise ConfigError(f"{config_path}: no recipes.yml entry names this config (full-size configs have one)")


def _short(value) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def recipe_table(configs_root: str) -> str:
    """The README's recipe table (markdown), from every folder's metafile.yml and recipes.yml: config, published
    number and its source, the recipe's source, and every recorded difference (config key: ours vs the source's)."""
    rows = ["| config | published | recipe source | intentional differences (ours vs source) |", "|---|---|---|---|"]
    for metafile in sorted(glob.glob(os.path.join(configs_root, "*", "metafile.yml"))):
        folder = os.path.dirname(metafile)
        with open(metafile, encoding="utf-8") as f:
            index = yaml.safe_load(f)
        code = {c["Name"]: c["Code"]["URL"] for c in index["Collections"]}
        data = load_recipes(folder)
        for model in index["Models"]:
            config = model["Config"]
            name = os.path.relpath(os.path.join(os.path.dirname(configs_root), config), folder)
            recipe = resolve_recipe(data, name, folder=folder)
            if model["Results"]:
                published = "; ".join(f"{', '.join(f'{k} {v}' for k, v in r['Metrics'].items())} ({r['Source']})"
                                      for r in model["Results"])
            else:
                published = model["Published"]
            if model.get("Reference"):
                ref = model["Reference"]
                published += f"; R50 with this recipe ({ref['Config']}): " + ", ".join(
                    f"{k} {v}" for k, v in ref["Metrics"].items())
            source = recipe["source"] or recipe["reference"] or code[model["In Collection"]]
            shared = recipe["shared"] or {"keys": set()}
            diffs = []
            if shared["keys"]:
                shared_file = os.path.join(folder, shared["name"].split("#")[0])
                diffs.append(f"the TResNet swap (`{os.path.relpath(shared_file, os.path.dirname(configs_root))}`)")
            diffs += [f"`{k}`: {'(block)' if v.get('subtree') else _short(v.get('value'))} vs "
                      f"{_short(v.get('source_value'))}" for k, v in recipe["differences"].items()
                      if k not in shared["keys"]] + list(recipe["notes"])
            rows.append(f"| `{config}` | {published} | {source} | {'; '.join(diffs) or 'none'} |")
    return "\n".join(rows)
