"""Export a TResNet classifier to ONNX (and optionally TorchScript), checking the result against eager PyTorch.

Example:
    python tools/export_onnx.py tresnet_m --checkpoint tresnet_m.pth --num-classes 1000 --size 224 \
        --out tresnet_m.onnx --fold --torchscript tresnet_m.ts
InPlace-ABN is not traceable, so the model is built (or converted) with plain BatchNorm: same weights, same outputs.
"""
from __future__ import annotations

import argparse
import sys
import os

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from tresnet_tasks import create_tresnet, fold_norms, load_tresnet_weights  # noqa: E402
from tresnet_tasks.engine.cli import add_trust_arg, apply_trust, clear_errors  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("arch", help="tresnet_m | tresnet_l | tresnet_xl | tresnet_v2_l")
    p.add_argument("--checkpoint", help="weights in any supported format (official, 21K, timm, this project), a timm "
                                        "tag (tresnet_m.miil_in1k) or hf-hub:<repo>")
    p.add_argument("--num-classes", type=int, default=1000)
    p.add_argument("--size", type=int, nargs="+", default=[224], help="H [W] of the example input (multiple of 32)")
    p.add_argument("--out", required=True, help="output .onnx path")
    p.add_argument("--fold", action="store_true", help="fold norms into convs first (faster inference)")
    p.add_argument("--torchscript", help="also save a torch.jit.script module here")
    p.add_argument("--opset", type=int, default=17)
    p.add_argument("--layers", type=int, nargs=4, help=argparse.SUPPRESS)  # small test models
    p.add_argument("--width", type=float, help=argparse.SUPPRESS)
    add_trust_arg(p)
    return p.parse_args(argv)


def export(args) -> float:
    h, w = (args.size * 2)[:2]
    model = create_tresnet(args.arch, num_classes=args.num_classes, norm="bn", layers=args.layers, width=args.width)
    if args.checkpoint:
        print(f"[export] {load_tresnet_weights(model, args.checkpoint)}")
    model.eval()
    if args.fold:
        model = fold_norms(model)
    x = torch.rand(1, 3, h, w)
    with torch.no_grad():
        ref = model(x)
    torch.onnx.export(model, (x,), args.out, dynamo=False, opset_version=args.opset, input_names=["image"],
                      output_names=["logits"], dynamic_axes={"image": {0: "batch", 2: "height", 3: "width"},
                                                             "logits": {0: "batch"}})
    import onnxruntime as ort
    sess = ort.InferenceSession(args.out, providers=["CPUExecutionProvider"])
    got = sess.run(None, {"image": x.numpy()})[0]
    diff = float(np.abs(got - ref.numpy()).max())
    print(f"[export] wrote {args.out}; ONNX Runtime vs eager max abs diff {diff:.2e}")
    if args.torchscript:
        scripted = torch.jit.script(model)
        scripted.save(args.torchscript)
        with torch.no_grad():
            ts_diff = float((scripted(x) - ref).abs().max())
        print(f"[export] wrote {args.torchscript}; TorchScript vs eager max abs diff {ts_diff:.2e}")
    return diff


def main(argv=None) -> int:
    args = parse_args(argv)
    with clear_errors("export_onnx"):
        apply_trust(args, [args.checkpoint])
        export(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
