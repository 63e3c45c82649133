"""MiilRandAugment is the ``randaugment`` 1.0.2 package's ``RandAugment()``, the policy the ASL / ML-Decoder / CSL /
ImageNet-21K train scripts import.

Truth: the package itself (test extra). It builds its tables with ``np.int``, which numpy >= 1.24 removed: the
fixture puts the alias back for the test only.
"""
import collections
import random

import numpy as np
import pytest
from PIL import Image
from scipy.stats import chisquare

from tresnet_tasks.classification import miil_randaugment as ours
from tresnet_tasks.engine.sample_seeding import SeededIndex, SeededPipeline


@pytest.fixture(scope="module")
def package():
    had = hasattr(np, "int")
    if not had:
        np.int = int  # the package's tables use the alias numpy 1.24 removed
    from randaugment import randaugment as pkg
    yield pkg
    if not had:
        del np.int


def _images():
    rng = np.random.default_rng(0)
    noise = Image.fromarray(rng.integers(0, 256, (37, 53, 3), dtype=np.uint8))  # W != H: cutout's axes
    yy, xx = np.mgrid[0:48, 0:64]
    smooth = np.stack([xx * 4, yy * 5, (xx + yy) * 2], -1).clip(0, 255).astype(np.uint8)
    return [noise, Image.fromarray(smooth)]


def _same(a, b):
    return np.array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("op", ours.OPS)
def test_each_op_at_each_level_and_sign_equals_the_package(package, op, monkeypatch):
    """Pixel-exact, under the same random choices: the sign forced, cutout's centre from the same NumPy seed."""
    for img in _images():
        for level in ours.LEVELS:
            for sign in (-1, 1):
                monkeypatch.setattr(package.random, "choice", lambda seq, s=sign: s)
                np.random.seed(level)
                ref = package.SubPolicy(1.0, op, level, 0.0, op, level)(img)
                np.random.seed(level)
                centre = ((int(np.random.randint(0, img.size[0])), int(np.random.randint(0, img.size[1])))
                          if op == "Cutout" else (0, 0))
                got = ours.apply_op(img, ours.Step(op, level, True, sign if op in ours.SIGNED else 1, centre))
                assert got.size == img.size and got.mode == "RGB"
                assert _same(ref, got), f"{op} level {level} sign {sign} on {img.size}"
                monkeypatch.undo()


def test_whole_policy_equals_the_package_under_the_same_seeds(package):
    """Draw order too: the same seeds of ``random`` and NumPy give the package's augmented image."""
    img = _images()[0]
    changed = 0
    reference = package.RandAugment()  # builds its 18,225-entry list once
    for seed in range(1500):
        random.seed(seed), np.random.seed(seed)
        ref = reference(img)
        random.seed(seed), np.random.seed(seed)
        got = ours.MiilRandAugment()({"img": img})["img"]
        assert _same(ref, got), f"seed {seed}"
        changed += not _same(img, got)
    assert changed > 1500 * 0.6  # about 3/4 of the draws apply at least one op (and most ops change pixels)


def test_draw_frequencies_follow_the_package_policy(package):
    """10,000 seeded draws: pairs of (op, level) uniform over the package's 18,225 policies, each op applied with
    the package's probability, independently (chi-square, p > 0.001, fixed seeds)."""
    policies = package.RandAugment.get_rand_policies()
    assert len(policies) == ours.PAIRS ** 2
    assert {p[0][1] for p in policies} == set(ours.OPS) and {p[0][2] for p in policies} == set(ours.LEVELS)
    prob = {p[0][0] for p in policies} | {p[1][0] for p in policies}
    assert prob == {ours.PROB}
    # the package's list, decoded by index, is ours
    for index in (0, 1, 134, 135, 9000, len(policies) - 1):
        assert tuple((op, lv) for _, op, lv in policies[index]) == ours.decode_pair(index)

    n = 10_000
    draws = []
    for seed in range(n):
        random.seed(seed), np.random.seed(seed)
        draws.append(ours.draw_policy((32, 32)))
    expected_pair = collections.Counter((a[1], b[1]) for a, b in policies)  # op pairs in the package's list
    total = sum(expected_pair.values())
    cells = sorted(expected_pair)
    seen = collections.Counter((s[0].op, s[1].op) for s in draws)
    assert chisquare([seen[c] for c in cells], [n * expected_pair[c] / total for c in cells]).pvalue > 1e-3
    for k in (0, 1):
        levels = collections.Counter(s[k].level for s in draws)
        assert chisquare([levels[lv] for lv in ours.LEVELS]).pvalue > 1e-3
    applied = collections.Counter((s[0].applied, s[1].applied) for s in draws)
    cells = [(True, True), (True, False), (False, True), (False, False)]
    assert chisquare([applied[c] for c in cells], [n * 0.25] * 4).pvalue > 1e-3
    signs = collections.Counter(s.sign for d in draws for s in d if s.applied and s.op in ours.SIGNED)
    assert chisquare([signs[-1], signs[1]]).pvalue > 1e-3
    # the same op twice is part of the policy (no replacement between the two draws)
    assert sum(s[0].op == s[1].op for s in draws) == pytest.approx(n / len(ours.OPS), rel=0.2)


def test_seeded_per_sample_like_the_other_transforms():
    """Under SeededPipeline the draws are a function of (seed, epoch, index): the same sample gives the same image
    however often it is loaded, and the training RNG is untouched (exact mid-epoch resume)."""
    img = _images()[1]
    pipeline = SeededPipeline(lambda results: ours.MiilRandAugment()(results))
    before = random.getstate(), np.random.get_state()[1].copy()
    outs = [np.asarray(pipeline({"img": img, "sample_idx": SeededIndex(i, 7, 2)})["img"]) for i in (3, 4, 3)]
    assert np.array_equal(outs[0], outs[2])
    assert random.getstate() == before[0] and np.array_equal(np.random.get_state()[1], before[1])
    differ = sum(not np.array_equal(np.asarray(pipeline({"img": img, "sample_idx": SeededIndex(i, 7, 2)})["img"]),
                                    outs[0]) for i in range(10, 30))
    assert differ >= 10
