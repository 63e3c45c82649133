"""Classification metrics, registered in mmengine's METRICS.

Multi-label: mAP (non-interpolated AP per class, averaged) and CP/CR/CF1/OP/OR/OF1 at a threshold.

AP of one class = sum over distinct score thresholds of (recall step) x (precision there): the mean of the
precision at each positive's rank when scores are distinct. Tied scores form one threshold (as scikit-learn's
``average_precision_score``), so the result does not depend on the order of ties. A class with no positive in the
ground truth has no defined AP: it is left out of the mean by default (as torchmetrics; ``empty_class='zero'``
counts it as 0, as the ASL code does), and the number of such classes is reported.

Single-label: top-1 / top-5 accuracy, per-class accuracy and the confusion matrix (JSON).

Written here rather than taken from mmpretrain (not in this stack: it pins its own mmcv range) or torchmetrics (one
more dependency for a few numpy lines); the tests check them against scikit-learn.
"""
from __future__ import annotations

import json
import os
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmengine.registry import METRICS

from ..visualization.charts import confusion_heatmap, pr_curves, sorted_bars
from ..errors import ConfigError
from .targets import dense_targets, sparse_from_dense

compact_target = sparse_from_dense  # the name of earlier releases


def precision_recall(scores: np.ndarray, targets: np.ndarray) -> Tuple[np.ndarray, np.ndarray, int]:
    """Precision and recall at each distinct score threshold (descending; tied scores are one threshold, as
    scikit-learn's), and the number of positives."""
    targets = np.asarray(targets).astype(bool)
    order = np.argsort(-scores, kind="mergesort")
    s, t = scores[order], targets[order]
    tp = np.cumsum(t)
    last = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]  # the last index of each group of equal scores
    n_pos = int(targets.sum())
    return tp[last] / (last + 1), tp[last] / max(n_pos, 1), n_pos


def average_precision(scores: np.ndarray, targets: np.ndarray) -> float:
    """Non-interpolated AP of one class; NaN when there is no positive."""
    precision, recall, n_pos = precision_recall(scores, targets)
    if n_pos == 0:
        return float("nan")
    return float((np.diff(np.r_[0, recall]) * precision).sum())


NEVER = 1.000001  # a threshold no probability reaches: the class is never predicted


def fit_thresholds(scores: np.ndarray, targets: np.ndarray, min_precision: Optional[float] = None) -> np.ndarray:
    """One threshold per class on the split given (a class is predicted when its score >= its threshold), over
    the known entries: the F1-optimal one (ties: the higher threshold), or with ``min_precision`` the lowest
    threshold whose precision reaches it (the most recall at that precision). A class without a positive, or
    that never reaches ``min_precision``, gets :data:`NEVER`."""
    scores, targets = np.asarray(scores, dtype=np.float64), np.asarray(targets)
    out = np.full(scores.shape[1], NEVER)
    for c in range(scores.shape[1]):
        known = targets[:, c] >= 0
        s, t = scores[known, c], targets[known, c] > 0.5
        if not t.any():
            continue
        precision, recall, _ = precision_recall(s, t)
        values = np.sort(s)[::-1]
        values = values[np.r_[np.nonzero(np.diff(values))[0], len(values) - 1]]  # each distinct threshold
        if min_precision is None:
            f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros_like(precision),
                           where=precision + recall > 0)
            out[c] = values[int(np.argmax(f1))]
        else:
            reach = np.nonzero(precision >= min_precision)[0]
            if reach.size:
                out[c] = values[reach[-1]]
    return out


def multilabel_metrics(scores: np.ndarray, targets: np.ndarray, threshold=0.5,
                       empty_class: str = "exclude", chunk: int = 256) -> Dict[str, object]:
    """All metrics (x100) plus per-class AP. ``scores``: (N, C) probabilities (any float dtype; float16 keeps
    Open Images-sized sets in memory); ``targets``: (N, C), 1 positive, 0 negative, -1 unknown; ``threshold``:
    one for every class, or one per class (:func:`fit_thresholds`).

    Only known entries count, per class for AP and overall for CP/CR/OP/OR. When some entry is unknown (partial
    labels), a class without a known positive or without a known negative has no meaningful AP and is left out
    (the partial-label mAP of CSL); when every entry is known, a class without positives is left out
    (``empty_class='exclude'``, as torchmetrics) or counted as 0 (``'zero'``, as the ASL code): today's mAP.
    ``mAP_weighted`` weights each class's AP by its number of known positives. Columns are processed ``chunk``
    classes at a time in float64.
    """
    scores, targets = np.asarray(scores), np.asarray(targets)
    if scores.shape != targets.shape or scores.ndim != 2:
        raise ConfigError(f"scores {scores.shape} and targets {targets.shape} must be the same (N, C): does the "
                          "model's num_classes match the dataset's classes?")
    if empty_class not in ("exclude", "zero"):
        raise ConfigError(f"empty_class must be 'exclude' or 'zero', got {empty_class!r}")
    c = scores.shape[1]
    thresholds = np.broadcast_to(np.asarray(threshold, dtype=np.float64), (c,))
    partial = bool((targets < 0).any())
    ap = np.full(c, np.nan)
    n_pos, n_neg = np.zeros(c, np.int64), np.zeros(c, np.int64)
    tp, n_pred = np.zeros(c), np.zeros(c)
    for start in range(0, c, chunk):
        s_chunk = np.ascontiguousarray(scores[:, start:start + chunk].T, dtype=np.float64)
        t_chunk = np.ascontiguousarray(targets[:, start:start + chunk].T)
        for k in range(s_chunk.shape[0]):
            sk, tk = s_chunk[k], t_chunk[k]
            if partial:
                known = tk >= 0
                sk, tk = sk[known], tk[known]
            tk = tk > 0.5
            cls = start + k
            n_pos[cls] = int(tk.sum())
            n_neg[cls] = len(tk) - n_pos[cls]
            if n_pos[cls] and (n_neg[cls] or not partial):
                ap[cls] = average_precision(sk, tk)
            pred = sk >= thresholds[cls]
            tp[cls], n_pred[cls] = float((pred & tk).sum()), float(pred.sum())
    scored = ~np.isnan(ap)
    left_out = np.nonzero(~scored)[0]
    valid_ap = np.where(scored, ap, 0.0) if (empty_class == "zero" and not partial) else ap[scored]
    n_true = n_pos.astype(np.float64)
    # per-class precision is 0 for a class never predicted; recall is averaged over classes with positives
    cp = float(np.mean(np.divide(tp, n_pred, out=np.zeros_like(tp), where=n_pred > 0)))
    cr = float(np.mean((tp / np.maximum(n_true, 1))[n_true > 0])) if (n_true > 0).any() else 0.0
    op = float(tp.sum() / n_pred.sum()) if n_pred.sum() > 0 else 0.0
    orc = float(tp.sum() / n_true.sum()) if n_true.sum() > 0 else 0.0

    def f1(p, r):
        return 2 * p * r / (p + r) if p + r > 0 else 0.0

    weighted = float((ap[scored] * n_pos[scored]).sum() / n_pos[scored].sum()) if scored.any() else 0.0
    return {"mAP": 100 * float(valid_ap.mean()) if valid_ap.size else 0.0,
            "mAP_weighted": 100 * weighted,
            "CP": 100 * cp, "CR": 100 * cr, "CF1": 100 * f1(cp, cr),
            "OP": 100 * op, "OR": 100 * orc, "OF1": 100 * f1(op, orc),
            "num_empty_classes": int(len(left_out)),
            "left_out_classes": [int(i) for i in left_out],
            "partial": partial,
            "per_class_AP": [None if np.isnan(a) else 100 * float(a) for a in ap]}


@METRICS.register_module()
class MultiLabelMetric(BaseMetric):
    """mAP + CP/CR/CF1/OP/OR/OF1 over the whole (gathered) evaluation set.

    Targets may hold unknown labels (-1, partial annotations): only known entries count (see
    :func:`multilabel_metrics`), and the classes left out are named in the log. Per-class AP is printed in the log
    and, with ``outfile_prefix``, written to ``<prefix>.per_class_ap.json``.

    Args:
        threshold: score above which a label counts as predicted (CP/CR/CF1/OP/OR/OF1).
        empty_class: ``exclude`` classes without positives from the mAP (default) or count them as ``zero``
            (fully labelled sets only).
        outfile_prefix: write per-class AP to ``<prefix>.per_class_ap.json``.
        score_dtype: ``float32`` or ``float16`` (halves what is kept and gathered: Open Images-sized sets).
        fit_thresholds: also pick one threshold per class on this split (:func:`fit_thresholds`: F1-optimal, or
            with ``min_precision`` the lowest reaching it), report ``fitted/CP`` ... ``fitted/OF1`` at them and
            write them to ``<prefix>.thresholds.json`` (``tools/test.py --fit-thresholds``; tools/export.py
            ``--thresholds`` embeds them).
        min_precision: the precision each class's threshold must reach (with ``fit_thresholds``).
        collect_device, prefix: as mmengine's ``BaseMetric``.
    """

    default_prefix = "multilabel"

    def __init__(self, threshold: float = 0.5, empty_class: str = "exclude", outfile_prefix: Optional[str] = None,
                 score_dtype: str = "float32", fit_thresholds: bool = False, min_precision: Optional[float] = None,
                 collect_device: str = "cpu", prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        if min_precision is not None and not 0 < min_precision <= 1:
            raise ConfigError(f"min_precision must be in (0, 1], got {min_precision}")
        self.fit_thresholds, self.min_precision = fit_thresholds, min_precision
        self.threshold = threshold
        self.empty_class = empty_class
        self.outfile_prefix = outfile_prefix
        if score_dtype not in ("float32", "float16"):
            raise ConfigError(f"score_dtype must be 'float32' or 'float16', got {score_dtype!r}")
        self.score_dtype = np.dtype(score_dtype)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        # kept per sample until the end (and gathered across DDP ranks): scores in score_dtype, targets sparse
        # (.targets); never a dense float32 target matrix
        for sample in data_samples:
            self.results.append((sample["scores"].float().cpu().numpy().astype(self.score_dtype),
                                 sparse_from_dense(sample["gt"].cpu().numpy()), sample.get("img_path")))

    def compute_metrics(self, results: List) -> Dict[str, float]:
        num_classes = len(results[0][0])
        scores = np.empty((len(results), num_classes), dtype=self.score_dtype)
        for i, r in enumerate(results):
            scores[i] = r[0]
        targets = dense_targets([r[1] for r in results], num_classes)
        m = multilabel_metrics(scores, targets, self.threshold, self.empty_class)
        classes = (self.dataset_meta or {}).get("classes") or [str(i) for i in range(num_classes)]
        per_class = {str(c): a for c, a in zip(classes, m.pop("per_class_AP"))}
        left_out = [str(classes[i]) for i in m.pop("left_out_classes")]
        partial = m.pop("partial")
        shown = list(per_class.items())[:200]
        table = ", ".join(f"{c}: {'n/a' if a is None else f'{a:.1f}'}" for c, a in shown)
        print_log(f"per-class AP ({len(results)} images){' (first 200 classes)' if len(per_class) > 200 else ''}: "
                  f"{table}", logger="current")
        if left_out:
            why = ("no known positive or no known negative (partial labels)" if partial else "no positive image")
            what = "left out of" if partial or self.empty_class == "exclude" else "counted as 0 in"
            print_log(f"{len(left_out)} class(es) have {why} and are {what} the mAP: {', '.join(left_out[:50])}"
                      f"{' ...' if len(left_out) > 50 else ''}", logger="current", level=30)
        fitted = None
        if self.fit_thresholds:
            fitted = fit_thresholds(scores, targets, self.min_precision)
            at_fitted = multilabel_metrics(scores, targets, fitted, self.empty_class)
            m.update({f"fitted/{k}": at_fitted[k] for k in ("CP", "CR", "CF1", "OP", "OR", "OF1")})
        if self.outfile_prefix:
            os.makedirs(os.path.dirname(os.path.abspath(self.outfile_prefix)), exist_ok=True)
            with open(f"{self.outfile_prefix}.per_class_ap.json", "w", encoding="utf-8") as f:
                json.dump({"metrics": m, "per_class_AP": per_class, "threshold": self.threshold}, f, indent=1)
            if fitted is not None:
                rule = "F1-optimal" if self.min_precision is None else f"lowest with precision >= {self.min_precision}"
                with open(f"{self.outfile_prefix}.thresholds.json", "w", encoding="utf-8") as f:
                    json.dump({"classes": [str(c) for c in classes], "thresholds": [float(t) for t in fitted],
                               "rule": rule, "images": len(results), "never_predicted": NEVER,
                               "metrics_at_thresholds": {k: v for k, v in m.items() if k.startswith("fitted/")}},
                              f, indent=1)
                print_log(f"per-class thresholds ({rule}) written to {self.outfile_prefix}.thresholds.json",
                          logger="current")
            self._charts(scores, targets, per_class, m["mAP"], len(results))
        return {k: float(v) for k, v in m.items()}

    def _charts(self, scores: np.ndarray, targets: np.ndarray, per_class: Dict[str, Optional[float]],
                mean_ap: float, n_images: int) -> None:
        """``<prefix>.per_class_ap.png`` (sorted bars) and ``<prefix>.pr_curves.png`` (the 3 best and 3 worst
        classes and the micro average over the known class-image pairs, at most 20 M of them, evenly sampled)."""
        names = list(per_class)
        sorted_bars(names, list(per_class.values()), f"{self.outfile_prefix}.per_class_ap.png",
                    f"per-class AP, {n_images} images (mAP {mean_ap:.1f})", "AP (%)")
        ranked = sorted((a, i) for i, a in enumerate(per_class.values()) if a is not None)
        picked = ranked[-3:][::-1] + [r for r in ranked[:3] if r not in ranked[-3:]]
        curves = {}
        for ap, i in picked:
            known = targets[:, i] >= 0
            precision, recall, _ = precision_recall(scores[known, i].astype(np.float64), targets[known, i] > 0)
            curves[names[i]] = (precision, recall, ap)
        flat_t = targets.ravel()
        flat_s = scores.ravel()
        step = max(1, flat_t.size // 20_000_000)
        flat_t, flat_s = flat_t[::step], flat_s[::step]
        known = flat_t >= 0
        precision, recall, _ = precision_recall(flat_s[known].astype(np.float64), flat_t[known] > 0)
        micro = 100 * float((np.diff(np.r_[0, recall]) * precision).sum())
        curves["micro average"] = (precision, recall, micro)
        pr_curves(curves, f"{self.outfile_prefix}.pr_curves.png", "precision-recall: best and worst classes")



def topk_accuracy(scores: np.ndarray, labels: np.ndarray, k: int) -> float:
    k = min(k, scores.shape[1])
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return float(100 * np.mean(np.any(top == labels[:, None], axis=1)))


def confusion_matrix(pred: np.ndarray, labels: np.ndarray, num_classes: int) -> np.ndarray:
    """cm[true, predicted] counts."""
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (labels, pred), 1)
    return cm


@METRICS.register_module()
class ClassificationMetric(BaseMetric):
    """top-1 and top-k accuracy (x100); with ``outfile_prefix``, ``<prefix>.confusion.json`` holds the confusion
    matrix and per-class accuracy.

    Args:
        topk: the k of the top-k accuracies reported.
        outfile_prefix: write the confusion matrix and per-class accuracy to ``<prefix>.confusion.json``.
        collect_device, prefix: as mmengine's ``BaseMetric``.
    """

    default_prefix = "accuracy"

    def __init__(self, topk: Sequence[int] = (1, 5), outfile_prefix: Optional[str] = None,
                 collect_device: str = "cpu", prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.topk = tuple(topk)
        self.outfile_prefix = outfile_prefix

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for s in data_samples:
            self.results.append((s["scores"].float().cpu().numpy(), int(s["gt"])))

    def compute_metrics(self, results: List) -> Dict[str, float]:
        scores = np.stack([r[0] for r in results])
        labels = np.array([r[1] for r in results])
        out = {f"top{k}": topk_accuracy(scores, labels, k) for k in self.topk}
        if self.outfile_prefix:
            n = scores.shape[1]
            cm = confusion_matrix(scores.argmax(1), labels, n)
            support = cm.sum(1)
            per_class = np.divide(np.diag(cm), support, out=np.full(n, np.nan), where=support > 0) * 100
            classes = (self.dataset_meta or {}).get("classes") or [str(i) for i in range(n)]
            os.makedirs(os.path.dirname(os.path.abspath(self.outfile_prefix)), exist_ok=True)
            _, confusions = confusion_heatmap(cm, list(classes), f"{self.outfile_prefix}.confusion.png",
                                              f"confusion matrix, {len(labels)} images (top-1 {out['top1']:.1f}%)")
            with open(f"{self.outfile_prefix}.confusion.json", "w", encoding="utf-8") as f:
                json.dump({"metrics": out, "classes": list(classes), "confusion": cm.tolist(),
                           "per_class_accuracy": [None if np.isnan(a) else float(a) for a in per_class],
                           "top_confusions": [list(c) for c in confusions]}, f)
            if confusions:
                print_log("most frequent confusions (true -> predicted: count): "
                          + "; ".join(f"{t} -> {p}: {c}" for t, p, c in confusions), logger="current")
        return out
