"""Export a TResNet classifier to ONNX (and optionally a torch.export program), checked against eager PyTorch.

Example:
    python tools/export_onnx.py tresnet_m --checkpoint tresnet_m.pth --num-classes 1000 --size 224 \
        --out tresnet_m.onnx --fold --export tresnet_m.pt2
InPlace-ABN is not traceable, so the model is built (or converted) with plain BatchNorm: same weights, same outputs.
The ``.pt2`` file (``torch.export``, the successor of TorchScript) has a dynamic batch and the example's H x W;
load it with ``torch.export.load(path).module()``.
"""
from __future__ import annotations

import argparse
import sys

import numpy as np
import torch

from tresnet_tasks.backbone import create_tresnet, fold_norms, load_tresnet_weights
from tresnet_tasks.cli.args import add_trust_arg, apply_trust, clear_errors


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("arch", help="tresnet_m | tresnet_l | tresnet_xl | tresnet_v2_l")
    p.add_argument("--checkpoint", help="weights in any supported format (official, 21K, timm, this project), a timm "
                                        "tag (tresnet_m.miil_in1k) or hf-hub:<repo>")
    p.add_argument("--num-classes", type=int, default=1000)
    p.add_argument("--size", type=int, nargs="+", default=[224], help="H [W] of the example input (multiple of 32)")
    p.add_argument("--out", required=True, help="output .onnx path")
    p.add_argument("--fold", action="store_true", help="fold norms into convs first (faster inference)")
    p.add_argument("--export", metavar="PT2", help="also save a torch.export program (.pt2) here")
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
    if args.export:
        batch = torch.export.Dim("batch", min=1, max=1024)
        with torch.no_grad():
            # an example batch of 2: torch.export specialises a size-1 dimension to the constant 1
            program = torch.export.export(model, (x.repeat(2, 1, 1, 1),), dynamic_shapes=({0: batch},))
            torch.export.save(program, args.export)
            pt2_diff = float((torch.export.load(args.export).module()(x) - ref).abs().max())
        print(f"[export] wrote {args.export}; torch.export vs eager max abs diff {pt2_diff:.2e}")
    return diff


def main(argv=None) -> int:
    args = parse_args(argv)
    with clear_errors("export_onnx"):
        apply_trust(args, [args.checkpoint])
        export(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
