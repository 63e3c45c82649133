"""Train any config of this project with mmengine (arguments as MMDetection's tools/train.py).

    python tools/train.py configs/fcos_tresnet_m_coco.py [--work-dir DIR] [--amp] [--bf16 [force]] [--auto-scale-lr]
        [--weights FILE] [--resume [CKPT]] [--checkpoint-every 30m] [--cfg-options k=v ...]
        [--launcher none|pytorch|slurm|mpi]

Exit codes: 0 done; 2 a clear error (one line); 75 stopped on a warning signal (SIGTERM/SIGUSR1) after writing a
resumable checkpoint: run the same command with --resume (tools/slurm_train.sh requeues the job by itself).
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import sys

import torch

from tresnet_tasks.cli.args import (add_bf16_arg, add_common_args, apply_common_args, apply_trust,
                                    check_named_checkpoint, clear_errors, parse_tool_args)
from tresnet_tasks.cli.config import load_config, set_pretrained_weights
from tresnet_tasks.cli.recipes import recipe_summary
from tresnet_tasks.cli.launch import finish_distributed, init_cpu_distributed
from tresnet_tasks.engine.checkpoint import (find_resumable_checkpoint, install_atomic_checkpoint_writes,
                                             remove_partial_writes)
from tresnet_tasks.cli.preemption import EXIT_PREEMPTED, apply_fault_tolerance, preempted_by, restarted_by_scheduler
from tresnet_tasks.engine.hooks import ConsoleHook, LabelStatsHook, PlotHook
from tresnet_tasks.engine.output import Console, library_stdout_to_log
from tresnet_tasks.engine.runner import ConsoleRunner
from tresnet_tasks.engine.precision import check_bf16_pays, enable_bf16
from tresnet_tasks.errors import CheckpointNotFoundError, ConfigError
from tresnet_tasks.fileio import mark_found_automatically
from tresnet_tasks.registry import register_all_modules


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Train a tresnet-tasks model")
    parser.add_argument("config", help="train config file path")
    add_common_args(parser)
    parser.add_argument("--amp", action="store_true", default=False,
                        help="automatic mixed precision: float16 with a loss scaler on GPU; bfloat16 autocast of the "
                             "network on a CPU-only machine (losses in float32, no scaler; refused on a CPU without "
                             "native bfloat16 unless --bf16 force)")
    add_bf16_arg(parser, "bfloat16: on a CPU-only machine the network in bfloat16 autocast (as --amp there); on GPU "
                         "AMP in bfloat16")
    parser.add_argument("--auto-scale-lr", action="store_true",
                        help="scale the learning rate linearly by (GPUs x batch per GPU) / auto_scale_lr.base_batch_size")
    parser.add_argument("--tensorboard", action="store_true",
                        help="also write TensorBoard event files into the work dir (pip install -e .[tb]); "
                             "view with: tensorboard --logdir WORK_DIR")
    parser.add_argument("--verbose", action="store_true",
                        help="print everything mmengine logs (the log file in the work dir always has it)")
    parser.add_argument("--weights", metavar="FILE",
                        help="start from these pretrained weights (a file in any supported format, a timm tag or "
                             "hf-hub:<repo>): the TResNet backbone of a detector, or the classifier")
    parser.add_argument("--resume", nargs="?", type=str, const="auto",
                        help="resume from the given checkpoint, or (no value) from the latest one in the work dir")
    parser.add_argument("--checkpoint-every", metavar="INTERVAL",
                        help="also write a resumable mid-epoch checkpoint this often (30m, 90s, 2h), keeping the newest "
                             "fault_tolerance.keep (default 2); config key fault_tolerance.checkpoint_every")
    return parse_tool_args(parser, argv)


def build_cfg(args):
    cfg = apply_common_args(load_config(args.config, args.cfg_options), args)
    if args.weights:
        check_named_checkpoint(args, args.weights)
        set_pretrained_weights(cfg, args.weights)
    if (args.amp or args.bf16) and not torch.cuda.is_available():
        # CPU: bfloat16 autocast of the network, applied to the built model in main(), where it pays
        check_bf16_pays("--bf16" if args.bf16 else "--amp", force=args.bf16 == "force")
    elif args.amp or args.bf16:
        wrapper = cfg.optim_wrapper.get("type", "OptimWrapper")
        amp_of = {"OptimWrapper": "AmpOptimWrapper", "GuardedOptimWrapper": "GuardedAmpOptimWrapper",
                  "AmpOnGpuOptimWrapper": "GuardedAmpOptimWrapper"}
        if wrapper in ("AmpOptimWrapper", "GuardedAmpOptimWrapper"):
            print("train: AMP is already enabled in the config", file=sys.stderr)
        elif wrapper not in amp_of:
            raise ConfigError(f"--amp does not know how to enable AMP for optim_wrapper.type={wrapper}")
        else:
            cfg.optim_wrapper.type = amp_of[wrapper]
            cfg.optim_wrapper.loss_scale = "dynamic"
        if args.bf16:
            cfg.optim_wrapper.dtype = "bfloat16"
    if args.tensorboard:
        add_tensorboard(cfg)
    if args.auto_scale_lr:
        if "auto_scale_lr" in cfg and "base_batch_size" in cfg.auto_scale_lr:
            cfg.auto_scale_lr.enable = True
        else:
            raise ConfigError("--auto-scale-lr needs auto_scale_lr=dict(base_batch_size=...) in the config")
    if cfg.get("sync_bn"):
        raise ConfigError("sync_bn would replace TResNet's norm+activation layers by plain SyncBatchNorm and drop "
                       "their activations; set model.sync_norm=True (classification) or "
                       "model.backbone.sync_norm=True (detection) instead")
    apply_fault_tolerance(cfg, args.checkpoint_every)
    restart = restarted_by_scheduler()
    if args.resume is None and restart:
        print(f"train: {restart}: resuming from the newest checkpoint of {cfg.work_dir}", file=sys.stderr)
        args.resume = "auto"
    if args.resume == "auto":
        pick_resume_checkpoint(cfg)
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise CheckpointNotFoundError(f"--resume checkpoint not found: {args.resume}")
        cfg.resume = True
        cfg.load_from = args.resume
    apply_trust(args, [args.resume if args.resume != "auto" else None, cfg.get("load_from")])
    summary = recipe_summary(args.config, cfg)
    if summary and os.environ.get("RANK", "0") == "0":
        print(f"train: recipe: {summary}", file=sys.stderr)
    return cfg


def add_tensorboard(cfg) -> None:
    """mmengine's TensorboardVisBackend next to the local one: the same scalars, as TensorBoard event files."""
    try:
        import tensorboard  # noqa: F401 - the backend imports it only when the first scalar is written
    except ImportError:
        raise ConfigError("--tensorboard needs the tensorboard package: pip install -e .[tb]") from None
    vis = cfg.get("visualizer") or dict(type="Visualizer", name="visualizer")
    backends = list(vis.get("vis_backends") or [dict(type="LocalVisBackend")])
    if not any(b.get("type") == "TensorboardVisBackend" for b in backends):
        backends.append(dict(type="TensorboardVisBackend"))
    vis["vis_backends"] = backends
    cfg.visualizer = vis


def pick_resume_checkpoint(cfg) -> None:
    """--resume without a path: the newest readable checkpoint of the work dir; damaged newer ones are skipped,
    each named with what is wrong. Picked files are never trusted beyond weights-only reading."""
    remove_partial_writes(cfg.work_dir)
    path, skipped = find_resumable_checkpoint(cfg.work_dir)
    for bad, why in skipped:
        print(f"train: skipping {bad}: {why}", file=sys.stderr)
    if path is None:
        print(f"train: --resume: no readable checkpoint in {cfg.work_dir}; starting from the beginning",
              file=sys.stderr)
        cfg.resume = False
        return
    if skipped:
        print(f"train: resuming from {path} (the newest readable checkpoint)", file=sys.stderr)
    mark_found_automatically(path)
    cfg.resume = True
    cfg.load_from = path


def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    install_atomic_checkpoint_writes()
    with clear_errors("train"):
        cfg = build_cfg(args)
        init_cpu_distributed(args.launcher, cfg)
        from mmengine.registry import RUNNERS
        cfg.verbose = args.verbose
        runner = ConsoleRunner.from_cfg(cfg) if "runner_type" not in cfg else RUNNERS.build(cfg)
        if (args.amp or args.bf16) and not torch.cuda.is_available():
            enable_bf16(runner.model, tool="train")
        runner.register_hook(PlotHook())
        runner.register_hook(LabelStatsHook())
        runner.register_hook(ConsoleHook())
        with library_stdout_to_log(runner.logger, args.verbose):
            runner.train()
        finish_distributed()
        if preempted_by(runner):
            Console.print(f"exiting with code {EXIT_PREEMPTED} (resume: --resume)")
            if os.environ.get("TT_EXIT_STATUS_FILE"):  # tools/dist_launch.sh: torchrun reports any exit as 1
                with open(os.environ["TT_EXIT_STATUS_FILE"], "w", encoding="utf-8") as f:
                    f.write(str(EXIT_PREEMPTED))
            sys.exit(EXIT_PREEMPTED)


if __name__ == "__main__":
    main()
