"""Run a trained model on images: boxes for a detection config, labels for a classification config.

    python tools/infer.py IMAGES_OR_FOLDER --config configs/fcos/fcos_tresnet-m_fpn_gn-head_1x_coco.py \
        --checkpoint epoch_12.pth [--out-dir outputs/infer] [--score-thr 0.3]
    python tools/infer.py IMAGES_OR_FOLDER --config configs/multilabel/asl_tresnet-l_448px_coco.py \
        --checkpoint best_multilabel_mAP.pth [--threshold 0.7] [--topk 5] [--out preds.json]
Detection writes OUT_DIR/vis/<image> (boxes drawn) and OUT_DIR/preds/<image>.json; classification prints each
image's labels and writes them as JSON (--out, default OUT_DIR/preds.json), with the class names stored in the
checkpoint (COCO's for the published 80-class models).
"""
from __future__ import annotations

import argparse

from tresnet_tasks.cli.args import add_bf16_arg, add_trust_arg, clear_errors
from tresnet_tasks.cli.infer import run
from tresnet_tasks.engine.precision import check_bf16_pays
from tresnet_tasks.registry import register_all_modules


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("inputs", nargs="+", help="image files and/or folders")
    p.add_argument("--config", required=True, help="the config the checkpoint was trained with")
    p.add_argument("--checkpoint", required=True, help="a file or a published name")
    p.add_argument("--out-dir", default="outputs/infer")
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:1 ... (default: cuda if available)")
    p.add_argument("--batch-size", type=int, default=None, help="default: 1 (detection), 16 (classification)")
    add_bf16_arg(p)
    p.add_argument("--verbose", action="store_true", help="print everything mmengine logs")
    p.add_argument("--onnx-provider", default="cpu", choices=["cpu", "openvino"],
                   help="ONNX Runtime's execution provider when --checkpoint is an exported DIR/model.onnx")
    det = p.add_argument_group("detection")
    det.add_argument("--score-thr", type=float, default=0.3, help="draw boxes scoring at least this")
    cls = p.add_argument_group("classification")
    cls.add_argument("--threshold", type=float, default=None, help="keep labels scoring at least this (COCO: 0.7)")
    cls.add_argument("--topk", type=int, default=None, help="keep the k best labels")
    cls.add_argument("--out", help="write the predictions as JSON here (default OUT_DIR/preds.json)")
    add_trust_arg(p)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    with clear_errors("infer"):
        if args.bf16 and (args.device or "cpu").startswith("cpu"):
            check_bf16_pays("--bf16", force=args.bf16 == "force")
        return run(args)


if __name__ == "__main__":
    main()
