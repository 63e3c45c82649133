"""Trained models leave PyTorch and score the same: tools/export.py writes model.onnx + model.json, ONNX Runtime
runs it through tools/test.py (the checkpoint's evaluator) and tools/infer.py, and a program that imports neither
torch nor this package reproduces the predictions from model.json alone.

Truth: tools/test.py on the checkpoint (the metric the exported model must reach), the eager network (outputs at
batch sizes and image sizes other than the traced one), and an independent consumer written here.
"""
import glob
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
import torch

from tests.helpers import ROOT, run_tool, run_tool_in_process
from tresnet_tasks.cli.config import load_config
from tresnet_tasks.deploy.classifier import ScoresModel, build_for_export
from tresnet_tasks.deploy.runtime import ort_session

MLDECODER = ["model.head.type=mldecoder", "model.head.embed_dim=64", "model.head.num_groups=6",
             "model.head.num_heads=4", "model.head.ff_dim=128"]


@pytest.fixture(scope="module")
def multilabel_export(multilabel_demo, tmp_path_factory):
    out = tmp_path_factory.mktemp("ml_export")
    proc = run_tool_in_process("tools/export.py", multilabel_demo.config, str(multilabel_demo.checkpoint),
                               "--out", str(out), "--int8", "--calib-images", "32", *multilabel_demo.opts)
    assert proc.returncode == 0, proc.output
    assert "model_int8.onnx: calibrated on 32 training images" in proc.output
    return out


def _metric(work_dir, key):
    files = sorted(p for p in work_dir.glob("2*/2*.json"))
    return json.loads(files[-1].read_text())[key]


@pytest.mark.slow
def test_exported_multilabel_model_scores_like_its_checkpoint(multilabel_demo, multilabel_export, tmp_path):
    contract = json.loads((multilabel_export / "model.json").read_text())
    assert contract["task"] == "multilabel" and contract["input"]["name"] == "image"
    meta = torch.load(multilabel_demo.checkpoint, map_location="cpu", weights_only=False)["meta"]
    assert contract["classes"] == list(meta["dataset_meta"]["classes"]) and len(contract["classes"]) == 6
    assert contract["thresholds"] == [0.5] * 6  # the config's evaluator threshold, per class
    assert contract["source"]["checkpoint_sha256"] and contract["parity"]["max_abs_diff_vs_eager"] < 1e-4
    runs = {}
    for name, model in (("checkpoint", str(multilabel_demo.checkpoint)),
                        ("onnx", str(multilabel_export / "model.onnx"))):
        proc = run_tool_in_process("tools/test.py", multilabel_demo.config, model, "--work-dir", str(tmp_path / name),
                                   *multilabel_demo.opts)
        assert proc.returncode == 0, proc.output[-3000:]
        runs[name] = _metric(tmp_path / name, "multilabel/mAP")
    int8 = contract["int8"]
    proc = run_tool_in_process("tools/test.py", multilabel_demo.config, str(multilabel_export / int8["model"]),
                               "--work-dir", str(tmp_path / "int8"), *multilabel_demo.opts)
    assert proc.returncode == 0, proc.output[-3000:]
    runs["int8"] = _metric(tmp_path / "int8", "multilabel/mAP")
    lat = int8["latency"]
    print(f"multi-label demo mAP: checkpoint {runs['checkpoint']:.3f}, ONNX Runtime {runs['onnx']:.3f}, int8 "
          f"{runs['int8']:.3f} (drop {runs['onnx'] - runs['int8']:.2f}); latency batch {lat['batch']} "
          f"{lat['size']}: fp32 {lat['fp32_ms']:.2f} ms, int8 {lat['int8_ms']:.2f} ms")
    assert abs(runs["onnx"] - runs["checkpoint"]) <= 0.1
    assert int8["calibration"]["images"] == 32 and lat["fp32_ms"] > 0 and lat["int8_ms"] > 0
    assert runs["int8"] > runs["onnx"] - 5.0  # int8 keeps the model: a broken calibration loses tens of points
    import onnxruntime
    if "OpenVINOExecutionProvider" not in onnxruntime.get_available_providers():  # the stock onnxruntime wheel
        proc = run_tool_in_process("tools/test.py", multilabel_demo.config, str(multilabel_export / "model.onnx"),
                                   "--onnx-provider", "openvino", "--work-dir", str(tmp_path / "ov"),
                                   *multilabel_demo.opts)
        last = proc.output.strip().splitlines()[-1]
        assert proc.returncode == 2 and "OpenVINOExecutionProvider is not available" in last, proc.output[-2000:]
        assert "pip install onnxruntime-openvino" in last


@pytest.mark.slow
def test_exported_outputs_match_eager_at_other_batches_and_sizes(multilabel_demo, multilabel_export):
    cfg = load_config(multilabel_demo.config, {"data_root": f"{multilabel_demo.root}/"})
    eager = ScoresModel(build_for_export(cfg, str(multilabel_demo.checkpoint))).eval()
    session = ort_session(str(multilabel_export / "model.onnx"))
    assert json.loads((multilabel_export / "model.json").read_text())["traced_size"] == [128, 128]
    for batch, h, w in ((1, 96, 160), (3, 192, 192)):
        x = torch.rand(batch, 3, h, w)
        with torch.no_grad():
            want = eager(x).numpy()
        got = session.run(["scores"], {"image": x.numpy()})[0]
        assert got.shape == (batch, 6) and np.abs(got - want).max() < 1e-4, (batch, h, w, np.abs(got - want).max())


def test_mldecoder_head_exports_and_runs_at_sizes_other_than_traced(tmp_path):
    """The legacy exporter baked the ML-Decoder's token count in: any other size failed in ONNX Runtime."""
    from mmengine.registry import MODELS
    cfg_path = "configs/multilabel/asl_tresnet-m-tiny_128px_shapes.py"
    cfg = load_config(cfg_path, {k: (v if k.endswith("type") else int(v)) for k, v in
                                 (item.split("=", 1) for item in MLDECODER)})
    torch.manual_seed(0)
    model_cfg = cfg.model.copy()
    model_cfg.update(pretrained=None, init_cfg=None)
    model = MODELS.build(model_cfg)
    torch.save({"state_dict": model.state_dict(), "meta": {}}, tmp_path / "mld.pth")
    proc = run_tool_in_process("tools/export.py", cfg_path, str(tmp_path / "mld.pth"), "--out", str(tmp_path / "e"),
                               "--size", "96", "--cfg-options", *MLDECODER)
    assert proc.returncode == 0, proc.output
    eager = ScoresModel(build_for_export(cfg, str(tmp_path / "mld.pth"))).eval()
    session = ort_session(str(tmp_path / "e" / "model.onnx"))
    for batch, h, w in ((2, 96, 96), (1, 160, 128), (4, 224, 224)):
        x = torch.rand(batch, 3, h, w)
        with torch.no_grad():
            want = eager(x).numpy()
        got = session.run(["scores"], {"image": x.numpy()})[0]
        assert np.abs(got - want).max() < 1e-4, (batch, h, w)


@pytest.mark.slow
def test_exported_transfer_model_scores_like_its_checkpoint(transfer_demo, tmp_path):
    out = tmp_path / "export"
    assert run_tool_in_process("tools/export.py", transfer_demo.config, str(transfer_demo.checkpoint),
                               "--out", str(out)).returncode == 0
    contract = json.loads((out / "model.json").read_text())
    assert contract["task"] == "classification" and "softmax" in contract["outputs"][0]["meaning"]
    top1 = {}
    for name, model in (("checkpoint", str(transfer_demo.checkpoint)), ("onnx", str(out / "model.onnx"))):
        proc = run_tool_in_process("tools/test.py", transfer_demo.config, model, "--work-dir", str(tmp_path / name),
                                   *transfer_demo.opts)
        assert proc.returncode == 0, proc.output[-3000:]
        top1[name] = _metric(tmp_path / name, "accuracy/top1")
    print(f"transfer demo top-1: checkpoint {top1['checkpoint']:.2f}, ONNX Runtime {top1['onnx']:.2f}")
    assert abs(top1["onnx"] - top1["checkpoint"]) <= 0.1


CONSUMER = r'''
"""Runs an exported model from its model.json alone: onnxruntime, numpy and PIL; no torch, no tresnet_tasks."""
import json, sys
import numpy as np
import onnxruntime
from PIL import Image

folder, out, images = sys.argv[1], sys.argv[2], sys.argv[3:]
contract = json.load(open(f"{folder}/model.json"))
spec = contract["input"]
assert spec["layout"] == "NCHW" and spec["channels"] == "RGB" and spec["resize"]["rule"] == "squish"
h, w = spec["resize"]["size"]
mean = np.array(spec["mean"], np.float32).reshape(3, 1, 1)
std = np.array(spec["std"], np.float32).reshape(3, 1, 1)
batch = []
for path in images:
    img = Image.open(path).convert("RGB").resize((w, h), Image.BILINEAR)
    batch.append((np.asarray(img, np.float32).transpose(2, 0, 1) - mean) / std)
session = onnxruntime.InferenceSession(f"{folder}/{contract['model']}", providers=["CPUExecutionProvider"])
scores = session.run([contract["outputs"][0]["name"]], {spec["name"]: np.stack(batch).astype(spec["dtype"])})[0]
preds = [{"image": p, "scores": dict(zip(contract["classes"], map(float, row))),
          "labels": [c for c, s, t in zip(contract["classes"], row, contract["thresholds"]) if s >= t]}
         for p, row in zip(images, scores)]
json.dump(preds, open(out, "w"))
assert "torch" not in sys.modules and not any(m.startswith("tresnet_tasks") for m in sys.modules), "imported torch"
'''


@pytest.fixture(scope="module")
def fitted_export(multilabel_demo, tmp_path_factory):
    """tools/test.py --fit-thresholds on the demo's validation split, then tools/export.py --thresholds."""
    work = tmp_path_factory.mktemp("fit")
    proc = run_tool_in_process("tools/test.py", multilabel_demo.config, str(multilabel_demo.checkpoint),
                               "--work-dir", str(work), "--fit-thresholds", *multilabel_demo.opts)
    assert proc.returncode == 0, proc.output[-3000:]
    fitted = work / "predictions.thresholds.json"
    out = work / "export"
    proc = run_tool_in_process("tools/export.py", multilabel_demo.config, str(multilabel_demo.checkpoint), "--out",
                               str(out), "--thresholds", str(fitted))
    assert proc.returncode == 0, proc.output
    return out, json.loads(fitted.read_text()), _metric(work, "multilabel/fitted/CF1")


@pytest.mark.slow
def test_fitted_thresholds_travel_from_the_test_tool_into_the_contract(fitted_export):
    out, fitted, cf1 = fitted_export
    contract = json.loads((out / "model.json").read_text())
    assert contract["thresholds"] == fitted["thresholds"] and fitted["rule"] == "F1-optimal"
    assert contract["thresholds_source"]["fitted"] and len(set(fitted["thresholds"])) > 1  # one per class
    assert 0 < cf1 <= 100 and fitted["metrics_at_thresholds"]["fitted/CF1"] == pytest.approx(cf1)


@pytest.mark.slow
def test_a_consumer_without_torch_reproduces_the_tools_predictions(multilabel_demo, fitted_export, tmp_path):
    """The consumer's labels are infer's on the exported model (its fitted thresholds), and its scores infer's
    on the checkpoint (the config's own pipeline and eager PyTorch)."""
    folder = fitted_export[0]
    val = json.load(open(os.path.join(multilabel_demo.root, "annotations", "instances_val2017.json")))
    images = [os.path.join(multilabel_demo.root, "val2017", im["file_name"]) for im in val["images"][:6]]
    consumer = tmp_path / "consumer.py"
    consumer.write_text(CONSUMER)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, str(consumer), str(folder), str(tmp_path / "c.json"), *images],
                          cwd=str(tmp_path), capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    mine = json.loads((tmp_path / "c.json").read_text())
    run_tool("tools/infer.py", *images, "--config", multilabel_demo.config, "--checkpoint", str(folder / "model.onnx"),
             "--out", str(tmp_path / "onnx.json"))
    run_tool("tools/infer.py", *images, "--config", multilabel_demo.config, "--checkpoint",
             str(multilabel_demo.checkpoint), "--topk", "6", "--threshold", "0", "--out", str(tmp_path / "ckpt.json"))
    onnx, eager = json.loads((tmp_path / "onnx.json").read_text()), json.loads((tmp_path / "ckpt.json").read_text())
    for a, b, c in zip(onnx, eager, mine):
        assert sorted(x["label"] for x in a["labels"]) == sorted(c["labels"]), (a, c)
        assert len(b["labels"]) == 6
        assert all(abs(x["score"] - c["scores"][x["label"]]) < 2e-4 for x in b["labels"]), (b, c)


@pytest.mark.parametrize("args,expected", [
    (["--size", "100"], r"--size 100 100: TResNet needs H and W divisible by 32"),
    (["--cfg-options", "model.num_classes=7"], r"CheckpointMismatchError: checkpoint head has 6 classes but the "
                                                r"model has 7"),
    (["--cfg-options", "model.head.type=mldecoder"], r"CheckpointMismatchError: .*u\.pth has an GAP \+ linear .* "
                                                     r"head but the model's head is ML-Decoder"),
])
def test_bad_export_input_is_one_line(multilabel_demo_checkpointless, tmp_path, args, expected):
    import re
    cfg, ckpt = multilabel_demo_checkpointless
    proc = run_tool_in_process("tools/export.py", cfg, ckpt, "--out", str(tmp_path / "e"), *args)
    last = proc.output.strip().splitlines()[-1]
    assert proc.returncode == 2 and re.search(expected, last), proc.output


def test_a_detector_checkpoint_of_another_family_or_size_is_refused_in_one_line(tmp_path):
    from mmengine.registry import DefaultScope
    from mmdet.registry import MODELS
    retina = "configs/retinanet/retinanet_tresnet-m-tiny_fpn_1x_shapes.py"
    with DefaultScope.overwrite_default_scope("mmdet"):
        model = MODELS.build(load_config(retina).model)
    torch.save({"state_dict": model.state_dict(), "meta": {}}, tmp_path / "r.pth")
    atss = "configs/atss/atss_tresnet-m-tiny_fpn_1x_shapes.py"
    for config, expected in ((atss, r"does not fit configs/atss/.*: \d+ missing \(e\.g\. bbox_head"),
                             (retina, r"--size 100 100: TResNet needs H and W divisible by 32")):
        proc = run_tool_in_process("tools/export.py", config, str(tmp_path / "r.pth"), "--out", str(tmp_path / "e"),
                                   *(["--size", "100"] if config == retina else []))
        last = proc.output.strip().splitlines()[-1]
        assert proc.returncode == 2 and re.search(expected, last), proc.output[-2000:]


@pytest.fixture
def multilabel_demo_checkpointless(tmp_path):
    """The multi-label demo config with an untrained checkpoint (errors need no trained model)."""
    from mmengine.registry import MODELS
    cfg_path = "configs/multilabel/asl_tresnet-m-tiny_128px_shapes.py"
    model_cfg = load_config(cfg_path).model.copy()
    model_cfg.update(pretrained=None, init_cfg=None)
    torch.save({"state_dict": MODELS.build(model_cfg).state_dict(), "meta": {}}, tmp_path / "u.pth")
    return cfg_path, str(tmp_path / "u.pth")


def test_tools_test_refuses_a_missing_exported_model(tmp_path):
    proc = run_tool_in_process("tools/test.py", "configs/multilabel/asl_tresnet-m-tiny_128px_shapes.py",
                               str(tmp_path / "nope" / "model.onnx"))
    assert proc.returncode == 2 and "exported model not found" in proc.output.strip().splitlines()[-1]


def test_layout_of_the_consumer_contract_is_documented():
    page = open(os.path.join(ROOT, "docs", "deploy.md"), encoding="utf-8").read()
    for field in ("model.json", "input", "resize", "mean", "std", "classes", "thresholds", "sha256"):
        assert field in page, field


@pytest.mark.parametrize("kind,accelerator", [("gpu", True), ("cpu", False)])
def test_triton_repository_parses_with_tritons_schema_and_serves_the_model(tmp_path, kind, accelerator,
                                                                           multilabel_demo_checkpointless):
    """config.pbtxt read by Triton's own protobuf schema (tritonclient's ModelConfig); the model under 1/ runs at
    the declared input and output shapes with a batch dimension in front (max_batch_size > 0)."""
    from google.protobuf import text_format
    from tritonclient.grpc import model_config_pb2
    cfg, ckpt = multilabel_demo_checkpointless
    args = ["--triton", str(tmp_path / "repo"), "--triton-name", "tresnet_ml", "--triton-kind", kind]
    proc = run_tool_in_process("tools/export.py", cfg, ckpt, "--out", str(tmp_path / "e"), *args,
                               *(["--triton-accelerator"] if accelerator else []))
    assert proc.returncode == 0, proc.output
    folder = tmp_path / "repo" / "tresnet_ml"
    config = text_format.Parse((folder / "config.pbtxt").read_text(), model_config_pb2.ModelConfig())
    assert config.name == "tresnet_ml" and config.backend == "onnxruntime" and config.max_batch_size == 64
    assert config.instance_group[0].kind == getattr(model_config_pb2.ModelInstanceGroup, f"KIND_{kind.upper()}")
    assert list(config.dynamic_batching.preferred_batch_size) == [4, 8, 16, 32]
    accelerators = config.optimization.execution_accelerators
    names = [a.name for a in (accelerators.gpu_execution_accelerator if kind == "gpu"
                              else accelerators.cpu_execution_accelerator)]
    assert names == (["tensorrt" if kind == "gpu" else "openvino"] if accelerator else [])
    (inp,), (out,) = config.input, config.output
    assert inp.data_type == model_config_pb2.TYPE_FP32 and list(inp.dims) == [3, -1, -1]
    session = ort_session(str(folder / "1" / "model.onnx"))
    got = session.run([out.name], {inp.name: np.random.rand(5, 3, 96, 128).astype(np.float32)})[0]
    assert got.shape == (5, *out.dims)


def _check_detector_triton_config(folder, contract):
    """A detector's config.pbtxt read by Triton's schema: no batching dimension (rows of every image in one output),
    both inputs and every output of the contract, and the model under 1/ runs at those shapes."""
    from google.protobuf import text_format
    from tritonclient.grpc import model_config_pb2
    config = text_format.Parse((folder / "config.pbtxt").read_text(), model_config_pb2.ModelConfig())
    assert config.max_batch_size == 0 and not config.HasField("dynamic_batching")
    assert [(i.name, list(i.dims)) for i in config.input] == [("image", [-1, 3, -1, -1]), ("image_size", [-1, 2])]
    assert [i.data_type for i in config.input] == [model_config_pb2.TYPE_FP32, model_config_pb2.TYPE_INT64]
    assert [o.name for o in config.output] == [o["name"] for o in contract["outputs"]]
    got = ort_session(str(folder / "1" / "model.onnx")).run(
        [o.name for o in config.output], {"image": np.random.rand(2, 3, 96, 128).astype(np.float32),
                                          "image_size": np.array([[96, 128], [96, 96]], np.int64)})
    for array, spec in zip(got, config.output):
        assert array.ndim == len(spec.dims) and all(d == -1 or d == n for d, n in zip(spec.dims, array.shape))


def _val_batch(cfg, root, batch, h, w):
    """The first ``batch`` validation images resized to (h, w) and normalised as the config's data preprocessor does."""
    from PIL import Image
    pre = cfg.model.data_preprocessor
    files = sorted(glob.glob(os.path.join(root, "val2017", "*.jpg")))[:batch]
    x = torch.stack([torch.from_numpy(np.asarray(Image.open(f).convert("RGB").resize((w, h), Image.BILINEAR),
                                                 np.float32)).permute(2, 0, 1) for f in files])
    x = x if pre.get("bgr_to_rgb") else x.flip(1)  # the network's channel order
    return (x - torch.tensor(pre.mean)[:, None, None]) / torch.tensor(pre.std)[:, None, None]


INFERRED = ("fcos", "mask_rcnn")
INT8 = ("fcos", "mask_rcnn")  # --int8 and --triton too: a one-stage and a two-stage graph with masks  # tools/infer.py on the export too: boxes, and boxes with masks
DETECTORS = ("fcos", "retinanet", "atss", "gfl", "faster_rcnn", "mask_rcnn", "cascade_rcnn")


@pytest.mark.slow
@pytest.mark.parametrize("family", DETECTORS)
def test_exported_detector_scores_like_its_checkpoint_at_any_batch_and_size(family, fcos_demo, family_demo,
                                                                             tmp_path):
    """A detector with its post-processing in the graph: CocoMetric's box mAP through tools/test.py within 0.002
    of the checkpoint's; detections equal eager PyTorch's at batch sizes and image sizes other than the traced
    ones. The models are the session's trained demos (FCOS: the embedded default; the others: the learning test's)."""
    from mmengine.registry import DefaultScope

    from tresnet_tasks.deploy.detector import build_detector, detection_graph
    demo = fcos_demo if family == "fcos" else family_demo(family)
    out = tmp_path / "export"
    extra = ["--int8", "--calib-images", "16", "--triton", str(tmp_path / "repo")] if family in INT8 else []
    proc = run_tool_in_process("tools/export.py", demo.config, demo.checkpoint, "--out", str(out), *extra,
                               *demo.opts)
    assert proc.returncode == 0, proc.output
    contract = json.loads((out / "model.json").read_text())
    assert contract["task"] == "detection" and contract["classes"] == ["circle", "square", "triangle"]
    assert contract["parity"]["max_abs_diff_vs_eager"] < 1e-3
    kinds = ("bbox", "segm") if family == "mask_rcnn" else ("bbox",)
    assert [o["name"] for o in contract["outputs"]] == ["detections", "masks"][:len(kinds)]
    proc = run_tool_in_process("tools/test.py", demo.config, str(out / "model.onnx"), "--work-dir",
                               str(tmp_path / "onnx"), *demo.opts)
    assert proc.returncode == 0, proc.output[-3000:]
    keys = [f"coco/{kind}_{k}" for kind in kinds for k in ("mAP", "mAP_50")]
    maps = {"checkpoint": {k: demo.tested()[0][k] for k in keys}, "onnx": {k: _metric(tmp_path / "onnx", k)
                                                                           for k in keys}}
    if family in INT8:  # the convolutions in int8: scored by the same evaluator, the drop and latency reported
        proc = run_tool_in_process("tools/test.py", demo.config, str(out / "model_int8.onnx"), "--work-dir",
                                   str(tmp_path / "int8"), *demo.opts)
        assert proc.returncode == 0, proc.output[-3000:]
        maps["int8"] = {k: _metric(tmp_path / "int8", k) for k in keys}
        print(f"{family} int8 latency: {contract['int8']['latency']}")
        assert maps["int8"][keys[1]] >= maps["checkpoint"][keys[1]] - 0.1, maps  # AP50 within 10 points
        _check_detector_triton_config(tmp_path / "repo" / "tresnet", contract)
    print(f"{family} demo mAP / AP50: checkpoint {maps['checkpoint']}, ONNX Runtime {maps['onnx']}, "
          f"int8 {maps.get('int8')}")
    assert maps["checkpoint"][f"coco/{kinds[-1]}_mAP_50"] >= 0.3  # trained: not a comparison of two empty lists
    assert all(abs(maps["onnx"][k] - maps["checkpoint"][k]) <= 0.002 for k in keys), maps
    cfg = load_config(demo.config, {"data_root": f"{demo.root}/"})
    with DefaultScope.overwrite_default_scope("mmdet"):
        eager = detection_graph(build_detector(cfg, demo.checkpoint))
    session = ort_session(str(out / "model.onnx"))
    for batch, h, w in ((1, 128, 192), (3, 224, 160)):
        x = _val_batch(cfg, demo.root, batch, h, w)
        sizes = torch.tensor([[h, w - 32 * (i % 2)] for i in range(batch)])
        with torch.no_grad():
            want = eager(x, sizes)
        want = [t.numpy() for t in (want if isinstance(want, tuple) else (want,))]
        assert len(want[0]) > 0  # real images: the outputs compared hold detections
        got = session.run(["detections", "masks"][:len(kinds)], {"image": x.numpy(), "image_size": sizes.numpy()})
        for g, t in zip(got, want):
            assert g.shape == t.shape and np.abs(g - t).max(initial=0) < 1e-3, (batch, h, w, g.shape, t.shape)
    if family in INFERRED:  # tools/infer.py gives the checkpoint's predictions from the exported file
        images = sorted(glob.glob(os.path.join(demo.root, "val2017", "*.jpg")))[:2]
        preds = {}
        for name, model in (("checkpoint", demo.checkpoint), ("onnx", str(out / "model.onnx"))):
            run_tool_in_process("tools/infer.py", *images, "--config", demo.config, "--checkpoint", str(model),
                                "--out-dir", str(tmp_path / f"infer_{name}"), "--device", "cpu", check=True)
            preds[name] = [json.loads(p.read_text()) for p in sorted((tmp_path / f"infer_{name}" / "preds").glob("*"))]
        assert len(preds["onnx"]) == len(images) and any(p["labels"] for p in preds["onnx"])
        for mine, theirs in zip(preds["onnx"], preds["checkpoint"]):
            assert mine["labels"] == theirs["labels"] and ("masks" in mine) == ("masks" in theirs)
            assert np.allclose(mine["scores"], theirs["scores"], atol=1e-3)
            assert np.allclose(mine["bboxes"], theirs["bboxes"], atol=0.05)
