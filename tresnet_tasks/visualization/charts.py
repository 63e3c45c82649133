"""Charts of evaluations and benchmarks: sorted per-class bars, precision-recall curves, a confusion heat map,
ratio bars. Each function takes plain numbers (computed and saved as json by the caller) and writes one PNG.

matplotlib's object API with the Agg canvas (no pyplot state, no display needed, safe in worker processes).
"""
from __future__ import annotations

import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig, out_png: str) -> str:
    os.makedirs(osp.dirname(osp.abspath(out_png)), exist_ok=True)
    fig.savefig(out_png)
    return out_png


def sorted_bars(names: Sequence[str], values: Sequence[Optional[float]], out_png: str, title: str,
                xlabel: str, limit: int = 40) -> str:
    """Horizontal bars, best at the top; ``None`` values (no data) are listed as such. With more than ``limit``
    names, the best and worst ``limit // 2`` are drawn."""
    known = sorted(((v, n) for n, v in zip(names, values) if v is not None), reverse=True)
    missing = [n for n, v in zip(names, values) if v is None]
    if len(known) > limit:
        known = known[: limit // 2] + [(float("nan"), "...")] + known[-(limit // 2):]
    fig = _figure(8, 0.8 + 0.24 * max(len(known), 4))
    ax = fig.subplots()
    ys = np.arange(len(known))[::-1]
    vals = [0.0 if np.isnan(v) else v for v, _ in known]
    ax.barh(ys, vals, color=["C0" if not np.isnan(v) else "white" for v, _ in known])
    ax.set_yticks(ys, [n for _, n in known], fontsize=8)
    for y, (v, _) in zip(ys, known):
        if not np.isnan(v):
            ax.text(v, y, f" {v:.1f}", va="center", fontsize=7)
    ax.set_xlabel(xlabel)
    ax.set_title(title + (f"\n(no positives: {', '.join(missing[:8])}{'...' if len(missing) > 8 else ''})"
                          if missing else ""))
    ax.set_xlim(0, max([v for v in vals] + [1.0]) * 1.12)
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, out_png)


def pr_curves(curves: Dict[str, Tuple[np.ndarray, np.ndarray, float]], out_png: str, title: str) -> str:
    """Step precision-recall curves, one per entry ``name -> (precision, recall, AP)``."""
    fig = _figure(6.5, 5)
    ax = fig.subplots()
    for i, (name, (precision, recall, ap)) in enumerate(curves.items()):
        style = dict(lw=2.5, color="black") if name.startswith("micro") else dict(lw=1.2, color=f"C{i}")
        ax.step(np.r_[0, recall], np.r_[precision[0] if len(precision) else 1, precision], where="post",
                label=f"{name} (AP {ap:.1f})", **style)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1.01)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    ax.set_title(title)
    return _save(fig, out_png)


def confusion_heatmap(matrix: np.ndarray, names: Sequence[str], out_png: str, title: str,
                      top: int = 10) -> Tuple[str, List[Tuple[str, str, int]]]:
    """Row-normalised confusion matrix (true class per row) as a heat map; returns the PNG and the ``top`` most
    frequent confusions (true, predicted, count), listed under the map (what one reads for 196 Cars classes)."""
    matrix = np.asarray(matrix)
    n = len(names)
    rows = matrix.sum(1, keepdims=True)
    norm = np.divide(matrix, rows, out=np.zeros(matrix.shape, dtype=float), where=rows > 0)
    off = matrix.copy()
    np.fill_diagonal(off, 0)
    flat = np.argsort(-off, axis=None)[:top]
    confusions = [(names[i // n], names[i % n], int(off.flat[i])) for i in flat if off.flat[i] > 0]
    side = min(max(4.5, 0.35 * n + 2), 14)
    fig = _figure(side + 1.2, side + 0.2 * len(confusions) + 1.0)
    ax = fig.subplots()
    im = ax.imshow(norm, cmap="Blues", vmin=0, vmax=1, interpolation="nearest")
    if n <= 30:
        ax.set_xticks(range(n), names, rotation=90, fontsize=7)
        ax.set_yticks(range(n), names, fontsize=7)
        if n <= 12:
            for i in range(n):
                for j in range(n):
                    if matrix[i, j]:
                        ax.text(j, i, int(matrix[i, j]), ha="center", va="center", fontsize=7,
                                color="white" if norm[i, j] > 0.5 else "black")
    listing = "\n".join(f"{t} -> {p}: {c}" for t, p, c in confusions)
    ax.set_xlabel("predicted" + (f"\n\nmost frequent confusions (true -> predicted: images)\n{listing}"
                                 if confusions else ""), fontsize=9)
    ax.set_ylabel("true")
    fig.colorbar(im, ax=ax, shrink=0.7, label="fraction of the true class")
    ax.set_title(title)
    return _save(fig, out_png), confusions


def ratio_bars(labels: Sequence[str], columns: Dict[str, Sequence[Optional[float]]], out_png: str,
               title: str, baseline: str) -> str:
    """Grouped bars of ratio columns (1.0 = the baseline), one group per column, one bar per model."""
    fig = _figure(max(6, 1.6 * len(columns) + 2), 4.5)
    ax = fig.subplots()
    width = 0.8 / max(len(labels), 1)
    for i, label in enumerate(labels):
        vals = [columns[c][i] if columns[c][i] is not None else 0.0 for c in columns]
        xs = np.arange(len(columns)) + i * width - 0.4 + width / 2
        ax.bar(xs, vals, width, label=label, color=f"C{i}")
        for x, v in zip(xs, vals):
            if v:
                ax.text(x, v, f"{v:.2f}", ha="center", va="bottom", fontsize=7)
    ax.axhline(1.0, color="black", lw=1, ls="--")
    ax.set_xticks(range(len(columns)), list(columns), fontsize=8)
    ax.set_ylabel(f"ratio to {baseline}")
    ax.set_title(title)
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, out_png)


def sample_grid(images: Sequence[np.ndarray], captions: Sequence[str], out_png: str, title: str,
                columns: int = 4) -> str:
    """Images (H, W, 3 uint8) in a grid, each with its caption (labels) under it."""
    rows = max(1, -(-len(images) // columns))
    fig = _figure(3.2 * columns, 3.6 * rows + 0.6)
    axes = fig.subplots(rows, columns, squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, img, caption in zip(axes.ravel(), images, captions):
        ax.imshow(img)
        ax.set_title(caption, fontsize=7, wrap=True)
    fig.suptitle(title, fontsize=10)
    return _save(fig, out_png)
