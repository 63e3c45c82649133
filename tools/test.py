"""Evaluate a checkpoint of any config of this project (arguments as MMDetection's tools/test.py).

    python tools/test.py configs/fcos/fcos_tresnet-m_fpn_gn-head_1x_coco.py work_dirs/.../epoch_12.pth [--work-dir DIR]
        [--out results.pkl] [--show-dir DIR] [--cfg-options k=v ...] [--launcher ...]
Detection configs report COCO box mAP (pycocotools COCOeval) and write the predictions as COCO json.
"""
from __future__ import annotations

import argparse
import os.path as osp

from tresnet_tasks.cli.args import (add_bf16_arg, add_common_args, apply_common_args, check_named_checkpoint,
                                    clear_errors, parse_tool_args)
from tresnet_tasks.cli.config import load_config, use_exported_model
from tresnet_tasks.cli.launch import finish_distributed, init_cpu_distributed
from tresnet_tasks.engine.hooks import ConsoleHook
from tresnet_tasks.engine.output import Console, library_stdout_to_log
from tresnet_tasks.engine.runner import ConsoleRunner
from tresnet_tasks.engine.precision import check_bf16_pays, enable_bf16
from tresnet_tasks.errors import ConfigError
from tresnet_tasks.registry import register_all_modules
from tresnet_tasks.visualization.coco_ap import draw_per_category_ap


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Test (and eval) a tresnet-tasks model")
    parser.add_argument("config", help="test config file path")
    parser.add_argument("checkpoint", help="checkpoint file, or published weights by name (e.g. hf-hub:...)")
    add_common_args(parser)
    parser.add_argument("--out", type=str, help="dump predictions to a pickle file (.pkl)")
    parser.add_argument("--show", action="store_true", help="show prediction results in a window")
    parser.add_argument("--show-dir", help="directory (inside the work dir's timestamp folder) to save drawn images")
    parser.add_argument("--wait-time", type=float, default=2, help="the interval of show (s)")
    parser.add_argument("--verbose", action="store_true",
                        help="print everything mmengine logs (the log file in the work dir always has it)")
    add_bf16_arg(parser, "run the network in bfloat16 autocast (post-processing and metrics stay in float32)")
    parser.add_argument("--fit-thresholds", action="store_true",
                        help="multi-label: pick one threshold per class on this split (F1-optimal, or with "
                             "--min-precision the lowest reaching it), report CP..OF1 at them and write them to "
                             "WORK_DIR/predictions.thresholds.json (tools/export.py --thresholds embeds them)")
    parser.add_argument("--min-precision", type=float, metavar="P",
                        help="with --fit-thresholds: each class's threshold is the lowest whose precision >= P")
    parser.add_argument("--onnx-provider", default="cpu", choices=["cpu", "openvino"],
                        help="ONNX Runtime's execution provider when CHECKPOINT is an exported DIR/model.onnx")
    return parse_tool_args(parser, argv)


def build_cfg(args):
    if args.bf16:
        check_bf16_pays("--bf16", force=args.bf16 == "force")
    cfg = apply_common_args(load_config(args.config, args.cfg_options), args)
    if args.checkpoint.endswith(".onnx"):
        if args.bf16:
            raise ConfigError("--bf16 is for the PyTorch network; an exported model runs as it was exported")
        use_exported_model(cfg, args.checkpoint, args.onnx_provider)
    else:
        check_named_checkpoint(args, args.checkpoint)
        cfg.load_from = args.checkpoint
    if args.show or args.show_dir:
        hooks = cfg.default_hooks
        if "visualization" not in hooks:
            raise ConfigError("--show/--show-dir need a 'visualization' hook in default_hooks")
        hooks.visualization.draw = True
        hooks.visualization.show = args.show
        hooks.visualization.wait_time = args.wait_time
        if args.show_dir:
            hooks.visualization.test_out_dir = args.show_dir
    logger = cfg.get("default_hooks", {}).get("logger")
    if logger is not None and logger.get("type") in ("LoggerHook", "mmengine.LoggerHook"):
        logger.type = "RankZeroLoggerHook"  # one writer for the metrics json under DDP
    evaluators = cfg.test_evaluator if isinstance(cfg.test_evaluator, list) else [cfg.test_evaluator]
    for ev in evaluators:  # COCO detections / per-class AP as json next to the metrics
        if ev.get("type") in ("CocoMetric", "MultiLabelMetric", "ClassificationMetric") and not ev.get("outfile_prefix"):
            ev.outfile_prefix = osp.join(cfg.work_dir, "predictions")
    if args.min_precision is not None and not args.fit_thresholds:
        raise ConfigError("--min-precision goes with --fit-thresholds")
    if args.fit_thresholds:
        multilabel = [ev for ev in evaluators if ev.get("type") == "MultiLabelMetric"]
        if not multilabel:
            raise ConfigError("--fit-thresholds picks per-class thresholds of a multi-label evaluator "
                              "(MultiLabelMetric); this config has none")
        for ev in multilabel:
            ev.update(fit_thresholds=True, min_precision=args.min_precision)
    if args.out is not None:
        if not args.out.endswith((".pkl", ".pickle")):
            raise ConfigError("--out must be a .pkl file")
        cfg.test_evaluator = evaluators + [dict(type="DumpResults", out_file_path=args.out)]
    return cfg


def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    with clear_errors("test"):
        cfg = build_cfg(args)
        init_cpu_distributed(args.launcher, cfg)
        cfg.verbose = args.verbose
        runner = ConsoleRunner.from_cfg(cfg)
        if args.bf16:
            enable_bf16(runner.model, tool="test")
        runner.register_hook(ConsoleHook())
        with library_stdout_to_log(runner.logger, args.verbose):
            metrics = runner.test()
            metrics = explain_empty_detections(cfg, metrics)
            charts = draw_charts(cfg)
        for chart in charts:
            Console.print(f"chart     {chart}")
        Console.print(f"results   {osp.abspath(cfg.work_dir)}")
        finish_distributed()
        return metrics


def _coco_evaluator(cfg):
    evaluators = cfg.test_evaluator if isinstance(cfg.test_evaluator, list) else [cfg.test_evaluator]
    return next((ev for ev in evaluators if ev.get("type") == "CocoMetric"), None)


def explain_empty_detections(cfg, metrics):
    """mmdet's CocoMetric returns no metric at all when the model detected nothing (pycocotools cannot load an empty
    result list): that is a box mAP of 0.0, said with the reason."""
    if metrics or _coco_evaluator(cfg) is None:
        return metrics
    thr = cfg.model.get("test_cfg", {}).get("score_thr")
    Console.print(f"[test] coco/bbox_mAP 0.0: the model made no detection above score_thr={thr} on any image "
                  "(an untrained or diverged model; lower model.test_cfg.score_thr to see its raw scores)")
    return {"coco/bbox_mAP": 0.0, "coco/bbox_mAP_50": 0.0, "coco/bbox_mAP_75": 0.0}


def draw_charts(cfg):
    """Per-category AP for detection (the metrics draw their own charts for classification); the PNGs written."""
    import glob
    ev = _coco_evaluator(cfg)
    det_file = osp.join(cfg.work_dir, "predictions.bbox.json")
    if ev is not None and osp.isfile(det_file) and ev.get("ann_file"):
        draw_per_category_ap(ev.ann_file, det_file, osp.join(cfg.work_dir, "predictions.per_category_ap.png"))
    return sorted(glob.glob(osp.join(osp.abspath(cfg.work_dir), "predictions.*.png")))


if __name__ == "__main__":
    main()
