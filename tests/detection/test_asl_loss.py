"""ASL as a dense detector's classification loss. Truth: mmdet's own FocalLoss and QualityFocalLoss (equal when the
focusing is the same and nothing is clipped, gradients included) and independent element-by-element formulas for
other settings."""
import math

import pytest
import torch
from mmdet.models.losses import FocalLoss, QualityFocalLoss

from tresnet_tasks.detection.losses import AsymmetricFocalLoss, AsymmetricQualityFocalLoss
from tresnet_tasks.errors import ConfigError


@pytest.fixture
def batch():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(50, 7, generator=g) * 3
    labels = torch.randint(0, 8, (50,), generator=g)  # 7 = background
    weight = torch.rand(50, generator=g)
    return logits, labels, weight


@pytest.mark.parametrize("gamma,alpha", [(2.0, 0.25), (1.5, 0.5), (0.0, 0.25)])
def test_equals_mmdet_focal_loss_with_the_same_settings(batch, gamma, alpha):
    logits, labels, weight = batch
    x1, x2 = logits.clone().requires_grad_(), logits.clone().requires_grad_()
    focal = FocalLoss(gamma=gamma, alpha=alpha)(x1, labels, weight, avg_factor=13.0)
    asl = AsymmetricFocalLoss(gamma_pos=gamma, gamma_neg=gamma, clip=0.0, alpha=alpha)(x2, labels, weight,
                                                                                       avg_factor=13.0)
    focal.backward()
    asl.backward()
    assert torch.allclose(asl, focal, rtol=1e-6, atol=0) and torch.allclose(x2.grad, x1.grad, rtol=1e-5, atol=1e-8)


def _formula(x, labels, gp, gn, clip, alpha, avg):
    total = 0.0
    for i in range(x.shape[0]):
        for c in range(x.shape[1]):
            p = 1 / (1 + math.exp(-float(x[i, c])))
            if labels[i] == c:
                total += -alpha * (1 - p) ** gp * math.log(p)
            else:
                pm = max(p - clip, 0.0)
                total += -(1 - alpha) * pm ** gn * math.log(max(1 - pm, 1e-8))
    return total / avg


def test_against_the_formula_with_clipping_and_asymmetric_focusing(batch):
    logits, labels, _ = batch
    x = logits.double().requires_grad_()
    loss = AsymmetricFocalLoss(gamma_pos=1.0, gamma_neg=4.0, clip=0.05, alpha=0.4)(x, labels, avg_factor=9.0)
    assert loss.item() == pytest.approx(_formula(logits.double(), labels, 1.0, 4.0, 0.05, 0.4, 9.0), rel=1e-5)
    loss.backward()  # the gradient against central differences of the same formula on one element
    h, (i, c) = 1e-6, (3, 2)
    plus, minus = logits.double().clone(), logits.double().clone()
    plus[i, c] += h
    minus[i, c] -= h
    numeric = (_formula(plus, labels, 1.0, 4.0, 0.05, 0.4, 9.0) - _formula(minus, labels, 1.0, 4.0, 0.05, 0.4, 9.0)) / (2 * h)
    assert float(x.grad[i, c]) == pytest.approx(numeric, rel=1e-4, abs=1e-9)


def _central_difference(formula, logits, i, c, h=1e-6):
    plus, minus = logits.clone(), logits.clone()
    plus[i, c] += h
    minus[i, c] -= h
    return (formula(plus) - formula(minus)) / (2 * h)


@pytest.fixture
def quality_batch(batch):
    logits, labels, weight = batch
    score = torch.rand(labels.shape, generator=torch.Generator().manual_seed(1))  # IoU of each anchor's box
    return logits, (labels, score), weight


@pytest.mark.parametrize("beta", [2.0, 1.0])
def test_quality_form_equals_mmdet_quality_focal_loss(quality_batch, beta):
    logits, target, weight = quality_batch
    x1, x2 = logits.clone().requires_grad_(), logits.clone().requires_grad_()
    qfl = QualityFocalLoss(beta=beta)(x1, target, weight, avg_factor=11.0)
    asl = AsymmetricQualityFocalLoss(gamma_pos=beta, gamma_neg=beta)(x2, target, weight, avg_factor=11.0)
    qfl.backward()
    asl.backward()
    assert torch.allclose(asl, qfl, rtol=1e-6, atol=0) and torch.allclose(x2.grad, x1.grad, rtol=1e-5, atol=1e-8)


def _quality_formula(x, labels, score, gp, gn, clip, avg):
    total = 0.0
    for i in range(x.shape[0]):
        for c in range(x.shape[1]):
            p = 1 / (1 + math.exp(-float(x[i, c])))
            if labels[i] == c:
                s = float(score[i])
                total += -(s * math.log(p) + (1 - s) * math.log(1 - p)) * abs(s - p) ** gp
            else:
                pm = max(p - clip, 0.0)
                total += -pm ** gn * math.log(max(1 - pm, 1e-8))
    return total / avg


def test_quality_form_against_the_formula_with_clipping_and_asymmetric_focusing(quality_batch):
    logits, (labels, score), _ = quality_batch
    x = logits.double().requires_grad_()
    loss = AsymmetricQualityFocalLoss(gamma_pos=0.5, gamma_neg=3.0, clip=0.05)(x, (labels, score), avg_factor=7.0)

    def formula(v):
        return _quality_formula(v, labels, score.double(), 0.5, 3.0, 0.05, 7.0)
    assert loss.item() == pytest.approx(formula(logits.double()), rel=1e-6)
    loss.backward()
    pos = int((labels < 7).nonzero()[0])
    for i, c in [(pos, int(labels[pos])), (3, 2)]:  # a positive's own class and a negative
        assert float(x.grad[i, c]) == pytest.approx(_central_difference(formula, logits.double(), i, c),
                                                    rel=1e-4, abs=1e-9)


def test_each_form_names_the_other_when_given_the_wrong_targets(batch, quality_batch):
    logits, labels, _ = batch
    with pytest.raises(ConfigError, match="AsymmetricQualityFocalLoss"):
        AsymmetricFocalLoss()(logits, quality_batch[1])
    with pytest.raises(ConfigError, match="use AsymmetricFocalLoss"):
        AsymmetricQualityFocalLoss()(logits, labels)
