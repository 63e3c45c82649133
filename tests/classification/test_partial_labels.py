"""Partial labels in the loss and the metric. Truth: independent formulas written here (loops over elements for the
loss modes, CSL's definitions), a hand-computed mAP case, and today's loss and mAP when nothing is unknown."""
import numpy as np
import pytest
import torch

from tresnet_tasks.classification.losses import AsymmetricLoss
from tresnet_tasks.classification.metrics import multilabel_metrics
from tresnet_tasks.classification.targets import dense_targets, sparse_from_dense
from tresnet_tasks.errors import ConfigError

GN, GP, GU, CLIP, EPS = 4.0, 1.0, 2.0, 0.05, 1e-8


def _reference(logits, targets, mode, prior=None, thr=None, topk=0):
    """Element by element, as CSL defines it (positives, negatives, unknowns with their weights)."""
    x, y = logits.double().numpy(), targets.numpy()
    n, c = x.shape
    p = 1 / (1 + np.exp(-x))
    p_neg = np.maximum(p - CLIP, 0)
    w = np.ones_like(x)
    if mode in ("ignore", "ignore_normalize_classes"):
        w[y < 0] = 0
    if mode == "ignore_normalize_classes":
        for i in range(n):
            w[i] *= 1 / (1 + (y[i] >= 0).sum()) + 1
    if mode == "selective":
        if prior is not None:
            for i in range(n):
                for j in range(c):
                    if y[i, j] < 0 and prior[j] > thr:
                        w[i, j] = 0
        unknown = [(p[i, j], i, j) for i in range(n) for j in range(c) if y[i, j] < 0]
        for _, i, j in sorted(unknown, key=lambda t: -t[0])[: topk * n]:  # most probable unknowns
            w[i, j] = 0
    total = 0.0
    for i in range(n):
        for j in range(c):
            if y[i, j] == 1:
                term = (1 - p[i, j]) ** GP * np.log(max(p[i, j], EPS))
            else:
                gamma = GU if y[i, j] < 0 else GN
                term = p_neg[i, j] ** gamma * np.log(max(1 - p_neg[i, j], EPS))
            total += w[i, j] * term
    return -total


@pytest.fixture
def batch():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(6, 7, generator=g, dtype=torch.float64) * 2
    targets = torch.randint(-1, 2, (6, 7), generator=g).float()
    return logits, targets


@pytest.mark.parametrize("mode", ["negative", "ignore", "ignore_normalize_classes", "selective"])
def test_each_partial_mode_against_its_formula(batch, mode):
    logits, targets = batch
    kw = dict(likelihood_topk=1, prior=[0.0, 0.9, 0.0, 0.2, 0.0, 0.0, 0.7], prior_threshold=0.5) \
        if mode == "selective" else {}
    loss = AsymmetricLoss(gamma_neg=GN, gamma_pos=GP, gamma_unann=GU, clip=CLIP, eps=EPS, partial=mode, **kw)
    ref = _reference(logits, targets, mode, kw.get("prior"), kw.get("prior_threshold"), kw.get("likelihood_topk", 0))
    assert float(loss(logits.float(), targets)) == pytest.approx(ref, rel=1e-5)


@pytest.mark.parametrize("mode", ["negative", "ignore", "selective"])
def test_without_unknowns_every_mode_is_todays_loss_with_its_gradient(batch, mode):
    logits, targets = batch
    full = targets.clamp(min=0)
    x1 = logits.float().clone().requires_grad_()
    x2 = logits.float().clone().requires_grad_()
    today = AsymmetricLoss(gamma_pos=GP)(x1, full)
    partial = AsymmetricLoss(gamma_pos=GP, partial=mode, gamma_unann=GU, prior=[1.0] * 7)(x2, full)
    today.backward()
    partial.backward()
    assert torch.equal(today, partial) and torch.equal(x1.grad, x2.grad)


def test_normalize_classes_reweights_every_row_by_design(batch):
    logits, targets = batch
    full = targets.clamp(min=0)
    ratio = AsymmetricLoss(partial="ignore_normalize_classes")(logits.float(), full) / AsymmetricLoss()(
        logits.float(), full)
    assert float(ratio) == pytest.approx(1 + 1 / (1 + 7), rel=1e-6)  # every row has 7 annotated classes


def test_unknowns_without_a_mode_are_refused(batch):
    with pytest.raises(ConfigError, match="unknown labels .*partial mode"):
        AsymmetricLoss()(*batch)


def test_partial_map_hand_computed_with_a_class_left_out():
    # class 0: known rows 0, 1, 3 -> scores .9 (pos), .8 (neg), .3 (pos): AP = (1/1 + 2/3) / 2
    # class 1: known rows 0, 2 -> .2 (neg), .7 (pos): AP = 1
    # class 2: known rows 1, 2 -> both positive: no negative, left out
    scores = np.array([[0.9, 0.2, 0.1], [0.8, 0.5, 0.6], [0.5, 0.7, 0.4], [0.3, 0.9, 0.2]])
    targets = np.array([[1, 0, -1], [0, -1, 1], [-1, 1, 1], [1, -1, -1]])
    m = multilabel_metrics(scores, targets)
    ap0 = (1 + 2 / 3) / 2
    assert m["per_class_AP"][2] is None and m["left_out_classes"] == [2] and m["partial"]
    assert m["per_class_AP"][0] == pytest.approx(100 * ap0) and m["per_class_AP"][1] == pytest.approx(100)
    assert m["mAP"] == pytest.approx(100 * (ap0 + 1) / 2)
    assert m["mAP_weighted"] == pytest.approx(100 * (2 * ap0 + 1) / 3)  # weights: known positives 2 and 1


def test_partial_map_equals_todays_when_nothing_is_unknown():
    from sklearn.metrics import average_precision_score
    rng = np.random.default_rng(0)
    scores = rng.random((200, 9))
    targets = (rng.random((200, 9)) < 0.2).astype(np.int8)
    targets[:, 4] = 0  # a class without positives: left out (today's rule), not made partial
    m = multilabel_metrics(scores, targets, chunk=4)
    want = np.mean([average_precision_score(targets[:, c], scores[:, c]) for c in range(9) if c != 4])
    assert m["mAP"] == pytest.approx(100 * want) and not m["partial"] and m["left_out_classes"] == [4]
    zero = multilabel_metrics(scores, targets, empty_class="zero")
    assert zero["mAP"] == pytest.approx(100 * want * 8 / 9)


def test_sparse_targets_round_trip():
    rng = np.random.default_rng(1)
    targets = rng.integers(-1, 2, (50, 30)).astype(np.int8)
    targets[:10] = np.where(targets[:10] < 0, 0, targets[:10])  # fully known rows too
    assert np.array_equal(dense_targets([sparse_from_dense(t) for t in targets], 30), targets)


@pytest.mark.slow
def test_partial_shapes_demo_learns_with_ignore_and_selective(tmp_path):
    """The shapes demo with half of its training labels kept (CSL's per-image protocol), trained and tested through
    the tools with partial='ignore' and 'selective': both beat chance clearly on the fully labelled validation
    ('negative', unknowns counted as negatives, is measured beside them)."""
    import json
    from tests.helpers import chance_map, run_tool, run_tool_in_process
    from tresnet_tasks.data.synthetic import ALL_SHAPES, make_shapes_coco
    cfg = "configs/multilabel/asl_tresnet-m-tiny_128px_shapes.py"
    root = make_shapes_coco(str(tmp_path / "ml"), num_train=300, num_val=100, size=128, shapes=ALL_SHAPES,
                            max_objects=3)
    chance = chance_map(root)  # the mAP of an uninformative ranking is the positive rate
    maps = {}
    for mode, extra in (("ignore", []), ("selective", ["model.loss.prior=labels", "model.loss.prior_threshold=0.5",
                                                      "model.loss.likelihood_topk=1"]), ("negative", [])):
        opts = ["--cfg-options", f"data_root={root}/", "train_dataloader.dataset.partial_labels.mode=per_image",
                "train_dataloader.dataset.partial_labels.keep=0.5", f"model.loss.partial={mode}",
                "train_cfg.val_interval=10", *extra]
        work = tmp_path / mode
        log = run_tool("tools/train.py", cfg, "--work-dir", str(work), *opts).output
        assert "[val] epoch 10" in log
        run_tool_in_process("tools/test.py", cfg, str(work / "epoch_10.pth"), "--work-dir", str(work / "test"), *opts,
                            check=True)
        maps[mode] = json.load(open(work / "test" / "predictions.per_class_ap.json"))["metrics"]["mAP"]
        train_log = open(sorted((work).glob("2*/2*.log"))[-1]).read()
        assert "partial labels simulated" in train_log
    print(f"partial shapes demo (50% of labels kept): mAP ignore {maps['ignore']:.1f}, selective "
          f"{maps['selective']:.1f}, negative {maps['negative']:.1f}, chance {chance:.1f}")
    # unknowns as negatives is the users' failure mode; the test asks the partial modes to learn clearly
    assert maps["ignore"] > chance + 15 and maps["selective"] > chance + 15, (maps, chance)
