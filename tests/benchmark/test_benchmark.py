"""tools/benchmark.py mechanics (no timing thresholds): it runs, ratios come from what it measured, and the
saved-for-backward counter agrees with a hand-computed network."""
import json

import torch
import torch.nn as nn

import pytest

from tests.helpers import run_tool, run_tool_in_process
from tresnet_tasks.benchmark.baseline import default_det_peer
from tresnet_tasks.benchmark.measure import gflop_per_image, saved_bytes_for_backward, step_peak_bytes
from tresnet_tasks.benchmark.specs import parse_spec


def test_saved_bytes_hand_computed():
    # Linear saves its input (N x 4); ReLU saves its output (N x 8); weights are parameters and excluded
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
    x = torch.rand(5, 4, requires_grad=False)
    assert saved_bytes_for_backward(net, x) == 5 * (4 + 8) * 4
    # the same storage saved twice counts once: x * x saves x twice
    class Square(nn.Module):
        def forward(self, t):
            return t * t
    y = torch.rand(3, 7, requires_grad=True)
    assert saved_bytes_for_backward(Square(), y) == 3 * 7 * 4


def test_step_peak_hand_computed():
    def step():  # 3 live 4 MiB tensors at most
        a, b, c = torch.empty(1 << 20), torch.empty(1 << 20), torch.empty(1 << 20)
        del b
        d = torch.empty(1 << 20)
        return a, c, d
    assert step_peak_bytes(step, torch.device("cpu")) == 3 * 4 * 2 ** 20


def test_flop_count_hand_computed():
    conv = nn.Conv2d(3, 8, 3, padding=1, bias=False)  # 8 * 3 * 9 multiply-adds per output pixel
    assert gflop_per_image(conv, torch.rand(2, 3, 10, 10)) == pytest.approx(2 * 8 * 3 * 9 * 100 / 1e9)


def test_training_step_flop_count_hand_computed():
    from tresnet_tasks.benchmark.measure import gflop_of
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.Conv2d(8, 4, 1, bias=False))
    x = torch.rand(2, 3, 10, 10)
    f1, f2 = 2 * 2 * 100 * 8 * 3 * 9, 2 * 2 * 100 * 4 * 8  # forward FLOPs of each conv on the batch
    # backward: conv2's weight and input gradients (a forward's worth each), conv1's weight gradient only (the
    # image needs none)
    assert gflop_of(lambda: net(x).sum().backward()) == pytest.approx((2 * f1 + 3 * f2) / 1e9)


def test_tool_runs_and_ratios_are_computed_from_measurements(tmp_path):
    out = tmp_path / "b.json"
    proc = run_tool("tools/benchmark.py", "--models", "ours:tresnet_m:iabn_torch", "ours:tresnet_m:bn:fold",
                    "ours:tresnet_m:bn:onnx", "ours:tresnet_m:bn:int8", "ours:tresnet_m:bn:fold+bf16",
                    "timm:tresnet_m::cl", "--size", "64",
                    "--batch", "2", "--warmup", "0", "--repeats", "2", "--flops", "--json", str(out),
                    "--plot", str(tmp_path / "b.png"))
    data = json.loads(out.read_text())
    rows = {r["model"]: r for r in data["rows"]}
    # the default baseline: the peer's fastest form here, both forms measured in this run
    assert {"timm:tresnet_m::cl", "timm:tresnet_m"} <= set(rows) and data["baseline"] in rows
    assert data["baseline"] in data["baseline_choice"] and data["peak_gflops"] > 0
    base = rows[data["baseline"]]
    ours = rows["ours:tresnet_m:iabn_torch"]
    for key in ("infer_img_s", "train_img_s", "saved_MB_per_img", "step_peak_MB"):
        assert ours[f"{key}_ratio"] == ours[key] / base[key]
        assert base[f"{key}_ratio"] == 1.0
    for spec in ("ours:tresnet_m:bn:fold", "ours:tresnet_m:bn:onnx", "ours:tresnet_m:bn:int8",
                 "ours:tresnet_m:bn:fold+bf16"):
        assert rows[spec]["infer_img_s"] > 0 and "train_img_s" not in rows[spec]  # inference-only deploy forms
    # the same architecture counts the same FLOPs (timm's blur is a conv too), and GFLOP/s = img/s x GFLOP/img
    assert ours["gflop_per_img"] == pytest.approx(base["gflop_per_img"], rel=1e-3)
    assert ours["infer_gflop_s"] == pytest.approx(ours["infer_img_s"] * ours["gflop_per_img"])
    # In-Place ABN + recomputed residuals keep well under timm's bytes for backward
    assert ours["saved_MB_per_img"] < 0.7 * base["saved_MB_per_img"]
    assert "| ours:tresnet_m:iabn_torch |" in proc.output and "fp32 GEMM peak" in proc.output
    assert f"baseline {data['baseline']}: the fastest form of the peer on this machine" in proc.output
    from PIL import Image
    with Image.open(tmp_path / "b.png") as im:  # the ratio columns as a chart
        assert im.format == "PNG" and im.size[0] >= 600


def test_a_bad_model_spec_is_a_clear_error():
    proc = run_tool_in_process("tools/benchmark.py", "--models", "ours:tresnet_m:bn:turbo", "--size", "64",
                               "--batch", "1", "--repeats", "1", "--warmup", "0")
    assert proc.returncode != 0 and "unknown options ['turbo']" in proc.output


def test_detector_forms_are_parsed_and_a_bad_one_is_a_clear_error():
    from tresnet_tasks.errors import ConfigError
    demo = "configs/fcos/fcos_tresnet-m-tiny_fpn_gn-head_1x_shapes.py"
    forms = {f: parse_spec("detection", f"{demo}@bn::{f}") for f in ("cl", "onnx", "int8", "openvino")}
    assert forms["cl"].channels_last and not forms["cl"].inference_only
    assert all(forms[f].exported == f and forms[f].inference_only for f in ("onnx", "int8", "openvino"))
    r50 = parse_spec("detection", "mmdet::fcos/fcos_r50-caffe_fpn_gn-head_1x_coco.py")  # mmdet:: is no form
    assert r50.config == "mmdet::fcos/fcos_r50-caffe_fpn_gn-head_1x_coco.py" and not r50.exported
    with pytest.raises(ConfigError, match="unknown form ::turbo"):
        parse_spec("detection", f"{demo}::turbo")


@pytest.mark.slow
def test_exported_detector_is_timed_beside_eager(tmp_path):
    """``::onnx`` / ``::int8``: the detector as tools/export.py exports it, run by ONNX Runtime, in the same run as
    the eager detector (the baseline row): inference only, its ratio to eager in the table."""
    out = tmp_path / "d.json"
    demo = "configs/mask_rcnn/mask-rcnn_tresnet-m-tiny_fpn_1x_shapes.py"
    run_tool("tools/benchmark.py", "--task", "detection", "--models", f"{demo}@bn", f"{demo}@bn::int8",
             "--baseline", f"{demo}@bn", "--det-size", "96", "128", "--batch", "1", "--warmup", "0", "--repeats",
             "1", "--json", str(out))
    rows = {r["model"]: r for r in json.loads(out.read_text())["rows"]}
    eager, int8 = rows[f"{demo}@bn"], rows[f"{demo}@bn::int8"]
    assert eager["infer_img_s"] > 0 and eager["train_img_s"] > 0
    assert int8["infer_img_s"] > 0 and "train_img_s" not in int8 and "backbone_ms_per_img" not in int8
    assert int8["infer_img_s_ratio"] == pytest.approx(int8["infer_img_s"] / eager["infer_img_s"])


def test_saved_bytes_by_part_hand_computed():
    from tresnet_tasks.benchmark.measure import saved_bytes_by_part
    # "backbone": Linear(4->8) saves its input x (N x 4), ReLU saves its output (N x 8);
    # "rest": Linear(8->2) would save its input, the ReLU output already counted (same storage: counted once),
    # and the square (loss) saves the second Linear's output (N x 2)
    backbone = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
    head = nn.Linear(8, 2)
    model = nn.ModuleDict(dict(backbone=backbone, head=head))
    x = torch.rand(5, 4)
    parts = saved_bytes_by_part(lambda: (head(backbone(x)) ** 2).sum(), model, {"backbone": backbone})
    assert parts == {"backbone": 5 * (4 + 8) * 4, "rest": 5 * 2 * 4}


@pytest.mark.slow
def test_detection_benchmark_runs_on_tiny_configs(tmp_path):
    out = tmp_path / "d.json"
    demo = "configs/fcos/fcos_tresnet-m-tiny_fpn_gn-head_1x_shapes.py"
    # backbone arguments after the norm; norm_eval=True: frozen statistics, as every COCO config trains
    frozen = f"{demo}@bn,norm_eval=True"
    keep = f"{demo}@bn,norm_eval=True,recompute_convs=False::cl"
    run_tool("tools/benchmark.py", "--task", "detection", "--models", f"{demo}@iabn_torch", frozen, keep,
             "--baseline", keep, "--det-size", "96", "128", "--batch", "1", "--warmup", "0", "--repeats", "1",
             "--flops", "--json", str(out))
    rows = {r["model"]: r for r in json.loads(out.read_text())["rows"]}
    lean, recompute, plain = rows[f"{demo}@iabn_torch"], rows[frozen], rows[keep]
    for r in (lean, recompute, plain):
        assert r["infer_img_s"] > 0 and r["train_img_s"] > 0 and r["step_peak_MB"] > 0
        assert 0 < r["backbone_saved_MB_per_img"] < r["saved_MB_per_img"]
        assert {"backbone_ms_per_img", "neck_ms_per_img", "head_ms_per_img"} <= set(r)
        assert r["train_gflop_s"] == pytest.approx(r["train_img_s"] * r["train_gflop_per_img"])
        # the same network computes the same forward, whatever it keeps for backward
        assert r["gflop_per_img"] == pytest.approx(plain["gflop_per_img"])
        assert 0 < r["backbone_gflop_per_img"] < r["gflop_per_img"] < r["train_gflop_per_img"]
    assert recompute["saved_MB_per_img_ratio"] == recompute["saved_MB_per_img"] / plain["saved_MB_per_img"]
    # frozen statistics: recomputing the bottlenecks' conv1 in backward keeps less, and the step counts that work
    assert recompute["backbone_saved_MB_per_img"] < plain["backbone_saved_MB_per_img"]
    assert recompute["train_gflop_per_img"] > plain["train_gflop_per_img"]


@pytest.mark.parametrize("nchw_s,cl_s,expected", [(0.5, 1.0, "timm:tresnet_m"), (1.0, 0.5, "timm:tresnet_m::cl")])
def test_the_baseline_is_the_peers_fastest_form(monkeypatch, nchw_s, cl_s, expected):
    """A stub timer: seconds per call fixed per form; the faster form becomes the baseline, whichever it is."""
    from argparse import Namespace
    from tresnet_tasks.benchmark import baseline, run
    from tresnet_tasks.benchmark.specs import parse_spec
    seconds = {"ours:tresnet_m:bn": 0.7, "timm:tresnet_m": nchw_s, "timm:tresnet_m::cl": cl_s}

    class StubBench:
        def __init__(self, spec, args, device):
            self.spec = spec

        def call(self, phase):
            return seconds[self.spec.text] if phase in ("infer", "train") else {}

    monkeypatch.setattr(run, "make_bench", StubBench)
    specs = [parse_spec("classification", "ours:tresnet_m:bn")]
    forms = baseline.peer_forms("classification", "timm:tresnet_m", specs)
    assert forms == ["timm:tresnet_m", "timm:tresnet_m::cl"]
    specs += [parse_spec("classification", f) for f in forms]
    args = Namespace(same_process=True, no_infer=False, no_train=False, warmup=1, repeats=3, batch=4, flops=False,
                     task="classification")
    rows = run.measure_all(specs, args, torch.device("cpu"))
    best, line = baseline.pick_fastest(rows, forms)
    assert best == expected and line.startswith(f"baseline {expected}: the fastest form")
    assert f"timm:tresnet_m {4 / nchw_s:.3g}" in line  # each form's speed named
    # compiled candidates join where one of ours is compiled; detection compares the two memory formats
    assert len(baseline.peer_forms("classification", "timm:tresnet_m",
                                   [parse_spec("classification", "ours:tresnet_m:bn:compile")])) == 4
    assert baseline.peer_forms("detection", "mmdet::x.py", []) == ["mmdet::x.py", "mmdet::x.py::cl"]


def test_the_peak_measure_gives_a_positive_figure_here():
    from tresnet_tasks.benchmark.peak import gemm_peak_gflops, machine_line
    peak = gemm_peak_gflops(n=512, repeats=2)
    assert peak > 0
    line = machine_line(torch.device("cpu"), peak)
    assert torch.backends.cpu.get_cpu_capability() in line and "threads" in line and "GFLOP/s" in line


@pytest.mark.parametrize("config,peer", [
    ("configs/retinanet/retinanet_tresnet-m_fpn_1x_coco.py", "mmdet::retinanet/retinanet_r50_fpn_1x_coco.py"),
    ("configs/faster_rcnn/faster-rcnn_tresnet-m-tiny_fpn_1x_shapes.py",  # through the demo's chain of bases
     "mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py"),
    ("configs/gfl/gfl_tresnet-m_fpn_asl_1x_coco.py", "mmdet::gfl/gfl_r50_fpn_1x_coco.py"),
    ("configs/fcos/fcos_tresnet-m_fpn_gn-head_1x_coco.py", "mmdet::fcos/fcos_r50-caffe_fpn_gn-head_1x_coco.py"),
])
def test_the_detection_peer_is_the_r50_version_of_the_same_detector(config, peer):
    assert default_det_peer([parse_spec("detection", f"{config}@bn")]) == peer
    assert peer.startswith("mmdet::") and "r50" in peer
