"""The command lines of the README and of every docs page work as written: every ``python tools/...`` line in their
code blocks is parsed by that tool's own argument parser, every config it names loads with its ``--cfg-options``,
every file it names in ``configs/``, ``tools/``, ``scripts/`` or ``docs/`` exists; the lines that need nothing but this
machine are run for real.

Lines that train or evaluate on the real datasets (``/data/coco`` ...) or need a GPU stop there: the data and the
published checkpoints are not on this machine. What those commands do is covered by the tests of each tool on
generated data in the same formats.
"""
import glob
import json
import os
import re
import shlex

import pytest

from tests.helpers import ROOT, load_tool, run_tool
from tresnet_tasks.cli.config import load_config

PLACEHOLDERS = {"CONFIG": "configs/fcos/fcos_tresnet-m-tiny_fpn_gn-head_1x_shapes.py"}


README = os.path.join(ROOT, "README.md")
DOCS = [README] + sorted(glob.glob(os.path.join(ROOT, "docs", "**", "*.md"), recursive=True))


def _text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def readme_commands(paths=DOCS):
    """Shell lines of the fenced code blocks of the README and docs pages (continuations joined, comments dropped)."""
    lines = []
    for path in paths:
        inside, current = False, ""
        for raw in _text(path).splitlines():
            if raw.strip().startswith("```"):
                inside = not inside
                continue
            if not inside:
                continue
            current = f"{current} {raw.strip()}" if current else raw.strip()
            if current.endswith("\\"):
                current = current[:-1]
                continue
            line = re.sub(r"\s#.*$", "", current).strip()
            current = ""
            if line and not line.startswith("#"):
                lines.append(line)
    return lines


def tool_lines():
    """(tool, argv) of every ``python tools/X.py ...`` line; ``[optional]`` parts dropped, env assignments kept out."""
    out = []
    for line in readme_commands():
        m = re.search(r"python (tools/\w+\.py)(.*)$", line)
        if m:
            args = m.group(2)
            while re.search(r"\[[^\[\]]*\]", args):  # innermost first: [--resume [CKPT]]
                args = re.sub(r"\[[^\[\]]*\]", " ", args)
            out.append((m.group(1), [PLACEHOLDERS.get(a, a) for a in shlex.split(args)]))
    return out


def test_readme_has_the_two_commands_and_a_line_for_each_tool():
    lines = readme_commands([README])
    assert any(line.startswith("make demo") for line in lines) and any(line.startswith("make test") for line in lines)
    tools = {tool for tool, _ in tool_lines()}
    assert {"tools/train.py", "tools/test.py", "tools/infer.py", "tools/benchmark.py",
            "tools/fetch_weights.py", "tools/check_gpu.py", "tools/export_onnx.py"} <= tools


def test_readme_is_a_front_door():
    """At most 200 lines; everything else lives in a docs page the README links to."""
    text = _text(README)
    assert len(text.splitlines()) <= 200
    linked = set(re.findall(r"\]\((docs/[\w/-]+\.md)", text))
    pages = {os.path.relpath(p, ROOT) for p in DOCS[1:] if "/api/" not in p}
    assert pages <= linked, f"docs pages the README does not link to: {sorted(pages - linked)}"


@pytest.mark.parametrize("tool,argv", tool_lines(), ids=[" ".join([t] + a)[:90] for t, a in tool_lines()])
def test_readme_tool_line_parses_and_its_configs_load(tool, argv):
    args = load_tool(tool).parse_args(argv)
    # benchmark specs: CONFIG[@norm][::cl]
    configs = [re.split(r"[@:]", a)[0] for a in argv if a.startswith("configs/")]
    for path in configs:
        assert os.path.isfile(os.path.join(ROOT, path)), f"{path} named in the README does not exist"
    options = getattr(args, "cfg_options", None) or {}
    for path in configs:
        cfg = load_config(os.path.join(ROOT, path), dict(options))
        assert cfg.model.get("type")


@pytest.mark.parametrize("page", DOCS, ids=lambda p: os.path.relpath(p, ROOT))
def test_readme_files_exist(page):
    """Every configs/, tools/, scripts/ and docs/ path a page names anywhere (prose included) exists."""
    named = set(re.findall(r"\b((?:configs|tools|scripts|docs)/[\w./-]+\.(?:py|sh|md|c|png|yml))", _text(page)))
    missing = sorted(p for p in named if not os.path.exists(os.path.join(ROOT, p)))
    assert not missing, f"{os.path.relpath(page, ROOT)} names files that do not exist: {missing}"


def test_readme_lines_runnable_here_run(tmp_path):
    """The lines that need no dataset, GPU or network: listing the published weights, making the demo data (into a
    temporary folder rather than ./data). `make demo` itself runs in tests/engine/test_console_and_plots.py."""
    out = run_tool("tools/fetch_weights.py", "--list", env={"HF_HUB_OFFLINE": "1"}).output
    assert "tresnet_m.miil_in1k" in out and "tresnet_l.miil_in1k_448" in out
    run_tool("tools/make_demo_data.py", "--root", str(tmp_path))
    assert (tmp_path / "shapes_coco" / "annotations" / "instances_val2017.json").is_file()
    assert (tmp_path / "shapes_multilabel" / "annotations" / "instances_train2017.json").is_file()
    masks = json.loads((tmp_path / "shapes_coco_masks" / "annotations" / "instances_val2017.json").read_text())
    assert all(ann["segmentation"] for ann in masks["annotations"])  # Mask R-CNN's demo data
    assert (tmp_path / "cifar_shapes" / "cifar-10-batches-py" / "test_batch").is_file()


def test_readme_bad_input_table_names_tests_that_exist():
    """The bad-input table's last column (docs/security.md) names test files (tests/<folder>/<file>); they exist."""
    text = _text(os.path.join(ROOT, "docs", "security.md"))
    rows = [line for line in text.splitlines() if line.startswith("| ") and line.rstrip().endswith("|")]
    names = {n for row in rows for n in re.findall(r"\b((?:\w+/)?test_\w+)\b", row.split("|")[-2])}
    assert len(names) >= 5
    for name in names:
        assert os.path.isfile(os.path.join(ROOT, "tests", name + ".py")), f"README names a missing test: {name}"
