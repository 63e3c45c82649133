"""Draw the training curves of one or several runs side by side (loss components, learning rate, validation metrics).

    python tools/plot_logs.py WORK_DIR [WORK_DIR ...] [--out curves.png] [--title TEXT]
Reads each run's newest ``<timestamp>/vis_data/scalars.json`` (mmengine's scalar log; the same numbers every training
run draws into WORK_DIR/plots/curves.png). With several work dirs, one colour per run: compare two configs.
"""
from __future__ import annotations

import argparse
import os.path as osp

from tresnet_tasks.cli.args import clear_errors
from tresnet_tasks.errors import ConfigError
from tresnet_tasks.visualization import curves, find_scalars, plot_runs, read_scalars


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("work_dirs", nargs="+", help="work dirs of training runs (tools/train.py --work-dir)")
    p.add_argument("--out", default="curves.png", help="the PNG to write")
    p.add_argument("--title", default="", help="figure title")
    return p.parse_args(argv)


def main(argv=None) -> str:
    args = parse_args(argv)
    with clear_errors("plot_logs"):
        runs = []
        for work_dir in args.work_dirs:
            path = find_scalars(work_dir)
            if path is None:
                raise ConfigError(f"{work_dir}: no <timestamp>/vis_data/scalars.json here; is it the --work-dir of a "
                                  "training run that has logged at least one interval?")
            runs.append((osp.basename(osp.normpath(work_dir)), curves(*read_scalars(path))))
        out = plot_runs(runs, args.out, args.title)
        print(f"plot_logs: {len(runs)} run(s) -> {out}")
        return out


if __name__ == "__main__":
    main()
