"""Label images with a trained multi-label (or single-label) classifier: scores above a threshold and/or top-k.

    python tools/infer_multilabel.py IMAGES_OR_FOLDER --config configs/multilabel/asl_tresnet_l_448_coco.py \
        --checkpoint best_multilabel_mAP.pth [--threshold 0.7] [--topk 5] [--out preds.json]
Uses the config's test pipeline (resize, no normalisation) and class names stored in the checkpoint when present.
"""
from __future__ import annotations

import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from tresnet_tasks.engine.cli import add_trust_arg  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("inputs", nargs="+", help="image files and/or folders")
    p.add_argument("--config", required=True)
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--threshold", type=float, default=None, help="keep labels scoring at least this (COCO: 0.7)")
    p.add_argument("--topk", type=int, default=None, help="keep the k best labels")
    p.add_argument("--out", help="write the predictions as JSON here")
    p.add_argument("--device", default=None)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--bf16", action="store_true", help="network in bfloat16 autocast (scores in float32)")
    add_trust_arg(p)
    return p.parse_args(argv)


def class_names(ckpt, num_classes):
    """Names from the checkpoint's dataset meta (this project's checkpoints); for published 80-class COCO models
    (ASL, ML-Decoder), which carry none, COCO's categories in json order, as those models were trained."""
    from tresnet_tasks.data.coco_checks import COCO_CLASSES
    names = (ckpt.get("meta", {}).get("dataset_meta") or {}).get("classes")
    if names:
        return list(names)
    return list(COCO_CLASSES) if num_classes == len(COCO_CLASSES) else [str(i) for i in range(num_classes)]


def main(argv=None):
    args = parse_args(argv)
    from tresnet_tasks.engine.checkpoint import install_safe_checkpoint_io
    from tresnet_tasks.engine.cli import check_named_checkpoint, clear_errors, load_config
    from tresnet_tasks.errors import DatasetError
    install_safe_checkpoint_io()
    with clear_errors("infer_multilabel"):
        import torch
        from mmengine.dataset import Compose
        from mmengine.registry import MODELS, init_default_scope
        from mmengine.runner import load_checkpoint

        from tools.infer import collect_images
        images = collect_images(args.inputs)
        if args.threshold is None and args.topk is None:
            args.threshold = 0.5
        cfg = load_config(args.config)
        init_default_scope(cfg.get("default_scope", "mmengine"))
        model_cfg = cfg.model.copy()
        model_cfg["pretrained"] = None
        model = MODELS.build(model_cfg)
        check_named_checkpoint(args, args.checkpoint)
        ckpt = load_checkpoint(model, args.checkpoint, map_location="cpu", strict=True)
        device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
        model.to(device).eval()
        if args.bf16:
            from tresnet_tasks.engine.precision import enable_bf16
            enable_bf16(model, tool="infer_multilabel")
        classes = class_names(ckpt, model.num_classes)
        pipeline = Compose(cfg.test_dataloader.dataset.pipeline)
        results = []
        for start in range(0, len(images), args.batch_size):
            batch = [pipeline(dict(img_path=p)) for p in images[start:start + args.batch_size]]
            bad = [images[start + i] for i, b in enumerate(batch) if b is None]
            if bad:
                raise DatasetError(f"unreadable image(s): {bad}")
            data = model.data_preprocessor({"inputs": [b["inputs"] for b in batch]}, False)
            with torch.no_grad():
                logits = model(data["inputs"], mode="tensor")
            scores = torch.sigmoid(logits.float()) if model.multi_label else torch.softmax(logits.float(), 1)
            for b, s in zip(batch, scores.cpu()):
                order = s.argsort(descending=True).tolist()
                keep = order[: args.topk] if args.topk else order
                if args.threshold is not None:
                    keep = [i for i in keep if s[i] >= args.threshold]
                labels = [{"label": classes[i], "score": round(float(s[i]), 4)} for i in keep]
                results.append({"image": b["data_samples"]["img_path"], "labels": labels})
                print(f"{b['data_samples']['img_path']}: " + (", ".join(
                    f"{x['label']} {x['score']:.2f}" for x in labels) or "(none)"))
        if args.out:
            with open(args.out, "w", encoding="utf-8") as f:
                json.dump(results, f, indent=1)
            print(f"infer_multilabel: predictions for {len(results)} image(s) written to {args.out}")
        return results


if __name__ == "__main__":
    main()
