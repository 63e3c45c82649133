"""The main job on the embedded default: FCOS + TResNet on generated COCO-format shapes, end to end.

    python tools/demo_detection.py [--work-dir work_dirs/demo_fcos_shapes] [--data-root data/shapes_coco]
1. generates the dataset if missing (JPEGs + instances_{train,val}2017.json),
2. trains with tools/train.py configs/fcos/fcos_tresnet-m-tiny_fpn_gn-head_1x_shapes.py (progress and ETA in the log),
3. evaluates the last checkpoint with tools/test.py (COCO box mAP via pycocotools),
4. draws predictions on a few validation images with tools/infer.py,
and prints where the checkpoint, log, metrics and pictures went. About 2 minutes on a 2-core CPU.
"""
from __future__ import annotations

import argparse
import glob
import json
import os.path as osp
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(ROOT, "configs", "fcos", "fcos_tresnet-m-tiny_fpn_gn-head_1x_shapes.py")


def run(cmd):
    print("+ " + " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--work-dir", default="work_dirs/demo_fcos_shapes")
    p.add_argument("--data-root", default="data/shapes_coco")
    p.add_argument("--epochs", type=int, default=None, help="override the demo schedule length")
    args = p.parse_args(argv)
    t0 = time.time()

    from tresnet_tasks.data.synthetic import make_shapes_coco
    data_root = osp.join(ROOT, args.data_root) if not osp.isabs(args.data_root) else args.data_root
    make_shapes_coco(data_root, num_train=200, num_val=50, size=160)
    print(f"[demo] data: {data_root} (COCO 2017 layout, 200 train / 50 val images)")

    work_dir = osp.join(ROOT, args.work_dir) if not osp.isabs(args.work_dir) else args.work_dir
    opts = [f"data_root={data_root}/"]
    if args.epochs:
        opts += [f"train_cfg.max_epochs={args.epochs}", f"param_scheduler.1.end={args.epochs}"]
    run([sys.executable, "tools/train.py", CONFIG, "--work-dir", work_dir, "--cfg-options", *opts])
    with open(osp.join(work_dir, "last_checkpoint"), encoding="utf-8") as f:
        ckpt = f.read().strip()
    test_dir = osp.join(work_dir, "test")
    run([sys.executable, "tools/test.py", CONFIG, ckpt, "--work-dir", test_dir, "--cfg-options", *opts])
    val_images = sorted(glob.glob(osp.join(data_root, "val2017", "*.jpg")))[:6]
    infer_dir = osp.join(work_dir, "infer")
    run([sys.executable, "tools/infer.py", *val_images, "--config", CONFIG, "--checkpoint", ckpt,
         "--out-dir", infer_dir, "--device", "cpu"])

    runs = sorted(glob.glob(osp.join(test_dir, "*", "*.json")))
    metrics = {}
    if runs:
        with open(runs[-1], encoding="utf-8") as f:
            metrics = json.load(f)
    logs = sorted(glob.glob(osp.join(work_dir, "2*", "2*.log")))
    print("\n[demo] done in %.0f s" % (time.time() - t0))
    print(f"[demo] checkpoint : {ckpt}")
    print(f"[demo] train log  : {logs[-1] if logs else work_dir}")
    print(f"[demo] box mAP    : {metrics.get('coco/bbox_mAP')}  AP50: {metrics.get('coco/bbox_mAP_50')}")
    print(f"[demo] detections : {osp.join(test_dir, 'predictions.bbox.json')} (COCO results format)")
    print(f"[demo] pictures   : {osp.join(infer_dir, 'vis')}")


if __name__ == "__main__":
    main()
