"""Export a trained model of any classification or detection config to ONNX, with its post-processing and a
contract.

    python tools/export.py CONFIG CHECKPOINT --out DIR [--size H W] [--opset 18] [--no-fold] [--thresholds FILE]
        [--int8 [--calib-images N]] [--triton REPO [--triton-kind gpu|cpu]] [--cfg-options k=v]

writes DIR/model.onnx (dynamic batch and size, H and W multiples of 32; scores out: sigmoid for multi-label,
softmax for single-label) and DIR/model.json (input name, layout, dtype, value range, resize rule, outputs, class
names, thresholds, the source config's and checkpoint's sha256: what a program needs without this package), and
prints ONNX Runtime's difference to eager PyTorch. The exported model runs in the project's tools:

    python tools/test.py CONFIG DIR/model.onnx [--onnx-provider openvino]   # the checkpoint's evaluator
    python tools/infer.py IMAGES --config CONFIG --checkpoint DIR/model.onnx

Detectors export too: FCOS, RetinaNet, ATSS, GFL, Faster / Mask / Cascade R-CNN, with the post-processing in the
graph (top-k, decode, RPN and RoIAlign, class-wise NMS; Mask R-CNN's mask probabilities as a second output), inputs
``image`` and ``image_size``; tools/test.py scores them with CocoMetric. A bare backbone classifier without a
config: tools/export_onnx.py.
"""
from __future__ import annotations

import argparse
import sys

from mmengine.config import DictAction

from tresnet_tasks.cli.args import add_trust_arg, apply_trust, check_named_checkpoint, clear_errors
from tresnet_tasks.cli.config import load_config
from tresnet_tasks.cli.infer import task_of
from tresnet_tasks.deploy import export_classifier
from tresnet_tasks.deploy.detector import export_detector
from tresnet_tasks.deploy.triton import write_repository
from tresnet_tasks.machine import require_detection
from tresnet_tasks.engine.output import Console
from tresnet_tasks.errors import ConfigError
from tresnet_tasks.registry import register_all_modules


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", help="the config the checkpoint was trained with")
    p.add_argument("checkpoint", help="a checkpoint of tools/train.py, or published weights in any supported format")
    p.add_argument("--out", required=True, help="output folder (model.onnx + model.json)")
    p.add_argument("--size", type=int, nargs="+", help="H [W] to trace at (default: the test pipeline's size); "
                                                       "the graph accepts any multiple of 32")
    p.add_argument("--opset", type=int, default=18)
    p.add_argument("--no-fold", action="store_true", help="keep the norms as BatchNorm nodes (default: folded)")
    p.add_argument("--thresholds", metavar="FILE", help="per-class thresholds to embed: the thresholds.json of "
                                                         "tools/test.py --fit-thresholds (default: the config's "
                                                         "evaluator threshold for every class)")
    p.add_argument("--int8", action="store_true", help="also write DIR/model_int8.onnx: ONNX Runtime static int8 "
                                                       "quantization (QDQ), calibrated on training images")
    p.add_argument("--calib-images", type=int, default=200, metavar="N",
                   help="training images (through the test pipeline) that calibrate --int8 (default 200)")
    p.add_argument("--triton", metavar="REPO", help="also write a Triton model repository: REPO/<name>/config.pbtxt "
                                                    "+ REPO/<name>/1/model.onnx (dynamic batching)")
    p.add_argument("--triton-name", default="tresnet", help="the model's name in the repository")
    p.add_argument("--triton-kind", default="gpu", choices=["gpu", "cpu"], help="instance group kind (default gpu)")
    p.add_argument("--triton-accelerator", action="store_true",
                   help="add the kind's execution accelerator: TensorRT FP16 on GPU, OpenVINO on CPU")
    p.add_argument("--cfg-options", nargs="+", action=DictAction, help="override config settings, key=value")
    add_trust_arg(p)
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    register_all_modules()
    with clear_errors("export"):
        apply_trust(args, [args.checkpoint])
        cfg = load_config(args.config, args.cfg_options)
        check_named_checkpoint(args, args.checkpoint)
        if task_of(cfg) == "detection":
            require_detection(args.config)
            if args.thresholds:
                raise ConfigError("--thresholds is for classifiers: a detector's score_thr is its config's test_cfg")
            contract = export_detector(cfg, args.checkpoint, args.out, size=args.size, opset=args.opset,
                                       int8=args.int8, calib_images=args.calib_images)
        else:
            contract = export_classifier(cfg, args.checkpoint, args.out, size=args.size, opset=args.opset,
                                         fold=not args.no_fold, thresholds_file=args.thresholds, int8=args.int8,
                                         calib_images=args.calib_images)
        if args.triton:
            folder = write_repository(args.out, args.triton, contract, args.triton_name, args.triton_kind,
                                      accelerator=args.triton_accelerator)
            Console.print(f"[export] Triton model repository: {folder}/config.pbtxt + {folder}/1/model.onnx")
    parity = contract["parity"]
    Console.print(f"[export] {args.out}/model.onnx + model.json: {contract['task']}, {len(contract['classes'])} "
                  f"classes, traced at {parity['size'][0]}x{parity['size'][1]}; ONNX Runtime vs eager max abs "
                  f"diff {parity['max_abs_diff_vs_eager']:.2e}")
    if "int8" in contract:
        lat = contract["int8"]["latency"]
        Console.print(f"[export] {args.out}/model_int8.onnx: calibrated on {contract['int8']['calibration']['images']} "
                      f"training images; batch {lat['batch']} at {lat['size'][0]}x{lat['size'][1]}: fp32 "
                      f"{lat['fp32_ms']:.1f} ms, int8 {lat['int8_ms']:.1f} ms ({lat['speedup']:.2f}x), ONNX Runtime "
                      "CPU; score it: tools/test.py CONFIG DIR/model_int8.onnx")
    return 0


if __name__ == "__main__":
    sys.exit(main())
