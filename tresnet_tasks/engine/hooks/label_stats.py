"""What a multi-label training split says before training starts: classes never positive (a warning), and the
class priors a selective partial-label loss needs."""
from __future__ import annotations

import numpy as np
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from ...classification.datasets import MultiLabelDataset
from ...classification.losses import read_prior


@HOOKS.register_module()
class LabelStatsHook(Hook):
    """Before training on a multi-label set: warns about classes never positive in the training split (the most
    common mistake with custom data: a class-name typo, a wrong class order), and fills the class priors a
    ``partial='selective'`` loss asked for with ``prior='labels'`` (the share of training images where the class
    is a labelled positive)."""

    priority = "VERY_HIGH"

    def before_train(self, runner) -> None:
        dataset = getattr(runner.train_dataloader, "dataset", None)
        while dataset is not None and not isinstance(dataset, MultiLabelDataset) and hasattr(dataset, "dataset"):
            dataset = dataset.dataset  # wrappers (RepeatDataset, ClassBalancedDataset...)
        if not isinstance(dataset, MultiLabelDataset):
            return
        counts = dataset.label_counts()
        classes = dataset.metainfo["classes"]
        never = [str(classes[i]) for i in np.nonzero(counts["positive"] == 0)[0]]
        if never:
            runner.logger.warning(f"{len(never)} class(es) are never positive in the training split and cannot be "
                                  f"learnt: {', '.join(never[:20])}{' ...' if len(never) > 20 else ''} (check the "
                                  f"class names and order; tools/browse_dataset.py CONFIG shows the counts)")
        model = runner.model.module if hasattr(runner.model, "module") else runner.model
        loss = getattr(model, "loss_fn", None)
        if getattr(loss, "needs_label_prior", False):
            if loss.prior_source == "labels":
                loss.set_prior(counts["positive"] / max(1, len(dataset)))
            else:
                loss.set_prior(read_prior(loss.prior_source, classes))
            runner.logger.info(f"selective loss: class priors from {loss.prior_source} "
                               f"({int((loss.prior > loss.prior_threshold).sum())} above {loss.prior_threshold})")
