"""The console a person reads during a run: a header (config, work dir, model size, data sizes, device, norm mode),
one progress line per logging interval with the ETA, one line per validation with the main metric, a closing
summary; mmengine's own lines go to the log file."""
from __future__ import annotations

import datetime
import glob
import logging
import os.path as osp
import time
from typing import Dict, List, Optional

import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from ...backbone.tresnet import TResNet
from ..output import Console


def _hms(seconds: float) -> str:
    return str(datetime.timedelta(seconds=int(max(0.0, seconds))))


def _tresnet_of(model) -> Optional[TResNet]:
    return next((m for m in model.modules() if isinstance(m, TResNet)), None)


def _num(value: float) -> str:
    return f"{value:.4g}" if abs(value) < 1e4 else f"{value:.3e}"


@HOOKS.register_module()
class ConsoleHook(Hook):
    """Short console lines for a training or test run (see the module docstring).

    Args:
        interval: iterations between progress lines (default: the LoggerHook's interval, or more so that a run
            prints at most about 20 of them; the log file has every interval).
        metrics: how many validation metrics a line shows (the first is the one checkpoints are picked by).
    """

    priority = "LOWEST"  # after the LoggerHook and PlotHook (the summary names the plots)

    def __init__(self, interval: Optional[int] = None, metrics: int = 3):
        self.interval, self.metrics = interval, metrics
        self.start: Optional[float] = None
        self.start_iter = 0
        self.lines = 0
        self.best: Dict[str, float] = {}

    def _print(self, line: str) -> None:
        self.lines += 1
        Console.print(line)

    def _header(self, runner, split: str) -> None:
        model = runner.model.module if hasattr(runner.model, "module") else runner.model
        params = sum(p.numel() for p in model.parameters()) / 1e6
        net = _tresnet_of(model)
        what = type(model).__name__ + (f" + {net.arch} (norm {net.norm})" if net is not None else "")
        first = next(model.parameters(), None)
        device = first.device if first is not None else torch.device("cpu")
        where = f"{device}" + (f" ({torch.get_num_threads()} threads)" if device.type == "cpu" else "")
        self._print(f"config    {runner.cfg.filename}")
        self._print(f"work dir  {osp.abspath(runner.work_dir)}")
        if getattr(model, "onnx_path", None):  # an exported model (tools/test.py CONFIG DIR/model.onnx)
            self._print(f"model     {model.onnx_path}, ONNX Runtime ({model.provider} execution provider)")
        else:
            self._print(f"model     {what}, {params:.1f} M parameters, on {where}")
        sizes = []
        for name in (["train", "val"] if split == "train" else ["test"]):
            loop = getattr(runner, f"_{name}_loop", None)
            dataset = getattr(getattr(loop, "dataloader", None), "dataset", None)
            if dataset is not None:
                sizes.append(f"{name} {len(dataset)} images")
        if sizes:
            self._print("data      " + ", ".join(sizes))
        for module in model.modules():  # what the models said about their starting weights (init_weights)
            if getattr(module, "init_message", None):
                self._print(f"weights   {module.init_message}")
        if getattr(runner, "_has_loaded", False) and runner._load_from:
            what = "resumed" if runner._resume else "loaded "
            at = f": epoch {runner.epoch}, iteration {runner.iter}" if runner._resume else ""
            self._print(f"{what}   {runner._load_from}{at}")

    @staticmethod
    def _log_file(runner) -> str:
        handlers = [h for h in runner.logger.handlers if isinstance(h, logging.FileHandler)]
        return handlers[0].baseFilename if handlers else runner.log_dir

    def before_train(self, runner) -> None:
        if self.interval is None:
            logged = runner.cfg.get("default_hooks", {}).get("logger", {}).get("interval", 50)
            self.interval = max(logged, -(-runner.max_iters // 20))
        self._header(runner, "train")
        loop = runner.train_loop
        epochs = getattr(loop, "max_epochs", None)
        self._print(f"schedule  {epochs} epochs x {len(runner.train_dataloader)} iterations" if epochs
                    else f"schedule  {loop.max_iters} iterations")
        self.start, self.start_iter = time.time(), runner.iter

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        done, total = runner.iter + 1, runner.max_iters
        if not (self.every_n_train_iters(runner, self.interval) or done == total):
            return
        speed = (time.time() - self.start) / max(1, done - self.start_iter)
        losses = {k: float(v.detach()) if hasattr(v, "detach") else float(v)
                  for k, v in (outputs or {}).items() if "loss" in k}
        main = losses.pop("loss", None)
        loss = (f"loss {_num(main)}" if main is not None else "") + (
            " (" + ", ".join(f"{k.replace('loss_', '')} {_num(v)}" for k, v in losses.items()) + ")" if losses else "")
        lr = runner.optim_wrapper.get_lr()
        lr = next(iter(lr.values()))[0] if isinstance(lr, dict) and lr else None
        epoch = f"epoch {runner.epoch + 1}/{runner.max_epochs}  " if runner.max_epochs else ""
        self._print(f"[train] {epoch}iter {done}/{total}  {loss}" + (f"  lr {lr:.2e}" if lr is not None else "")
                    + f"  eta {_hms(speed * (total - done))}")

    def _metric_line(self, metrics: Dict[str, float], main: Optional[str]) -> str:
        keys = [k for k in metrics if k != main and not k.startswith("raw/") and not k.endswith("num_empty_classes")]
        # each COCO kind's headline first (Mask R-CNN: coco/bbox_mAP and coco/segm_mAP before the AP50s, APs...)
        keys.sort(key=lambda k: not (k.startswith("coco/") and k.endswith("_mAP")))
        shown: List[str] = ([main] if main in metrics else []) + keys
        parts = []
        for k in shown[: self.metrics]:
            part = f"{k} {_num(float(metrics[k]))}"
            if f"raw/{k}" in metrics:
                part += f" (raw {_num(float(metrics['raw/' + k]))})"
            parts.append(part)
        return ", ".join(parts)

    @staticmethod
    def _main_metric(runner) -> Optional[str]:
        best = runner.cfg.get("val_cfg", {}).get("best_metric") or (
            runner.cfg.get("default_hooks", {}).get("checkpoint", {}).get("save_best"))
        return best if isinstance(best, str) else None

    def after_val_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        if not metrics:
            self._print(f"[val] epoch {runner.epoch}: no metrics (see the log)")
            return
        main = self._main_metric(runner)
        line = f"[val] epoch {runner.epoch}: {self._metric_line(metrics, main)}"
        if main in metrics:
            value = max(float(metrics[main]), float(metrics.get(f"raw/{main}", float("-inf"))))
            if value >= self.best.get(main, float("-inf")):
                self.best = {main: value, "epoch": runner.epoch}
                line += "  (best so far)"
        self._print(line)

    def before_test(self, runner) -> None:
        self._header(runner, "test")

    def after_test_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        if metrics:
            self._print(f"[test] {self._metric_line(metrics, self._main_metric(runner))}")

    def after_train(self, runner) -> None:
        elapsed = _hms(time.time() - self.start) if self.start else "?"
        stopped = next((h.preempted for h in runner.hooks if getattr(h, "preempted", None)), None)
        self._print(f"stopped on {stopped} after {elapsed}." if stopped else f"done in {elapsed}.")
        main = self._main_metric(runner)
        if main in self.best:
            best = sorted(osp.basename(p) for p in _glob(runner.work_dir, "best_*.pth"))
            self._print(f"best      {main} {_num(self.best[main])} at epoch {self.best['epoch']}"
                        + (f" -> {osp.join(runner.work_dir, best[-1])}" if best else ""))
        last = osp.join(runner.work_dir, "last_checkpoint")
        if osp.isfile(last):
            with open(last, encoding="utf-8") as f:
                self._print(f"last      {f.read().strip()}  (--resume continues from it)")
        plots = osp.join(runner.work_dir, "plots", "curves.png")
        if osp.isfile(plots):
            self._print(f"plots     {plots}")
        self._print(f"log       {self._log_file(runner)}")


def _glob(folder: str, pattern: str) -> List[str]:
    return glob.glob(osp.join(folder, pattern))
