"""Show a full-size config's recipe, setting by setting, against its published source (configs/<folder>/recipes.yml).

    python tools/check_recipe.py configs/multilabel/asl_tresnet-l_448px_coco.py [--cfg-options KEY=VALUE ...]
    python tools/check_recipe.py --all
    python tools/check_recipe.py --table      # the README's recipe table, from the metafiles and recipes.yml

Each line: the setting, the config's value, the source's value and where it comes from; recorded differences with
their reason; then what does not match. Exit code 1 when the config departs from its source without a recorded
reason (what tests/test_recipes.py checks for every full-size config), 0 otherwise. ``--cfg-options`` shows what
an override would change against the recipe.
"""
from __future__ import annotations

import argparse
import glob
import os
import sys

from mmengine.config import DictAction

from tresnet_tasks.cli.args import clear_errors
from tresnet_tasks.cli.config import load_config
from tresnet_tasks.cli.recipes import RECIPES_FILE, all_sources, audit, load_recipes, recipe_location, recipe_table

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", nargs="?", help="a full-size config")
    p.add_argument("--all", action="store_true", help="check every config that has a recipe entry")
    p.add_argument("--table", action="store_true", help="print the recipe table of every full-size config (markdown)")
    p.add_argument("--cfg-options", nargs="+", action=DictAction, help="overrides, as in tools/train.py")
    args = p.parse_args(argv)
    if not args.config and not args.all and not args.table:
        p.error("give a CONFIG, --all or --table")
    return args


def all_recipe_configs():
    for recipes in sorted(glob.glob(os.path.join(ROOT, "configs", "*", RECIPES_FILE))):
        folder = os.path.dirname(recipes)
        for name in load_recipes(folder)["recipes"]:
            yield os.path.normpath(os.path.join(folder, name))


def _fmt(value) -> str:
    text = "(default)" if value is None else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def show(path: str, options=None) -> int:
    def load(p):
        cfg = load_config(p)
        if options and os.path.abspath(p) == os.path.abspath(path):
            cfg.merge_from_dict(options)
        return cfg
    recipe, problems = audit(path, load=load)
    print(f"{os.path.relpath(path, ROOT)}")
    for key, spec in recipe["settings"].items():
        where = f": {spec['where']}" if spec.get("where") else ""
        value = "(the default)" if spec.get("absent") else _fmt(spec.get("value"))
        print(f"  = {key}: {value}  [{spec.get('from')}{where}]")
    for key, spec in recipe["differences"].items():
        ours = "(the whole block)" if spec.get("subtree") else _fmt(spec.get("value"))
        print(f"  ~ {key}: {ours} (source: {spec.get('source_value')!r}) - {spec.get('reason')}")
    for note in recipe["notes"]:
        print(f"  ~ {note}")
    if recipe["reference"]:
        print(f"  every other key equals {recipe['reference']}")
    folder, _ = recipe_location(path)
    sources = all_sources(load_recipes(folder), folder)
    for name in dict.fromkeys(spec.get("from") for spec in recipe["settings"].values()):
        print(f"  [{name}] {sources.get(name, '(not listed)')}")
    for line in problems:
        print(f"  ! {line}")
    print(f"  {'OK: the config is its recipe' if not problems else f'{len(problems)} problem(s)'}")
    return 1 if problems else 0


def main(argv=None) -> int:
    args = parse_args(argv)
    with clear_errors("check_recipe"):
        if args.table:
            print(recipe_table(os.path.join(ROOT, "configs")))
            return 0
        paths = list(all_recipe_configs()) if args.all else [args.config]
        return max(show(p, args.cfg_options) for p in paths)


if __name__ == "__main__":
    sys.exit(main())
