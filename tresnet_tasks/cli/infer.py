"""Inference on image files for ``tools/infer.py``: detection through mmdet's ``DetInferencer``, classification
through the config's test pipeline. The task is read from the config (``default_scope='mmdet'`` is detection)."""
from __future__ import annotations

import json
import os
import os.path as osp
from typing import List

from mmengine.logging import MMLogger

from ..classification.weights import checkpoint_class_names as class_names
from ..engine.output import Console, library_stdout_to_log, quiet_console
from ..engine.precision import enable_bf16
from ..deploy.onnx_model import OnnxClassifier
from ..errors import ConfigError, DatasetError
from .args import check_named_checkpoint
from .config import load_config, use_exported_model

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


def collect_images(inputs: List[str]) -> List[str]:
    """Image files named directly or found (non-recursively) in the named folders."""
    files = []
    for item in inputs:
        if osp.isdir(item):
            files += sorted(osp.join(item, f) for f in os.listdir(item) if f.lower().endswith(IMAGE_EXTS))
        elif osp.isfile(item):
            files.append(item)
        else:
            raise DatasetError(f"input not found: {item}")
    if not files:
        raise DatasetError(f"no images ({', '.join(IMAGE_EXTS)}) found in {inputs}")
    return files


def task_of(cfg) -> str:
    return "detection" if cfg.get("default_scope") == "mmdet" else "classification"


def detect(cfg, images: List[str], args) -> None:
    """Boxes drawn into OUT_DIR/vis/ and written to OUT_DIR/preds/<image>.json (mmdet's inferencer)."""
    import warnings

    from mmdet.apis import DetInferencer
    cfg.visualizer["vis_backends"] = []  # drawing into out_dir needs no logging backend (which wants a save_dir)
    exported = args.checkpoint.endswith(".onnx")
    if exported:  # tools/export.py's DIR/model.onnx: ONNX Runtime in place of the network, nothing to load
        if args.bf16:
            raise ConfigError("--bf16 is for the PyTorch network; an exported model runs as it was exported")
        use_exported_model(cfg, args.checkpoint, getattr(args, "onnx_provider", "cpu"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "no weights loaded" is what an exported model means
        inferencer = DetInferencer(model=cfg, weights=None if exported else args.checkpoint, device=args.device,
                                   show_progress=False)
    if exported:  # the class names are the contract's (the inferencer would fall back to COCO's)
        meta = {**inferencer.model.dataset_meta, "classes": tuple(inferencer.model.contract["classes"])}
        inferencer.model.dataset_meta = inferencer.visualizer.dataset_meta = meta
    if args.bf16:
        enable_bf16(inferencer.model, tool="infer")
    inferencer(images, out_dir=args.out_dir, pred_score_thr=args.score_thr, batch_size=args.batch_size or 1,
               no_save_pred=False)
    Console.print(f"infer: {len(images)} image(s) -> drawn boxes in {osp.join(args.out_dir, 'vis')}, "
          f"predictions in {osp.join(args.out_dir, 'preds')}")


def classify(cfg, images: List[str], args) -> List[dict]:
    """Labels scoring at least ``args.threshold`` and/or the ``args.topk`` best, printed and written as JSON."""
    import torch
    from mmengine.dataset import Compose
    from mmengine.registry import MODELS
    from mmengine.runner import load_checkpoint
    threshold = 0.5 if args.threshold is None and args.topk is None else args.threshold
    if args.checkpoint.endswith(".onnx"):  # exported by tools/export.py: scores from ONNX Runtime
        if args.bf16:
            raise ConfigError("--bf16 is for the PyTorch network; an exported model runs as it was exported")
        model = OnnxClassifier(args.checkpoint, provider=getattr(args, "onnx_provider", "cpu"),
                               data_preprocessor=cfg.model.get("data_preprocessor"))
        classes = model.contract["classes"]
        if args.threshold is None and args.topk is None and model.contract["thresholds_source"]["fitted"]:
            threshold = torch.tensor(model.contract["thresholds"])  # fitted per class (tools/test.py)
    else:
        model_cfg = cfg.model.copy()
        model_cfg.update(pretrained=None, init_cfg=None)  # the checkpoint below replaces any starting weights
        model = MODELS.build(model_cfg)
        ckpt = load_checkpoint(model, args.checkpoint, map_location="cpu", strict=True)
        model.to(args.device).eval()
        if args.bf16:
            enable_bf16(model, tool="infer")
        classes = class_names(ckpt, model.num_classes)
    pipeline = Compose(cfg.test_dataloader.dataset.pipeline)
    results = []
    batch_size = args.batch_size or 16
    for start in range(0, len(images), batch_size):
        batch = [pipeline(dict(img_path=p)) for p in images[start:start + batch_size]]
        bad = [images[start + i] for i, b in enumerate(batch) if b is None]
        if bad:
            raise DatasetError(f"unreadable image(s): {bad}")
        data = model.data_preprocessor({"inputs": [b["inputs"] for b in batch]}, False)
        with torch.no_grad():
            out = model(data["inputs"], mode="tensor")
        if isinstance(model, OnnxClassifier):
            scores = out  # the exported graph ends in the sigmoid / softmax
        else:
            scores = torch.sigmoid(out.float()) if model.multi_label else torch.softmax(out.float(), 1)
        for b, s in zip(batch, scores.cpu()):
            order = s.argsort(descending=True).tolist()
            keep = order[: args.topk] if args.topk else order
            if threshold is not None:
                keep = [i for i in keep if s[i] >= (threshold[i] if torch.is_tensor(threshold) else threshold)]
            labels = [{"label": classes[i], "score": round(float(s[i]), 4)} for i in keep]
            results.append({"image": b["data_samples"]["img_path"], "labels": labels})
            Console.print(f"{b['data_samples']['img_path']}: " + (", ".join(
                f"{x['label']} {x['score']:.2f}" for x in labels) or "(none)"))
    out = args.out or osp.join(args.out_dir, "preds.json")
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1)
    Console.print(f"infer: predictions for {len(results)} image(s) written to {out}")
    return results


def run(args):
    """Dispatch on the config's task; the checkpoint named on the command line is checked first."""
    import torch
    from mmengine.registry import init_default_scope

    images = collect_images(args.inputs)
    if not args.checkpoint.endswith(".onnx"):
        check_named_checkpoint(args, args.checkpoint)
    cfg = load_config(args.config)
    args.device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    if not getattr(args, "verbose", False):
        quiet_console(MMLogger.get_current_instance())  # "Loads checkpoint ..." and the like go nowhere
    verbose = getattr(args, "verbose", False)
    with library_stdout_to_log(MMLogger.get_current_instance(), verbose):
        if task_of(cfg) == "detection":
            return detect(cfg, images, args)
        init_default_scope(cfg.get("default_scope", "mmengine"))
        return classify(cfg, images, args)
