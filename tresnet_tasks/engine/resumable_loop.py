"""An epoch-based training loop that can stop and resume in the middle of an epoch and land on the same run.

mmengine's ``EpochBasedTrainLoop`` resumes only at epoch starts: a job killed mid-epoch repeats the whole epoch.
:class:`ResumableEpochBasedTrainLoop` adds:

- **where it is in the epoch**: :meth:`mid_epoch_state` (batches done, the sampler's seed, every rank's RNG
  states) goes into mid-epoch checkpoints (:mod:`.preemption` writes them); on resume the epoch's batch order is
  rebuilt from the sampler's seed and the batches already done are skipped as indices (nothing is loaded);
- **augmentation that does not depend on the process**: the sampler becomes :class:`.SeededSampler` and the
  datasets' pipelines :class:`.SeededPipeline` (see :mod:`.sample_seeding`);
- **the main process's generators seeded per epoch** from (seed, epoch, rank), so what validation or a restart
  consumed in between does not shift the next epoch's draws (dropout, drop-path);
- **a clean mid-epoch stop**: setting ``stop_training`` during an epoch ends the loop after the current
  iteration, with no epoch-end hooks, validation or scheduler steps for the unfinished epoch.
"""
from __future__ import annotations

import random
from typing import Dict, Iterator, Optional

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_dist_info
from mmengine.logging import print_log
from mmengine.registry import LOOPS
from mmengine.runner import EpochBasedTrainLoop

from .output import Console
from .sample_seeding import SeededSampler, derive_seed, seed_pipelines

_SAMPLERS_WITH_SEEDED_FORM = ("DefaultSampler", "mmengine.DefaultSampler")


def _with_seeded_sampler(dataloader):
    if isinstance(dataloader, dict):
        sampler = dict(dataloader.get("sampler") or {})
        if sampler.get("type") in _SAMPLERS_WITH_SEEDED_FORM:
            sampler["type"] = SeededSampler
            dataloader = {**dataloader, "sampler": sampler}
    return dataloader


class SkipFirstBatches:
    """A batch sampler that drops the first ``skip`` batches of its next epoch (indices only, no data loaded).

    ``len()`` stays the epoch's full length, so progress reads "batch 11 of 24" in a resumed epoch.
    """

    def __init__(self, batch_sampler, skip: int):
        self.batch_sampler, self.skip = batch_sampler, skip

    def __iter__(self) -> Iterator:
        skip, self.skip = self.skip, 0
        for i, batch in enumerate(self.batch_sampler):
            if i >= skip:
                yield batch

    def __len__(self) -> int:
        return len(self.batch_sampler)

    def __getattr__(self, name):  # .sampler (DistSamplerSeedHook), batch_size, ...
        if name == "batch_sampler":
            raise AttributeError(name)
        return getattr(self.batch_sampler, name)


def rng_states() -> dict:
    """This process's generator states in a form weights-only checkpoint reading accepts (no NumPy objects)."""
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    state = {"python": random.getstate(), "numpy": (kind, torch.from_numpy(keys.astype(np.int64)), pos, has_gauss,
                                                  gauss), "torch": torch.get_rng_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state()
    return state


def set_rng_states(state: dict) -> None:
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    kind, keys, pos, has_gauss, gauss = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, gauss))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state(state["cuda"])


@LOOPS.register_module()
class ResumableEpochBasedTrainLoop(EpochBasedTrainLoop):
    """mmengine's ``EpochBasedTrainLoop`` with mid-epoch checkpoints and resume (arguments as the parent's).

    ``tools/train.py`` puts it in place of ``EpochBasedTrainLoop`` in any config.
    """

    def __init__(self, runner, dataloader, *args, **kwargs):
        super().__init__(runner, _with_seeded_sampler(dataloader), *args, **kwargs)
        self.seeded_augmentation = seed_pipelines(self.dataloader)
        self.batch_in_epoch = 0  # batches of the current epoch done
        self._resume_state: Optional[dict] = None
        self._pending_rng: Optional[dict] = None

    # -- state kept in checkpoints -------------------------------------------------------------------------------
    @property
    def sampler(self):
        loader = self.dataloader
        return getattr(loader.batch_sampler, "sampler", None) or loader.sampler

    def mid_epoch_state(self, gather: bool = True) -> dict:
        """Where the run is inside the epoch, and every rank's generator states (``gather``: a collective, call it
        on all ranks; without, rank 0 alone, no generator states: a resumed run reseeds them)."""
        return {"epoch": self._epoch, "batch_in_epoch": self.batch_in_epoch, "iter": self._iter + 1,
                "sampler_seed": getattr(self.sampler, "seed", None), "world_size": get_dist_info()[1],
                "rng": all_gather_object(rng_states()) if gather else None}

    def epoch_end_state(self) -> dict:
        return {"epoch": self._epoch + 1, "batch_in_epoch": 0, "iter": self._iter,
                "sampler_seed": getattr(self.sampler, "seed", None), "world_size": get_dist_info()[1]}

    def resume_from(self, state: Dict) -> None:
        """Called with a checkpoint's loop state (before mmengine sets the loop counters): applied in :meth:`run`."""
        self._resume_state = dict(state)

    def _apply_resume_state(self) -> None:
        state, self._resume_state = self._resume_state, None
        if state is None:
            return
        if state.get("sampler_seed") is not None and hasattr(self.sampler, "seed"):
            self.sampler.seed = state["sampler_seed"]
        if state["epoch"] != self._epoch or state["iter"] != self._iter or not state["batch_in_epoch"]:
            return
        skip = int(state["batch_in_epoch"])  # == len: stopped after the epoch's last batch, before its end hooks
        if skip > len(self.dataloader):
            return
        self.batch_in_epoch = skip
        # DataLoader refuses a new batch_sampler after construction; an iterator made later reads this one
        object.__setattr__(self.dataloader, "batch_sampler", SkipFirstBatches(self.dataloader.batch_sampler, skip))
        rank, world = get_dist_info()
        if state.get("world_size") == world and state.get("rng"):
            self._pending_rng = state["rng"][rank]
        else:
            print_log(f"resuming on {world} processes from a checkpoint of {state.get('world_size')}: generator "
                      "states restart from the seed", logger="current", level=30)
        line = (f"resuming inside epoch {self._epoch + 1}: batch {skip + 1} of {len(self.dataloader)} "
                f"(iteration {self._iter + 1}); the {skip} batches done before the stop are skipped")
        print_log(line, logger="current")
        Console.print(line)

    # -- the loop -------------------------------------------------------------------------------------------------
    def run(self) -> torch.nn.Module:
        self.runner.call_hook("before_train")
        self._apply_resume_state()
        while self._epoch < self._max_epochs and not self.stop_training:
            finished = self.run_epoch()
            if not finished:
                break
            self._decide_current_val_interval()
            if (self.runner.val_loop is not None and self._epoch >= self.val_begin
                    and (self._epoch % self.val_interval == 0 or self._epoch == self._max_epochs)):
                self.runner.val_loop.run()
        self.runner.call_hook("after_train")
        return self.runner.model

    def _seed_main_process(self) -> None:
        pending, self._pending_rng = self._pending_rng, None
        if pending is not None:
            set_rng_states(pending)
            return
        seed = getattr(self.sampler, "seed", None)
        seed = derive_seed(self.runner.seed if seed is None else seed, self._epoch, get_dist_info()[0], 1)
        random.seed(seed)
        np.random.seed(seed & 0xFFFFFFFF)
        torch.manual_seed(seed)  # CPU and every GPU

    def run_epoch(self) -> bool:
        """One epoch (or its rest); False when stopped inside it."""
        self.runner.call_hook("before_train_epoch")
        self.runner.model.train()
        batches = iter(self.dataloader)  # makes the iterator first: that draws from torch's generator
        self._seed_main_process()
        for idx, data_batch in enumerate(batches, start=self.batch_in_epoch):
            self.run_iter(idx, data_batch)
            if self.stop_training:
                return False
        self.runner.call_hook("after_train_epoch")
        self._epoch += 1
        self.batch_in_epoch = 0
        return True

    def run_iter(self, idx, data_batch) -> None:
        self.batch_in_epoch = idx + 1
        super().run_iter(idx, data_batch)
