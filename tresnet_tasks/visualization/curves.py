"""Training curves from mmengine's own scalar log: loss components and learning rate vs iteration, validation
metrics vs epoch (EMA and raw for the classification loop), for one run or several side by side.

The numbers come from ``<work_dir>/<timestamp>/vis_data/scalars.json``, the file mmengine's ``LoggerHook`` writes
through ``LocalVisBackend`` (one json object per logging interval or validation), so a plot shows exactly what the
log says. mmdet's ``analyze_logs.py plot_curve`` reads the same file but draws one key per call and knows nothing
of the EMA/raw pair; TensorBoard needs its own writer (``tools/train.py --tensorboard``).
"""
from __future__ import annotations

import glob
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

Series = Dict[str, Tuple[List[float], List[float]]]
# per-iteration bookkeeping, not curves anyone reads
_NOT_CURVES = {"epoch", "iter", "step", "time", "data_time", "base_lr", "memory", "grad_norm"}


def find_scalars(work_dir: str) -> Optional[str]:
    """The newest run's ``scalars.json`` under ``work_dir`` (None when the run has logged nothing yet)."""
    found = sorted(glob.glob(osp.join(work_dir, "*", "vis_data", "scalars.json")))
    return found[-1] if found else None


def read_scalars(path: str) -> Tuple[List[dict], List[dict]]:
    """(training records, validation records) of one scalars.json: training lines carry ``iter``; a resumed run
    appends to the same file, so a repeated step keeps its last value."""
    train: Dict[int, dict] = {}
    val: Dict[int, dict] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            rec = json.loads(line)
            (train if "iter" in rec else val)[int(rec["step"])] = rec
    return [train[k] for k in sorted(train)], [val[k] for k in sorted(val)]


def curves(train: List[dict], val: List[dict]) -> Dict[str, Series]:
    """The series every plot draws: ``losses`` and ``lr`` vs iteration, ``val`` metrics vs epoch."""
    out: Dict[str, Series] = {"losses": {}, "lr": {}, "val": {}}
    for rec in train:
        for key, value in rec.items():
            if key in _NOT_CURVES or not isinstance(value, (int, float)):
                continue
            group = "lr" if key == "lr" or key.endswith("_lr") else "losses" if "loss" in key else None
            if group:
                xs, ys = out[group].setdefault(key, ([], []))
                xs.append(float(rec["step"]))
                ys.append(float(value))
    for rec in val:
        for key, value in rec.items():
            if key in _NOT_CURVES or not isinstance(value, (int, float)) or value == -1.0:
                continue  # COCOeval reports -1 for an area range without objects
            xs, ys = out["val"].setdefault(key, ([], []))
            xs.append(float(rec["step"]))
            ys.append(float(value))
    return out


def main_metrics(val: Series) -> List[str]:
    """The validation keys worth a panel: mAP-like and top-1 first (3 of them; 2 with their raw twins when the
    loop also evaluated the raw weights)."""
    keys = [k for k in val if not k.endswith(("num_empty_classes", "_s", "_m", "_l"))]
    rank = sorted(keys, key=lambda k: (0 if ("mAP" in k or "top1" in k) else 1, k))
    limit = 2 if any(k.startswith("raw/") for k in keys) else 3
    picked = [k for k in rank if not k.startswith("raw/")][:limit]
    return picked + [f"raw/{k}" for k in picked if f"raw/{k}" in val]


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def plot_runs(runs: Sequence[Tuple[str, Dict[str, Series]]], out_png: str, title: str = "") -> str:
    """One figure, three panels (losses, learning rate, validation), one colour per run; returns the PNG path."""
    fig = _figure(15, 4.2)
    axes = fig.subplots(1, 3)
    styles = ["-", "--", ":", "-."]
    for r, (name, c) in enumerate(runs):
        prefix = f"{name}: " if len(runs) > 1 else ""
        for i, (key, (xs, ys)) in enumerate(sorted(c["losses"].items(), key=lambda kv: kv[0] != "loss")):
            axes[0].plot(xs, ys, styles[r % 4], color=f"C{i}", lw=2 if key == "loss" else 1, label=prefix + key)
        for i, (key, (xs, ys)) in enumerate(sorted(c["lr"].items())):
            axes[1].plot(xs, ys, styles[r % 4], color=f"C{r if len(runs) > 1 else i}", label=prefix + key)
        for i, key in enumerate(main_metrics(c["val"])):
            xs, ys = c["val"][key]
            raw = key.startswith("raw/")
            base = key[4:] if raw else key
            color = f"C{main_metrics(c['val']).index(base) if raw else i}"
            axes[2].plot(xs, ys, styles[(r + raw) % 4], marker="o", ms=3, color=color,
                         label=prefix + (f"{base} (raw)" if raw else f"{key} (EMA)" if f"raw/{key}" in c["val"]
                                         else key))
    for ax, (ttl, xl) in zip(axes, [("training loss", "iteration"), ("learning rate", "iteration"),
                                     ("validation", "epoch")]):
        ax.set_title(ttl)
        ax.set_xlabel(xl)
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
        else:
            ax.text(0.5, 0.5, "no data yet", ha="center", va="center", transform=ax.transAxes, color="gray")
    from matplotlib.ticker import MaxNLocator
    axes[2].xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs
    axes[0].set_ylabel("loss")
    axes[1].set_ylabel("lr")
    axes[1].ticklabel_format(axis="y", style="sci", scilimits=(-2, 2))
    if title:
        fig.suptitle(title)
    os.makedirs(osp.dirname(osp.abspath(out_png)), exist_ok=True)
    fig.savefig(out_png)
    return out_png


def plot_work_dir(work_dir: str, out_dir: Optional[str] = None, title: str = "") -> Optional[str]:
    """Draw ``<out_dir or work_dir/plots>/curves.png`` for the newest run of ``work_dir`` and save the plotted
    numbers next to it (``curves.json``); None when nothing is logged yet."""
    path = find_scalars(work_dir)
    if path is None:
        return None
    c = curves(*read_scalars(path))
    out_dir = out_dir or osp.join(work_dir, "plots")
    os.makedirs(out_dir, exist_ok=True)
    with open(osp.join(out_dir, "curves.json"), "w", encoding="utf-8") as f:
        json.dump({"source": path, **c}, f)
    return plot_runs([(osp.basename(osp.normpath(work_dir)), c)], osp.join(out_dir, "curves.png"), title)
