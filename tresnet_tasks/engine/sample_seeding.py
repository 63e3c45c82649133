"""Augmentation as a function of the sample: each training sample's random draws come from generators seeded by
(run seed, epoch, dataset index), not by loader-worker id and process history.

So the same seed gives the same augmented batch at every position whatever ``num_workers`` is, whether workers are
persistent, and whether the run was restarted: nothing about augmentation needs to be in a checkpoint.

- :class:`SeededSampler` (mmengine's ``DefaultSampler``, same order) yields :class:`SeededIndex` values: ints that
  carry the seed and epoch to the loader worker that loads the sample.
- :func:`seed_pipelines` wraps each training dataset's pipeline in :class:`SeededPipeline`, which seeds Python's
  ``random``, NumPy's global generator and torch's CPU generator from the index before the transforms run (our
  transforms, timm's RandAugment, mmdet/mmcv's RandomFlip and RandomResize all draw from these), and restores the
  previous states afterwards, so loading in the main process (``num_workers=0``) leaves the training RNG untouched.
"""
from __future__ import annotations

import random
from typing import Callable, Iterator, List

import numpy as np
import torch
from mmengine.dataset import DefaultSampler
from mmengine.logging import print_log
from mmengine.registry import DATA_SAMPLERS


class SeededIndex(int):
    """A dataset index that also carries the run seed and epoch of the sampler that drew it."""

    def __new__(cls, index: int, seed: int, epoch: int):
        obj = super().__new__(cls, index)
        obj.seed, obj.epoch = int(seed), int(epoch)
        return obj

    def __reduce__(self):  # to loader workers, intact
        return SeededIndex, (int(self), self.seed, self.epoch)


def derive_seed(*parts: int) -> int:
    """A 63-bit seed from integers, well mixed (NumPy's SeedSequence), the same on every machine."""
    return int(np.random.SeedSequence([int(p) & 0xFFFFFFFFFFFFFFFF for p in parts]).generate_state(2, np.uint32)
               .astype(np.uint64).dot([1 << 31, 1])) & ((1 << 63) - 1)


def seed_global_generators(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global generator and torch's CPU generator (not CUDA's)."""
    random.seed(seed)
    np.random.seed(seed & 0xFFFFFFFF)
    torch.default_generator.manual_seed(seed)


@DATA_SAMPLERS.register_module()
class SeededSampler(DefaultSampler):
    """mmengine's ``DefaultSampler`` (same order, same per-rank split) whose indices carry (seed, epoch)."""

    def __iter__(self) -> Iterator[int]:
        return (SeededIndex(i, self.seed, self.epoch) for i in super().__iter__())


class SeededPipeline:
    """A dataset pipeline run under generators seeded by the sample's (seed, epoch, index).

    A sample reached without a :class:`SeededIndex` (another sampler, a dataset wrapper that re-indexes, or the
    replacement drawn for an unreadable image) runs unseeded, as before.
    """

    def __init__(self, pipeline: Callable):
        self.pipeline = pipeline

    def __call__(self, results: dict):
        idx = results.get("sample_idx")
        if not isinstance(idx, SeededIndex):
            return self.pipeline(results)
        results["sample_idx"] = int(idx)
        states = random.getstate(), np.random.get_state(), torch.get_rng_state()
        try:
            seed_global_generators(derive_seed(idx.seed, idx.epoch, int(idx)))
            return self.pipeline(results)
        finally:
            random.setstate(states[0])
            np.random.set_state(states[1])
            torch.set_rng_state(states[2])

    def __getattr__(self, name):  # transforms, __repr__ details: those of the wrapped pipeline
        if name == "pipeline":
            raise AttributeError(name)
        return getattr(self.pipeline, name)

    def __repr__(self) -> str:
        return f"SeededPipeline({self.pipeline!r})"


def leaf_datasets(dataset) -> List:
    """The datasets that own pipelines, under mmengine's wrappers (Concat, Repeat, ClassBalanced)."""
    if hasattr(dataset, "datasets"):
        return [leaf for d in dataset.datasets for leaf in leaf_datasets(d)]
    if hasattr(dataset, "dataset") and not hasattr(dataset, "pipeline"):
        return leaf_datasets(dataset.dataset)
    return [dataset]


def seed_pipelines(dataloader) -> bool:
    """Wrap the pipelines of a training loader's datasets in :class:`SeededPipeline`; False (with a warning) when
    the loader's sampler does not carry seeds, so augmentation stays as random as it was."""
    sampler = getattr(dataloader, "sampler", None)
    batch_sampler = getattr(dataloader, "batch_sampler", None)
    inner = getattr(batch_sampler, "sampler", None)
    if not isinstance(sampler, SeededSampler) and not isinstance(inner, SeededSampler):
        print_log(f"augmentation is not seeded per sample (sampler {type(inner or sampler).__name__}, not "
                  "SeededSampler): a resumed run draws different augmentations", logger="current", level=30)
        return False
    for dataset in leaf_datasets(dataloader.dataset):
        pipeline = getattr(dataset, "pipeline", None)
        if pipeline is not None and not isinstance(pipeline, SeededPipeline):
            dataset.pipeline = SeededPipeline(pipeline)
    return True
