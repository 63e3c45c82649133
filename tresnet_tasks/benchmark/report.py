"""The benchmark's columns, defined once: the table, the ratios to the baseline row and the chart all read them."""
from __future__ import annotations

from typing import Dict, List, NamedTuple, Optional, Sequence

from ..visualization.charts import ratio_bars


class Column(NamedTuple):
    key: str
    label: str
    chart: Optional[str] = None  # drawn in the ratio chart under this name (speed and memory columns)


COLUMNS = [
    Column("gflop_per_img", "GFLOP/img"),
    Column("backbone_gflop_per_img", "backbone GFLOP/img"),
    Column("infer_img_s", "infer img/s", "inference img/s"),
    Column("infer_gflop_s", "infer GFLOP/s"),
    Column("backbone_ms_per_img", "backbone ms"),
    Column("neck_ms_per_img", "neck ms"),
    Column("head_ms_per_img", "head+post ms"),
    Column("train_gflop_per_img", "train GFLOP/img"),
    Column("train_img_s", "train img/s", "training img/s"),
    Column("train_gflop_s", "train GFLOP/s"),
    Column("backbone_saved_MB_per_img", "backbone saved MB/img", "backbone saved MB/img"),
    Column("saved_MB_per_img", "saved MB/img", "saved MB/img"),
    Column("step_peak_MB", "step peak MB", "step peak MB"),
    Column("peak_rss_MB", "peak RSS MB"),
    Column("peak_alloc_MB", "peak alloc MB", "peak alloc MB"),
    Column("max_batch", "max batch", "max batch"),
]


def add_rates(rows: List[Dict]) -> None:
    """Achieved GFLOP/s (how close each network runs to the machine's peak) where speed and FLOPs were measured."""
    for row in rows:
        for phase in ("infer", "train"):
            img_s, flop = row.get(f"{phase}_img_s"), row.get("gflop_per_img" if phase == "infer"
                                                                else "train_gflop_per_img")
            if img_s and flop:
                row[f"{phase}_gflop_s"] = img_s * flop


def add_ratios(rows: List[Dict], baseline: str) -> None:
    """``<key>_ratio`` = value / the baseline row's value, for every column both rows have."""
    base = next((r for r in rows if r["model"] == baseline), None)
    if base is None:
        return
    for r in rows:
        for col in COLUMNS:
            if r.get(col.key) is not None and base.get(col.key):
                r[f"{col.key}_ratio"] = r[col.key] / base[col.key]


def _value(v: float) -> str:
    return f"{v:.3f}" if abs(v) < 1 else f"{v:.2f}" if abs(v) < 10 else f"{v:.1f}"  # detection: < 1 img/s


def render(rows: List[Dict], columns: Optional[Sequence[str]] = None) -> str:
    """A markdown table: value and ratio per column (``columns``: the keys to show, in this order; default: every
    column some row has). A row's ``label`` is shown in place of its spec, and a ``machine`` column leads where
    rows carry one (results/*.json rendered into the docs by tools/render_results.py)."""
    by_key = {c.key: c for c in COLUMNS}
    cols = ([by_key[k] for k in columns] if columns else
            [c for c in COLUMNS if any(r.get(c.key) is not None for r in rows)])
    lead = ["machine"] if any("machine" in r for r in rows) else []
    lines = ["| " + " | ".join(lead + ["model"] + [f"{c.label} | ratio" for c in cols]) + " |",
             "|" + "---|" * (len(lead) + 1 + 2 * len(cols))]
    for r in rows:
        cells = [str(r.get(k, "")) for k in lead] + [r.get("label", r["model"])]
        for c in cols:
            v, ratio = r.get(c.key), r.get(f"{c.key}_ratio")
            cells += ["-" if v is None else _value(v), "-" if ratio is None else f"{ratio:.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot_ratios(rows: List[Dict], baseline: str, out_png: str, setting: str) -> str:
    """The speed and memory ratio columns as grouped bars (higher is better for speed, lower for memory)."""
    columns = {c.chart: [r.get(f"{c.key}_ratio") for r in rows] for c in COLUMNS
               if c.chart and any(r.get(f"{c.key}_ratio") is not None for r in rows)}
    return ratio_bars([r["model"] for r in rows], columns, out_png, f"ratio to {baseline} ({setting})", baseline)
