"""ASL against its formula (independent reference written here), and the metrics against scikit-learn / hand."""
import json

import numpy as np
import pytest
import torch
from sklearn.metrics import average_precision_score

from tresnet_tasks.classification import (AsymmetricLoss, MultiLabelBCELoss, MultiLabelFocalLoss, average_precision,
                                      multilabel_metrics)


def reference_asl(x, y, gamma_neg, gamma_pos, clip, eps):
    """The formula of REFERENCE.md section 4, elementwise in float64."""
    x, y = x.double(), y.double()
    total = torch.zeros((), dtype=torch.float64)
    for xi, yi in zip(x.flatten().tolist(), y.flatten().tolist()):
        p = 1 / (1 + np.exp(-xi))
        pm = max(p - clip, 0.0)
        if yi == 1:
            total -= (1 - p) ** gamma_pos * np.log(max(p, eps))
        else:
            total -= pm ** gamma_neg * np.log(max(1 - pm, eps))
    return total


@pytest.mark.parametrize("gamma_neg,gamma_pos,clip", [(4, 0, 0.05), (4, 1, 0.05), (2, 2, 0.0), (0, 0, 0.0),
                                                      (3, 0.5, 0.2)])
def test_loss_equals_formula(gamma_neg, gamma_pos, clip):
    g = torch.Generator().manual_seed(int(gamma_neg * 10 + gamma_pos))
    x = torch.randn(6, 9, generator=g) * 3
    y = (torch.rand(6, 9, generator=g) > 0.6).float()
    loss = AsymmetricLoss(gamma_neg, gamma_pos, clip, 1e-8)(x, y)
    assert loss.dtype == torch.float32
    assert loss.item() == pytest.approx(reference_asl(x, y, gamma_neg, gamma_pos, clip, 1e-8).item(), rel=1e-5)


def test_bce_and_focal_special_cases():
    x = torch.randn(5, 7)
    y = (torch.rand(5, 7) > 0.5).float()
    bce = torch.nn.functional.binary_cross_entropy_with_logits(x, y, reduction="sum")
    assert MultiLabelBCELoss()(x, y).item() == pytest.approx(bce.item(), rel=1e-5)
    assert MultiLabelFocalLoss(2.0)(x, y).item() == pytest.approx(reference_asl(x, y, 2, 2, 0, 1e-8).item(), rel=1e-5)


def test_extreme_logits_and_fp16_are_finite():
    x = torch.tensor([[100.0, -100.0, 30.0, -30.0]], requires_grad=True)
    y = torch.tensor([[0.0, 1.0, 1.0, 0.0]])
    for detach in (True, False):
        loss = AsymmetricLoss(detach_focus=detach)(x, y)
        (g,) = torch.autograd.grad(loss, x)
        assert torch.isfinite(loss) and torch.isfinite(g).all()
    xh = (torch.randn(4, 80) * 20).half().requires_grad_()
    yh = (torch.rand(4, 80) > 0.9).half()
    loss = AsymmetricLoss()(xh, yh)
    loss.backward()
    assert loss.dtype == torch.float32 and torch.isfinite(loss) and torch.isfinite(xh.grad).all()


def test_detached_gradient_equals_analytic():
    """With the focusing weight w constant: dL/dx = -w * (y (1 - p) - (1 - y) p [p_m > 0 or clip == 0]) ..."""
    gamma_neg, gamma_pos, clip = 4.0, 1.0, 0.05
    x = torch.randn(3, 11, dtype=torch.float64) * 2
    x.requires_grad_()
    y = (torch.rand(3, 11) > 0.5).double()
    loss = AsymmetricLoss(gamma_neg, gamma_pos, clip, 1e-12, detach_focus=True)(x, y)
    (grad,) = torch.autograd.grad(loss, x)
    p = torch.sigmoid(x.detach())
    pm = (p - clip).clamp(min=0)
    w_pos = (1 - p) ** gamma_pos
    w_neg = pm ** gamma_neg
    # d/dx [-log p] = -(1 - p);  d/dx [-log(1 - p_m)] = p (1 - p) / (1 - p_m) where p_m > 0, else 0
    analytic = y * w_pos * (-(1 - p)) + (1 - y) * w_neg * torch.where(pm > 0, p * (1 - p) / (1 - pm),
                                                                       torch.zeros_like(p))
    assert torch.allclose(grad, analytic.to(grad.dtype), atol=1e-5)
    # and the caller's grad mode is untouched
    with torch.no_grad():
        AsymmetricLoss()(x, y)
        assert not torch.is_grad_enabled()


def test_map_equals_sklearn_on_random_data():
    rng = np.random.default_rng(0)
    scores = rng.random((200, 12))
    targets = (rng.random((200, 12)) < 0.2).astype(int)
    m = multilabel_metrics(scores, targets)
    assert m["mAP"] == pytest.approx(100 * average_precision_score(targets, scores, average="macro"), abs=1e-9)
    # ties: a tie group is one threshold, as in sklearn
    tied = np.round(scores, 1)
    assert multilabel_metrics(tied, targets)["mAP"] == pytest.approx(
        100 * average_precision_score(targets, tied, average="macro"), abs=1e-9)


def test_ap_known_answer_and_empty_classes():
    # positives at ranks 1 and 3 of 4: AP = (1/1 + 2/3) / 2
    assert average_precision(np.array([0.9, 0.8, 0.7, 0.1]), np.array([1, 0, 1, 0])) == pytest.approx(5 / 6)
    scores = np.array([[0.9, 0.2], [0.1, 0.3]])
    targets = np.array([[1, 0], [0, 0]])  # class 1 has no positive
    assert multilabel_metrics(scores, targets)["mAP"] == pytest.approx(100.0)
    assert multilabel_metrics(scores, targets)["num_empty_classes"] == 1
    assert multilabel_metrics(scores, targets, empty_class="zero")["mAP"] == pytest.approx(50.0)


def test_cf1_of1_hand_computed():
    # 3 images x 2 classes, threshold 0.5
    scores = np.array([[0.9, 0.6], [0.4, 0.7], [0.8, 0.2]])
    targets = np.array([[1, 0], [1, 1], [0, 0]])
    # predictions: [1,1],[0,1],[1,0]; class 0: TP1 FP1 FN1; class 1: TP1 FP1 FN0
    m = multilabel_metrics(scores, targets, threshold=0.5)
    cp, cr = (0.5 + 0.5) / 2, (0.5 + 1.0) / 2
    op, orc = 2 / 4, 2 / 3
    assert m["CP"] == pytest.approx(100 * cp) and m["CR"] == pytest.approx(100 * cr)
    assert m["CF1"] == pytest.approx(100 * 2 * cp * cr / (cp + cr))
    assert m["OP"] == pytest.approx(100 * op) and m["OR"] == pytest.approx(100 * orc)
    assert m["OF1"] == pytest.approx(100 * 2 * op * orc / (op + orc))


def test_precision_recall_points_match_sklearn():
    """The points the PR chart draws are scikit-learn's precision_recall_curve (ties as one threshold)."""
    from sklearn.metrics import precision_recall_curve

    from tresnet_tasks.classification.metrics import precision_recall
    rng = np.random.default_rng(4)
    scores = np.round(rng.random(300), 2)  # many ties
    targets = rng.random(300) < 0.3
    precision, recall, n_pos = precision_recall(scores, targets)
    p_ref, r_ref, _ = precision_recall_curve(targets, scores)
    # sklearn lists thresholds ascending and appends (precision 1, recall 0)
    assert n_pos == targets.sum()
    assert np.allclose(precision, p_ref[:-1][::-1]) and np.allclose(recall, r_ref[:-1][::-1])


def test_metric_charts_are_written_from_the_metric_numbers(tmp_path):
    from PIL import Image

    from tresnet_tasks.classification import ClassificationMetric, MultiLabelMetric
    rng = np.random.default_rng(5)
    ml = MultiLabelMetric(outfile_prefix=str(tmp_path / "ml"))
    ml.dataset_meta = dict(classes=[f"c{i}" for i in range(6)])
    targets = (rng.random((40, 6)) < 0.4).astype(np.float32)
    targets[:, 5] = 0  # a class without positives: listed, not drawn as a bar
    scores = np.clip(targets * 0.5 + rng.random((40, 6)) * 0.6, 0, 1)
    results = [(s, t, None) for s, t in zip(scores, targets)]
    ml.compute_metrics(results)
    per_class = json.load(open(tmp_path / "ml.per_class_ap.json"))["per_class_AP"]
    assert per_class["c5"] is None and per_class["c0"] == pytest.approx(100 * average_precision_score(targets[:, 0],
                                                                                                      scores[:, 0]))
    cm_metric = ClassificationMetric(outfile_prefix=str(tmp_path / "sl"))
    labels = rng.integers(0, 4, 50)
    logits = rng.random((50, 4)) + np.eye(4)[labels] * 0.5
    cm_metric.compute_metrics([(s, int(label)) for s, label in zip(logits, labels)])
    saved = json.load(open(tmp_path / "sl.confusion.json"))
    cm = np.zeros((4, 4), int)
    np.add.at(cm, (labels, logits.argmax(1)), 1)
    off = cm - np.diag(np.diag(cm))
    assert saved["confusion"] == cm.tolist()
    assert saved["top_confusions"][0][2] == off.max()  # the most frequent confusion heads the list
    for name in ("ml.per_class_ap.png", "ml.pr_curves.png", "sl.confusion.png"):
        with Image.open(tmp_path / name) as im:
            assert im.format == "PNG" and min(im.size) >= 150


def test_fitted_thresholds_are_sklearns_f1_optimal_and_precision_points():
    """Per-class thresholds against scikit-learn's precision-recall curve (the independent truth): the F1-optimal
    point (ties: the higher threshold), the lowest threshold reaching a precision, unknown labels left out."""
    from sklearn.metrics import precision_recall_curve

    from tresnet_tasks.classification.metrics import NEVER, fit_thresholds
    rng = np.random.default_rng(0)
    targets = rng.integers(0, 2, (300, 5))
    targets[:, 4] = 0  # no positive: never predicted
    scores = np.clip(0.35 * targets + 0.65 * rng.random((300, 5)), 0, 1).round(2)  # ties on purpose
    partial = targets.copy()
    partial[::7, 1] = -1  # unknown labels in class 1
    for min_precision in (None, 0.8, 0.999):
        got = fit_thresholds(scores, partial, min_precision)
        for c in range(4):
            known = partial[:, c] >= 0
            p, r, t = precision_recall_curve(partial[known, c], scores[known, c])
            p, r = p[:-1], r[:-1]  # sklearn's last point (precision 1, recall 0) has no threshold
            if min_precision is None:
                f1 = np.where(p + r > 0, 2 * p * r / np.maximum(p + r, 1e-12), 0)
                want = t[np.flatnonzero(f1 == f1.max())[-1]]
            else:
                reach = t[p >= min_precision]
                want = reach.min() if reach.size else NEVER
            assert got[c] == pytest.approx(want), (min_precision, c)
        assert got[4] == NEVER
