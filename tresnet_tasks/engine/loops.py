"""A validation loop that evaluates both the EMA and the raw weights, and keeps the better one as "best".

mmengine's EMAHook swaps the EMA weights in for validation, so only the EMA model is ever evaluated, and the ASL
recipe's own code saved the raw weights as "best" even when the EMA scored higher. Here each validation reports
``<metric>`` (EMA) and ``raw/<metric>``, and ``best_<metric>.pth`` holds whichever weights scored best so far,
with ``meta.weights`` saying which ('ema' or 'raw').
"""
from __future__ import annotations

import os.path as osp
from typing import Optional

from mmengine.hooks import EMAHook
from mmengine.logging import print_log
from mmengine.registry import LOOPS
from mmengine.runner import ValLoop
from mmengine.runner.checkpoint import get_state_dict, save_checkpoint

from ..errors import ConfigError


@LOOPS.register_module()
class EMAAndRawValLoop(ValLoop):
    """Evaluates the EMA weights and the raw weights at each validation; the better one is saved as best.

    Args:
        runner, dataloader, evaluator, fp16: as mmengine's ``ValLoop``.
        best_metric: the metric that picks ``best_<metric>.pth`` (e.g. ``multilabel/mAP``).
    """

    def __init__(self, runner, dataloader, evaluator, fp16: bool = False, best_metric: Optional[str] = None):
        super().__init__(runner, dataloader, evaluator, fp16)
        self.best_metric = best_metric
        self.best_score = -float("inf")

    def _ema_hook(self) -> Optional[EMAHook]:
        for hook in self.runner.hooks:
            if isinstance(hook, EMAHook) and hasattr(hook, "ema_model"):
                return hook
        return None

    def _evaluate(self) -> dict:
        self.runner.model.eval()
        self.val_loss.clear()
        for idx, data_batch in enumerate(self.dataloader):
            self.run_iter(idx, data_batch)
        return self.evaluator.evaluate(len(self.dataloader.dataset))

    def run(self) -> dict:
        self.runner.call_hook("before_val")
        self.runner.call_hook("before_val_epoch")  # EMAHook swaps the EMA weights in here
        ema_hook = self._ema_hook()
        metrics = self._evaluate()
        scores = {"ema" if ema_hook else "raw": metrics}
        if ema_hook is not None:
            ema_hook._swap_ema_parameters()  # raw weights in
            raw = self._evaluate()
            scores["raw"] = raw
            metrics.update({f"raw/{k}": v for k, v in raw.items()})
            self._maybe_save_best(scores)
            ema_hook._swap_ema_parameters()  # back to EMA, which after_val_epoch swaps out again
        else:
            self._maybe_save_best(scores)
        self.runner.call_hook("after_val_epoch", metrics=metrics)
        self.runner.call_hook("after_val")
        return metrics

    def _maybe_save_best(self, scores: dict) -> None:
        if not self.best_metric:
            return
        which = max(scores, key=lambda k: scores[k].get(self.best_metric, -float("inf")))
        score = scores[which].get(self.best_metric)
        if score is None:
            raise ConfigError(f"val_cfg.best_metric {self.best_metric!r} is not among the metrics "
                              f"{sorted(scores[which])}: set it to one of them")
        if score <= self.best_score:
            return
        self.best_score = score
        model = self.runner.model.module if hasattr(self.runner.model, "module") else self.runner.model
        if which == "raw":
            state = get_state_dict(model)
        else:
            state = get_state_dict(self._ema_hook().ema_model.module)
        if self.runner.rank == 0:
            name = f"best_{self.best_metric.replace('/', '_')}.pth"
            path = osp.join(self.runner.work_dir, name)
            meta = {"epoch": self.runner.epoch, "iter": self.runner.iter, "weights": which,
                    self.best_metric: score, "dataset_meta": self.dataloader.dataset.metainfo}
            save_checkpoint({"state_dict": state, "meta": meta}, path)
            print_log(f"best {self.best_metric} {score:.3f} ({which} weights) saved to {path}", logger="current")
