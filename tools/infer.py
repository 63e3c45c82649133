"""Detect objects in images with a trained checkpoint; draw the boxes and write them out (and as JSON).

    python tools/infer.py IMAGES_OR_FOLDER --config configs/fcos_tresnet_m_coco.py --checkpoint epoch_12.pth \
        [--out-dir outputs/infer] [--score-thr 0.3] [--device cpu]
Writes OUT_DIR/vis/<image> (boxes drawn) and OUT_DIR/preds/<image>.json (labels, scores, boxes).
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from tresnet_tasks.engine.cli import add_trust_arg  # noqa: E402

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("inputs", nargs="+", help="image files and/or folders")
    p.add_argument("--config", required=True, help="the config the checkpoint was trained with")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--out-dir", default="outputs/infer")
    p.add_argument("--score-thr", type=float, default=0.3, help="draw boxes scoring at least this")
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:1 ... (default: cuda if available)")
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--bf16", action="store_true", help="network in bfloat16 autocast (boxes and NMS in float32)")
    add_trust_arg(p)
    return p.parse_args(argv)


def collect_images(inputs):
    from tresnet_tasks.errors import DatasetError
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


def main(argv=None):
    args = parse_args(argv)
    from tresnet_tasks.engine.checkpoint import install_safe_checkpoint_io
    from tresnet_tasks.engine.cli import check_named_checkpoint, clear_errors, load_config
    install_safe_checkpoint_io()
    with clear_errors("infer"):
        images = collect_images(args.inputs)
        check_named_checkpoint(args, args.checkpoint)
        import torch
        from mmdet.apis import DetInferencer
        cfg = load_config(args.config)
        device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
        inferencer = DetInferencer(model=cfg, weights=args.checkpoint, device=device, show_progress=False)
        if args.bf16:
            from tresnet_tasks.engine.precision import enable_bf16
            enable_bf16(inferencer.model, tool="infer")
        inferencer(images, out_dir=args.out_dir, pred_score_thr=args.score_thr, batch_size=args.batch_size,
                   no_save_pred=False)
        print(f"infer: {len(images)} image(s) -> drawn boxes in {osp.join(args.out_dir, 'vis')}, "
              f"predictions in {osp.join(args.out_dir, 'preds')}")


if __name__ == "__main__":
    main()
