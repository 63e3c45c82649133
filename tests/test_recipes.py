"""Every full-size config is its published recipe, as recorded in configs/<folder>/recipes.yml, and is listed with its
published number (or an explicit "none") in the folder's metafile.yml.

Truth: the recorded values themselves (each with its source: repo, file, commit or issue), and for detection the
loaded mmdet R50 config of the same family; ours: each config as mmengine loads it (tools/train.py's loader).
The checker is shown to catch a departure: a copy of a config with one recorded value changed fails.
"""
import glob
import os

import pytest
import yaml

from tests.helpers import ROOT, load_tool
from tresnet_tasks.cli.config import load_config
from tresnet_tasks.cli.recipes import (RECIPES_FILE, all_sources, audit, check_recipe, load_recipes,
                                      package_config_path, resolve_recipe)
from tresnet_tasks.errors import ConfigError

CONFIGS = os.path.join(ROOT, "configs")


def full_size_configs():
    """Every config a user runs at full size: all but the _base_ files and the reduced demo configs (-tiny)."""
    paths = glob.glob(os.path.join(CONFIGS, "*.py")) + glob.glob(os.path.join(CONFIGS, "*", "*.py"))
    return sorted(os.path.relpath(p, ROOT) for p in paths if "-tiny_" not in p and "_base_" not in p)


def _metafile_models():
    models = {}
    for path in glob.glob(os.path.join(CONFIGS, "*", "metafile.yml")):
        for model in yaml.safe_load(open(path, encoding="utf-8"))["Models"]:
            assert model["Config"] not in models, f"{model['Config']} listed twice"
            models[model["Config"]] = (path, model)
    return models


def _recipe_names():
    names = {}
    for path in glob.glob(os.path.join(CONFIGS, "*", RECIPES_FILE)):
        folder = os.path.dirname(path)
        for name in load_recipes(folder)["recipes"]:
            names[os.path.relpath(os.path.normpath(os.path.join(folder, name)), ROOT)] = folder
    return names


def test_every_full_size_config_has_a_metafile_entry_and_a_recipe():
    configs, models, recipes = set(full_size_configs()), _metafile_models(), _recipe_names()
    assert configs - set(models) == set(), "full-size configs missing from every metafile.yml"
    assert configs - set(recipes) == set(), "full-size configs without a recipes.yml entry"
    assert set(models) - configs == set() and set(recipes) - configs == set(), "entries for configs that do not exist"
    for config, (metafile, model) in models.items():
        collections = {c["Name"]: c for c in yaml.safe_load(open(metafile, encoding="utf-8"))["Collections"]}
        collection = collections[model["In Collection"]]
        assert collection["Paper"]["URL"].startswith("https://") and collection["Code"]["URL"].startswith("https://")
        if model["Results"]:
            for result in model["Results"]:
                assert result["Metrics"] and all(isinstance(v, (int, float)) for v in result["Metrics"].values())
                assert result["Source"].strip(), f"{config}: a published number without its source"
        else:
            assert model.get("Published", "").startswith("none"), f"{config}: no result and no explicit 'none'"


@pytest.mark.parametrize("config", full_size_configs())
def test_config_is_its_recorded_recipe(config):
    recipe, problems = audit(os.path.join(ROOT, config))
    assert problems == [], f"{config}:\n" + "\n".join(problems)
    assert recipe["settings"] or recipe["reference"], "a recipe that checks nothing"
    for spec in list(recipe["settings"].values()) + list(recipe["differences"].values()):
        assert "from" in spec or "reason" in spec


def _changed_copy(tmp_path, config, override):
    path = tmp_path / "changed.py"
    path.write_text(f"_base_ = [{os.path.join(ROOT, config)!r}]\n{override}\n")
    return load_config(str(path)).to_dict()


def _recipe_of(config):
    folder = os.path.join(ROOT, os.path.dirname(config))
    data = load_recipes(folder)
    return data, resolve_recipe(data, os.path.basename(config), folder=folder)


@pytest.mark.parametrize("config, override, key", [
    ("configs/multilabel/asl_tresnet-l_448px_coco.py", "train_cfg = dict(max_epochs=40)", "train_cfg.max_epochs"),
    ("configs/multilabel/asl_tresnet-l_448px_coco.py",
     "param_scheduler = [dict(type='OneCycleLR', eta_max=1e-4, pct_start=0.2, by_epoch=True, "
     "convert_to_iter_based=True, begin=0, end=40)]", "param_scheduler.types"),
    ("configs/multilabel/asl_tresnet-l_448px_voc2007.py", "train_cfg = dict(max_epochs=29)", "train_cfg.max_epochs"),
    ("configs/transfer/tresnet-l_368px_flowers102.py",
     "train_dataloader = dict(dataset=dict(pipeline=[dict(type='LoadImagePIL'), dict(type='SquishResize', size=368), "
     "dict(type='CutoutPIL', factor=0.5, prob=0.5), dict(type='MiilRandAugment'), dict(type='PackClsInputs')]))",
     "pipeline[type=CutoutPIL].prob"),
    # detection: a leaf that mmdet's R50 config does not have changed, no difference recorded for it
    ("configs/retinanet/retinanet_tresnet-m_fpn_1x_coco.py", "model = dict(bbox_head=dict(stacked_convs=2))",
     "model.bbox_head.stacked_convs"),
    ("configs/fcos/fcos_tresnet-m_fpn_gn-head_1x_coco.py", "model = dict(backbone=dict(frozen_stages=0))",
     "model.backbone.frozen_stages"),
])
def test_a_copy_with_one_recorded_value_changed_fails(tmp_path, config, override, key):
    data, recipe = _recipe_of(config)
    folder = os.path.join(ROOT, os.path.dirname(config))
    sources = all_sources(data, folder)
    reference = load_config(package_config_path(recipe["reference"])).to_dict() if recipe["reference"] else None
    assert check_recipe(load_config(os.path.join(ROOT, config)).to_dict(), recipe, sources, reference) == []
    problems = check_recipe(_changed_copy(tmp_path, config, override), recipe, sources, reference)
    assert any(key in p for p in problems), problems


def test_recorded_differences_must_differ_and_say_why():
    recipe = {"settings": {}, "differences": {"a.b": {"value": 1, "source_value": 1, "reason": ""}},
              "notes": [], "reference": None}
    problems = check_recipe({"a": {"b": 1}}, recipe, {})
    assert any("without a reason" in p for p in problems)
    assert any("equal to the source's value" in p for p in problems)


def test_check_recipe_tool_exit_codes(tmp_path, capsys):
    tool = load_tool("tools/check_recipe.py")
    assert tool.main(["configs/multilabel/asl_tresnet-l_448px_coco.py"]) == 0
    assert "OK: the config is its recipe" in capsys.readouterr().out
    assert tool.main(["configs/multilabel/asl_tresnet-l_448px_coco.py", "--cfg-options",
                      "train_cfg.max_epochs=40"]) == 1
    out = capsys.readouterr().out
    assert "! train_cfg.max_epochs = 40, but the source (asl_train) has 41" in out
    with pytest.raises(SystemExit) as exc:
        tool.main([os.path.join(ROOT, "configs/multilabel/asl_tresnet-m-tiny_128px_shapes.py")])
    assert exc.value.code == 2 and "no recipes.yml entry names this config" in capsys.readouterr().err


def test_unreadable_recipes_file_is_one_line(tmp_path):
    (tmp_path / RECIPES_FILE).write_text("recipes: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_recipes(str(tmp_path))


def test_readme_recipe_table_is_the_generated_one():
    """The recipe table of docs/recipes.md is `tools/check_recipe.py --table` (data, not hand-kept text)."""
    from tresnet_tasks.cli.recipes import recipe_table
    text = open(os.path.join(ROOT, "docs", "recipes.md"), encoding="utf-8").read()
    block = text.split("<!-- recipe-table:start -->\n", 1)[1].split("<!-- recipe-table:end -->", 1)[0]
    assert block.strip() == recipe_table(CONFIGS).strip(), "re-run: python tools/check_recipe.py --table"


def test_detection_reference_numbers_are_mmdets_own():
    """Each detection config's `Reference` (mmdet's R50 with the same recipe) is the number in the installed mmdet's
    metafile for that config."""
    import mmdet
    checked = 0
    for config, (_, model) in _metafile_models().items():
        ref = model.get("Reference")
        if not ref:
            continue
        family, name = ref["Config"].split("::", 1)[1].split("/")
        index = yaml.safe_load(open(os.path.join(os.path.dirname(mmdet.__file__), ".mim", "configs", family,
                                                 "metafile.yml"), encoding="utf-8"))
        theirs = {k: v for m in index["Models"] if m["Name"] == name[:-3] for r in m["Results"]
                  for k, v in r["Metrics"].items()}
        assert theirs and all(theirs[k] == v for k, v in ref["Metrics"].items()), config
        checked += 1
    assert checked >= 16


def test_train_tool_says_whether_the_run_is_its_published_recipe(tmp_path, capsys):
    """What a user sees at the start of a full-size run: one line, as published or which settings depart."""
    tool = load_tool("tools/train.py")
    config = "configs/multilabel/asl_tresnet-l_448px_coco.py"
    tool.build_cfg(tool.parse_args([config, "--work-dir", str(tmp_path)]))
    assert "train: recipe: as its published recipe (37 settings checked" in capsys.readouterr().err
    tool.build_cfg(tool.parse_args([config, "--work-dir", str(tmp_path), "--cfg-options", "train_cfg.max_epochs=40"]))
    err = capsys.readouterr().err
    assert "train: recipe: departs from its published recipe in train_cfg.max_epochs (" in err
    tool.build_cfg(tool.parse_args(["configs/multilabel/asl_tresnet-m-tiny_128px_shapes.py", "--work-dir",
                                    str(tmp_path)]))
    assert "recipe" not in capsys.readouterr().err  # demo configs have none
