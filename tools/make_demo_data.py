"""Generate the demo datasets in their real formats where the demo configs look for them (idempotent).

    python tools/make_demo_data.py [--root data]
- data/shapes_coco/       COCO 2017 detection layout, 3 shapes, 200 train / 50 val (configs/fcos/*_shapes.py and
                          every detector family's demo, configs/<family>/*_shapes.py)
- data/shapes_coco_masks/ the same with a COCO polygon per shape, drawn from it (configs/mask_rcnn/*_shapes.py)
- data/shapes_multilabel/ the same layout, 6 shapes as multi-label targets, 300 train / 100 val
                          (configs/multilabel/*_shapes.py)
- data/cifar_shapes/      CIFAR-10 python pickles, 600 train / 200 test (configs/transfer/*_shapes-cifar10.py)
"""
from __future__ import annotations

import argparse
import os.path as osp

from tresnet_tasks.data.synthetic import ALL_SHAPES, make_cifar_pickles, make_shapes_coco


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--root", default="data", help="parent folder of the datasets")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    made = [make_shapes_coco(osp.join(args.root, "shapes_coco"), num_train=200, num_val=50, size=160),
            make_shapes_coco(osp.join(args.root, "shapes_coco_masks"), num_train=200, num_val=50, size=160,
                             with_masks=True),
            make_shapes_coco(osp.join(args.root, "shapes_multilabel"), num_train=300, num_val=100, size=128,
                             shapes=ALL_SHAPES),
            make_cifar_pickles(osp.join(args.root, "cifar_shapes"), 10, num_train=600, num_test=200)]
    for path in made:
        print(f"make_demo_data: {path}")


if __name__ == "__main__":
    main()
