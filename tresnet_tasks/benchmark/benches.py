"""One network under measurement, one repeat per call (so that the runner can interleave networks).

:class:`Bench` holds what every bench shares (the training step's set-up with its memory peaks, the memory and
FLOP rows, dispatch by phase name); :class:`ClassificationBench` and :class:`DetectionBench` build their network and
inputs and time their phases.
"""
from __future__ import annotations

import statistics
from typing import Callable, Dict, List, Optional

import torch
import torch.nn as nn

from ..backbone import create_tresnet, fold_norms
from ..engine.precision import enable_bf16
from . import measure as bm
from .specs import DetectorSpec, ModelSpec

MIB = 2 ** 20


class Bench:
    """Shared by the benches: ``model``, ``args`` (the tool's settings), ``device``; subclasses give
    :meth:`infer`, :meth:`_make_train_step` and :meth:`_saved_row`."""

    train_ok = True

    def __init__(self, args, device: torch.device):
        self.args, self.device = args, device
        self.model: nn.Module
        self._train: Optional[Callable[[], None]] = None
        self._rss_ok = False

    # ---------------------------------------------------------------- phases
    def infer(self) -> float:
        raise NotImplementedError

    def _make_train_step(self) -> Callable[[], None]:
        raise NotImplementedError

    def _saved_row(self) -> Dict[str, float]:
        raise NotImplementedError

    def train(self) -> Optional[float]:
        if not self.train_ok:
            return None
        if self._train is None:  # first call: switch to training, start the memory peaks here
            self.model.train()
            self._train = self._make_train_step()
            if self.device.type == "cuda":
                torch.cuda.reset_peak_memory_stats(self.device)
            self._rss_ok = self.device.type == "cpu" and bm.reset_peak_rss()
        return bm.time_once(self._train, self.device)

    def memory(self) -> Dict[str, Optional[float]]:
        if not self.train_ok:
            return {}
        if self._train is None:
            self.train()
        row: Dict[str, Optional[float]] = dict(self._saved_row())
        row["step_peak_MB"] = bm.step_peak_bytes(self._train, self.device) / MIB
        if self.device.type == "cuda":
            row["peak_alloc_MB"] = torch.cuda.max_memory_allocated(self.device) / MIB
        elif self._rss_ok:
            row["peak_rss_MB"] = bm.peak_rss_bytes() / MIB
        return row

    def train_flops(self) -> Dict[str, float]:
        """GFLOP per image of one training step (forward, backward and the lean path's recomputations)."""
        if not self.train_ok or self.args.no_train:
            return {}
        if self._train is None:
            self.train()
        return {"train_gflop_per_img": bm.gflop_of(self._train) / self.args.batch}

    def call(self, method: str):
        return getattr(self, method)()


class ClassificationBench(Bench):
    """A classification network at ``--size``, batch ``--batch``: inference, a training step (cross-entropy, SGD),
    bytes saved for backward, the step's peak memory, GPU max batch."""

    def __init__(self, spec: ModelSpec, args, device: torch.device):
        super().__init__(args, device)
        self.spec = spec
        if spec.source == "ours":
            model = create_tresnet(spec.name, num_classes=1000, norm=spec.norm)
            if "fold" in spec.options:
                model = fold_norms(model.eval())
        else:
            import timm
            model = timm.create_model(spec.name, num_classes=1000)
        channels_last = "cl" in spec.options or args.channels_last
        dtype = torch.bfloat16 if "bf16" in spec.options else torch.float32
        model = model.to(device=device, dtype=dtype)
        if channels_last:
            model = model.to(memory_format=torch.channels_last)
        if "compile" in spec.options or args.compile:
            model = torch.compile(model)
        self.model = model
        self.train_ok = not spec.inference_only
        fmt = torch.channels_last if channels_last else torch.contiguous_format
        self.batch = lambda n: torch.rand(n, 3, args.size, args.size, device=device, dtype=dtype
                                          ).contiguous(memory_format=fmt)
        self.x = self.batch(args.batch)
        self.model.eval()
        self.gflop_per_img = bm.gflop_per_image(self.model, self.x[:1]) if args.flops else None
        exported = {"onnx", "int8", "openvino"} & set(spec.options)
        self._infer = (bm.onnxruntime_runner(self.model, self.x, int8="int8" in exported,
                                             provider="openvino" if "openvino" in exported else None) if exported
                       else bm.inference_step(self.model, self.x, args.amp))

    def infer(self) -> float:
        return bm.time_once(self._infer, self.device)

    def _make_train_step(self) -> Callable[[], None]:
        return bm.training_step(self.model, self.x, self.args.amp)

    def _saved_row(self) -> Dict[str, float]:
        row = {"saved_MB_per_img": bm.saved_bytes_for_backward(self.model, self.x, self.args.amp)
               / self.args.batch / MIB}
        if self.args.max_batch and self.device.type == "cuda":
            row["max_batch"] = bm.gpu_max_batch(
                lambda b: bm.training_step(self.model, self.batch(b), self.args.amp), self.device)
        return row

    def flops(self) -> Dict[str, Optional[float]]:
        """GFLOP per image of inference and (when trained) of one training step, forward + backward."""
        return {"gflop_per_img": self.gflop_per_img, **self.train_flops()}


class DetectionBench(Bench):
    """One MMDetection detector (one- or two-stage) at ``--det-size`` (padded as its data preprocessor does), batch
    ``--batch``: inference (backbone, neck and heads + post-processing timed separately), a training step (loss,
    backward, SGD), bytes saved for backward per image (backbone and the rest) and the step's peak memory. An
    exported form (``::onnx``, ``::int8``, ``::openvino``): inference only, the whole graph in one call."""

    def __init__(self, spec: DetectorSpec, args, device: torch.device):
        super().__init__(args, device)
        from mmdet.registry import MODELS
        from mmdet.utils import register_all_modules
        from mmengine.config import Config
        register_all_modules(init_default_scope=True)
        self.spec = spec
        cfg = Config.fromfile(spec.path())
        cfg.model.backbone.init_cfg = None  # random weights time the same
        cfg.model.backbone.update(spec.backbone_args)
        if spec.exported and cfg.model.backbone.get("type") in ("TResNet", "TResNetBackbone"):
            cfg.model.backbone.update(norm="bn")  # as tools/export.py builds it
        self.model = MODELS.build(cfg.model).to(device)
        if spec.channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
        if args.amp and not spec.exported:  # the tools' --bf16 / CPU --amp path: bfloat16 autocast network
            enable_bf16(self.model)
        self.inputs, self.samples = self.batch(args.batch)
        self.parts: Dict[str, List[float]] = {"backbone": [], "neck": [], "head": []}
        self.train_ok = not spec.inference_only
        self._exported = bm.exported_detector_runner(self.model, self.inputs, self.samples, spec.exported) \
            if spec.exported else None

    def batch(self, n: int):
        from mmdet.structures import DetDataSample
        from mmengine.structures import InstanceData
        h, w = self.args.det_size
        gen = torch.Generator().manual_seed(0)
        imgs, samples = [], []
        for _ in range(n):
            imgs.append(torch.randint(0, 256, (3, h, w), dtype=torch.uint8, generator=gen))
            xy = torch.rand(5, 2, generator=gen) * torch.tensor([w * 0.6, h * 0.6])
            wh = 32 + torch.rand(5, 2, generator=gen) * torch.tensor([w * 0.3, h * 0.3])
            sample = DetDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w), scale_factor=(1.0, 1.0)))
            sample.gt_instances = InstanceData(bboxes=torch.cat([xy, xy + wh], 1),
                                               labels=torch.randint(0, self._num_classes(), (5,),
                                                                    generator=gen))
            if getattr(getattr(self.model, "roi_head", None), "with_mask", False):  # Mask R-CNN trains on masks
                sample.gt_instances.masks = _box_masks(sample.gt_instances.bboxes, h, w)
            samples.append(sample)
        data = self.model.data_preprocessor({"inputs": imgs, "data_samples": samples}, True)
        fmt = torch.channels_last if self.spec.channels_last else torch.contiguous_format
        return data["inputs"].to(self.device).contiguous(memory_format=fmt), data["data_samples"]

    def infer(self) -> float:
        if self._exported is not None:  # one ONNX Runtime call: the stages are inside the graph
            return bm.time_once(self._exported, self.device)
        m = self.model.eval()
        feats = [self.inputs]
        stages = (("backbone", lambda: m.backbone(feats[0])), ("neck", lambda: m.neck(feats[0])),
                  ("head", lambda: self._heads_predict(feats[0])))
        total = 0.0
        with torch.no_grad():
            for name, fn in stages:
                def run(fn=fn):
                    feats[0] = fn()
                t = bm.time_once(run, self.device)
                self.parts[name].append(t)
                total += t
        return total

    def _num_classes(self) -> int:
        """The class count of a one-stage head, or of a two-stage detector's RoI head (the last of a cascade)."""
        head = getattr(self.model, "bbox_head", None) or self.model.roi_head.bbox_head
        return (head[-1] if isinstance(head, (list, nn.ModuleList)) else head).num_classes

    def _heads_predict(self, feats):
        """Everything after the neck: the dense head's predictions, or the RPN's proposals and the RoI head's."""
        m = self.model
        if getattr(m, "bbox_head", None) is not None:
            return m.bbox_head.predict(feats, self.samples, rescale=False)
        proposals = m.rpn_head.predict(feats, self.samples, rescale=False)
        return m.roi_head.predict(feats, proposals, self.samples, rescale=False)

    def _loss(self):
        loss, _ = self.model.parse_losses(self.model.loss(self.inputs, self.samples))
        return loss

    def _make_train_step(self) -> Callable[[], None]:
        opt = torch.optim.SGD([p for p in self.model.parameters() if p.requires_grad], lr=1e-4, momentum=0.9)

        def step():
            opt.zero_grad(set_to_none=True)
            self._loss().backward()
            opt.step()
        return step

    def _saved_row(self) -> Dict[str, float]:
        n = self.args.batch
        saved = bm.saved_bytes_by_part(self._loss, self.model, {"backbone": self.model.backbone})
        return {"backbone_saved_MB_per_img": saved["backbone"] / n / MIB,
                "saved_MB_per_img": sum(saved.values()) / n / MIB}

    def stage_times(self) -> Dict[str, float]:
        n = self.args.batch
        return {f"{k}_ms_per_img": 1000 * statistics.median(v[self.args.warmup:] or v) / n
                for k, v in self.parts.items() if v}

    def flops(self) -> Dict[str, float]:
        """GFLOP per image: inference (the backbone's share too) and one training step (forward, backward and the
        recomputations of the lean path: the work a step really does)."""
        n = self.args.batch
        m = self.model.eval()
        with torch.no_grad():
            row = {"backbone_gflop_per_img": bm.gflop_of(lambda: m.backbone(self.inputs)) / n,
                   "gflop_per_img": bm.gflop_of(lambda: m.predict(self.inputs, self.samples)) / n}
        self.model.train()  # back to what the timing and memory phases measure
        return {**row, **self.train_flops()}


def _box_masks(boxes: torch.Tensor, h: int, w: int):
    """Each box filled, as mmdet's BitmapMasks: instance masks for a training step."""
    import numpy as np
    from mmdet.structures.mask import BitmapMasks
    masks = np.zeros((len(boxes), h, w), np.uint8)
    for mask, (x1, y1, x2, y2) in zip(masks, boxes.round().long().tolist()):
        mask[max(y1, 0):y2, max(x1, 0):x2] = 1
    return BitmapMasks(masks, h, w)


def make_bench(spec, args, device: torch.device) -> Bench:
    return DetectionBench(spec, args, device) if isinstance(spec, DetectorSpec) else ClassificationBench(
        spec, args, device)
