"""Single-label metrics: top-1 / top-5 accuracy, per-class accuracy and the confusion matrix (JSON)."""
from __future__ import annotations

import json
import os
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.registry import METRICS


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
    matrix and per-class accuracy."""

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
            with open(f"{self.outfile_prefix}.confusion.json", "w", encoding="utf-8") as f:
                json.dump({"metrics": out, "classes": list(classes), "confusion": cm.tolist(),
                           "per_class_accuracy": [None if np.isnan(a) else float(a) for a in per_class]}, f)
        return out
