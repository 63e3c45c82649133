"""The docs site builds with ``mkdocs build --strict`` (mkdocs.yml: mkdocs-material, API pages by mkdocstrings), so
a broken link, a missing page or an unresolvable API reference fails the suite; and a broken link does fail it."""
import os
import shutil
import subprocess
import sys

import yaml

from tests.helpers import ROOT


def _build(config, site):
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    # no -q: mkdocs counts warnings only when they are logged, and -q silences them, so --strict would pass
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config),
                           "-d", str(site)], cwd=ROOT, env=env, capture_output=True, text=True)


def test_docs_build_strict(tmp_path):
    done = _build(os.path.join(ROOT, "mkdocs.yml"), tmp_path / "site")
    assert done.returncode == 0, done.stdout + done.stderr
    for page in ("index.html", "detection/index.html", "api/backbone/index.html"):
        assert (tmp_path / "site" / page).is_file()
    api = (tmp_path / "site" / "api" / "backbone" / "index.html").read_text(encoding="utf-8")
    assert "create_tresnet" in api  # the API page is rendered from the docstrings


def test_a_broken_link_fails_the_build(tmp_path):
    shutil.copytree(os.path.join(ROOT, "docs"), tmp_path / "docs")
    with open(os.path.join(ROOT, "mkdocs.yml"), encoding="utf-8") as f:
        cfg = yaml.safe_load(f)
    cfg["plugins"][1]["mkdocstrings"]["handlers"]["python"]["paths"] = [ROOT]  # the package, from the copy
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    assert _build(tmp_path / "mkdocs.yml", tmp_path / "site").returncode == 0  # the copy builds as the original
    page = tmp_path / "docs" / "transfer.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nSee [the old page](no-such-page.md).\n", encoding="utf-8")
    done = _build(tmp_path / "mkdocs.yml", tmp_path / "site2")
    assert done.returncode != 0
    assert "no-such-page.md" in done.stdout + done.stderr
