"""Measured figures are data: every table of benchmark figures in docs/ is rendered from results/*.json by
tools/render_results.py, and no results file sits on no page. Truth: the JSON files themselves, read here, and the
table cells parsed back out of the page."""
import glob
import json
import os
import re
import shutil

from tests.helpers import ROOT, load_tool, run_tool_in_process

RESULTS = sorted(glob.glob(os.path.join(ROOT, "results", "benchmark_*.json")))


def test_docs_tables_are_the_results_files():
    proc = run_tool_in_process("tools/render_results.py", "--check")
    assert proc.returncode == 0, proc.output
    assert RESULTS, "no benchmark results in results/"
    pages = "".join(open(p, encoding="utf-8").read() for p in glob.glob(os.path.join(ROOT, "docs", "**", "*.md"),
                                                                         recursive=True))
    for path in RESULTS:
        data = json.load(open(path, encoding="utf-8"))
        assert {"what", "date", "machine", "command", "rows"} <= set(data), path
        name = os.path.splitext(os.path.basename(path))[0]
        block = pages.split(f"<!-- results:{name} -->", 1)[1].split("<!-- /results -->", 1)[0]
        assert data["machine"] in block and data["command"] in block and data["date"] in block
        table = [line for line in block.splitlines() if line.startswith("| ") and "---" not in line][1:]
        assert len(table) == len(data["rows"])
        for line, row in zip(table, data["rows"]):
            shown = [float(c) for c in re.findall(r"\| (-?\d+\.\d+)(?= \|)", line)]
            want = [row[k] for k in data.get("columns") or [] if k in row]
            assert all(any(abs(s - w) <= 0.006 * max(1.0, abs(w)) for s in shown) for w in want), (line, row)


def test_a_changed_result_makes_its_page_stale_and_rendering_fixes_it(tmp_path):
    shutil.copytree(os.path.join(ROOT, "docs"), tmp_path / "docs")
    shutil.copytree(os.path.join(ROOT, "results"), tmp_path / "results")
    victim = tmp_path / "results" / os.path.basename(RESULTS[0])
    data = json.loads(victim.read_text())
    data["rows"][0][data["columns"][0]] = 12345.6
    victim.write_text(json.dumps(data))
    args = ["tools/render_results.py", "--docs", str(tmp_path / "docs"), "--results", str(tmp_path / "results")]
    stale = run_tool_in_process(*args, "--check")
    assert stale.returncode == 1 and "is out of date with results/" in stale.output
    assert run_tool_in_process(*args).returncode == 0
    assert run_tool_in_process(*args, "--check").returncode == 0
    assert "12345.6" in "".join(p.read_text() for p in (tmp_path / "docs").rglob("*.md"))
    (tmp_path / "results" / "benchmark_new.json").write_text(victim.read_text())
    unplaced = run_tool_in_process(*args, "--check")
    assert unplaced.returncode == 1 and "benchmark_new.json is on no docs page" in unplaced.output


def test_the_benchmark_tools_json_is_a_results_file(tmp_path):
    """What tools/benchmark.py --json writes renders as it is (its provenance fields included)."""
    out = tmp_path / "b.json"
    proc = run_tool_in_process("tools/benchmark.py", "--models", "ours:tresnet_m:bn", "timm:tresnet_m",
                               "--baseline", "timm:tresnet_m", "--size", "32", "--batch", "1", "--warmup", "0",
                               "--repeats", "1", "--no-train", "--same-process", "--json", str(out))
    assert proc.returncode == 0, proc.output
    data = dict(json.loads(out.read_text()), name="b")
    assert data["command"].startswith("python tools/benchmark.py --models ours:tresnet_m:bn")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", data["date"]) and data["versions"]["torch"] and data["machine"]
    rendered = load_tool("tools/render_results.py").render_result(data)
    assert "| ours:tresnet_m:bn |" in rendered and data["machine"] in rendered
