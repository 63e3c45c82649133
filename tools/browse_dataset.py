"""Look at a classification config's data before training on it (MMDetection's tool name).

    python tools/browse_dataset.py CONFIG [--split train|val|test] [--out samples.png] [--count 12]
        [--cfg-options data_root=... ...]
Prints per-class counts (positive / negative / unknown), labels per image and the classes that are never positive,
and draws a grid of samples with their labels, as the pipeline delivers them.
"""
from __future__ import annotations

import argparse

from mmengine.config import DictAction

from tresnet_tasks.cli.args import clear_errors
from tresnet_tasks.cli.browse import build_split, dataset_report, draw_samples
from tresnet_tasks.cli.config import load_config
from tresnet_tasks.registry import register_all_modules


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", help="a multi-label or transfer config")
    p.add_argument("--split", choices=["train", "val", "test"], default="train")
    p.add_argument("--out", default="samples.png", help="the grid of samples (PNG)")
    p.add_argument("--count", type=int, default=12, help="samples in the grid")
    p.add_argument("--cfg-options", nargs="+", action=DictAction, help="override config settings, key=value")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    with clear_errors("browse_dataset"):
        cfg = load_config(args.config, args.cfg_options)
        dataset = build_split(cfg, args.split)
        for line in dataset_report(dataset):
            print(line)
        print(f"samples: {draw_samples(dataset, args.out, args.count)}")


if __name__ == "__main__":
    main()
