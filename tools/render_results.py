"""Render the measured figures in results/*.json into the docs pages' tables.

A page holds a table as

    <!-- results:benchmark_2026-12-02_classification_epyc-zen4 -->
    (generated: the caption line and the table)
    <!-- /results -->

and this tool rewrites what is between the markers from ``results/<name>.json`` (the benchmark tool's ``--json``
output, or a file in the same form: what, date, commit, command, machine, versions, rows). A new measurement:

    python tools/benchmark.py ... --json results/benchmark_<date>_<what>_<machine>.json
    (add the marker pair to a docs page)
    python tools/render_results.py

``--check`` changes nothing and exits 1 when a page is out of date with its data or a benchmark result is on no
page (the test suite runs it).
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import re
import sys
from typing import Dict, List

from tresnet_tasks.benchmark.report import render

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARKER = re.compile(r"(<!-- results:(?P<name>[\w.-]+) -->\n)(?P<body>.*?)(<!-- /results -->)", re.S)


def caption(result: Dict) -> str:
    """One line naming what was measured, where, when and with which command."""
    versions = ", ".join(f"{k} {v}" for k, v in sorted((result.get("versions") or {}).items()))
    source = f" {result['source']}." if result.get("source") else ""
    return (f"*{result['what']}. Machine: {result['machine']}. {result['date']}, commit {result.get('commit', '?')}"
            f"{', ' + versions if versions else ''}; baseline {result['baseline']}. Command: `{result['command']}`."
            f"{source} Data: `results/{result['name']}.json`.*")


def render_result(result: Dict) -> str:
    return caption(result) + "\n\n" + render(result["rows"], result.get("columns")) + "\n"


def load_results(folder: str) -> Dict[str, Dict]:
    out = {}
    for path in sorted(glob.glob(os.path.join(folder, "benchmark_*.json"))):
        name = os.path.splitext(os.path.basename(path))[0]
        with open(path, encoding="utf-8") as f:
            out[name] = dict(json.load(f), name=name)
    return out


def render_pages(pages: List[str], results: Dict[str, Dict]) -> Dict[str, str]:
    """Each page's new text; a marker naming no results file is an error."""
    out = {}
    for page in pages:
        text = open(page, encoding="utf-8").read()

        def fill(m):
            if m.group("name") not in results:
                raise SystemExit(f"render_results: error: {page} names results/{m.group('name')}.json, "
                                 "which does not exist")
            return m.group(1) + render_result(results[m.group("name")]) + m.group(4)

        out[page] = MARKER.sub(fill, text)
    return out


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--results", default=os.path.join(ROOT, "results"), help="the results/*.json folder")
    p.add_argument("--docs", default=os.path.join(ROOT, "docs"), help="the pages to render into")
    p.add_argument("--check", action="store_true", help="change nothing; exit 1 if a page is out of date")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    results = load_results(args.results)
    pages = sorted(glob.glob(os.path.join(args.docs, "**", "*.md"), recursive=True))
    new = render_pages(pages, results)
    stale = [page for page, text in new.items() if text != open(page, encoding="utf-8").read()]
    shown = {m.group("name") for text in new.values() for m in MARKER.finditer(text)}
    unplaced = sorted(set(results) - shown)
    if args.check:
        for page in stale:
            print(f"render_results: {os.path.relpath(page, ROOT)} is out of date with results/: "
                  "run python tools/render_results.py")
        for name in unplaced:
            print(f"render_results: results/{name}.json is on no docs page: add <!-- results:{name} --> "
                  "<!-- /results --> where it belongs")
        return 1 if stale or unplaced else 0
    for page in stale:
        with open(page, "w", encoding="utf-8") as f:
            f.write(new[page])
        print(f"render_results: wrote {os.path.relpath(page, ROOT)}")
    for name in unplaced:
        print(f"render_results: results/{name}.json is on no docs page (add its marker pair)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
