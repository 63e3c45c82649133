"""tools/check_gpu.py: the node self-check, run here on the CPU through the same code a GPU node runs."""
import json
import sys

import pytest
import torch

from tests.helpers import run_tool
from tresnet_tasks.benchmark import node_check as nc

CHECKS = [f"parity {n} {p}" for n in ("bn", "iabn", "iabn_torch") for p in ("plain", "lean", "norm_eval")] + [
    "nms mmcv", "amp asl", "fcos step"]


@pytest.mark.parametrize("norm", ["bn", "iabn_torch"])
def test_parity_passes_for_a_correct_backbone(norm):
    for path in nc.PATHS:
        r = nc.backbone_parity(torch.device("cpu"), norm, path)
        assert r["status"] == "ok", r
        assert r["output_rel_err"] < 1e-5 and r["grad_rel_err"] < 1e-5  # float32 vs float64: rounding only


def test_parity_fails_when_the_device_result_is_one_percent_off(monkeypatch):
    """A layer 1% off on the device (a forward hook on the device model's classifier; inside the body the batch
    norms would normalise a plain scale away) is caught against the float64 truth."""
    built, create_tresnet = [], nc.create_tresnet

    def create(*args, **kwargs):
        model = create_tresnet(*args, **kwargs)
        built.append(model)
        if len(built) == 2:  # the second model is the one run on the device
            model.head.fc.register_forward_hook(lambda m, i, out: out * 1.01)
        return model

    monkeypatch.setattr(nc, "create_tresnet", create)
    r = nc.backbone_parity(torch.device("cpu"), "bn", "plain")
    assert r["status"] == "FAIL" and r["output_rel_err"] > 1e-3, r


def test_without_mmcv_the_detection_rows_say_what_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "mmcv.ops", None)  # as on a stock CUDA PyTorch install: import fails
    rows = {r["check"]: r for r in [nc.mmcv_nms(torch.device("cpu")), nc.fcos_step(torch.device("cpu"), [64, 64])]}
    for name in ("nms mmcv", "fcos step"):
        assert rows[name]["status"] == "missing" and "mmcv" in rows[name]["detail"], rows[name]


def test_amp_with_the_asymmetric_loss_stays_finite():
    r = nc.amp_asl(torch.device("cpu"))
    assert r["status"] == "ok", r
    assert all(v == v and abs(v) < float("inf") for v in r["losses"])


def test_asking_for_cuda_without_a_gpu_is_one_clear_line():
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    proc = run_tool("tools/check_gpu.py", "--device", "cuda", check=False)
    assert proc.returncode == 2
    out = proc.stdout + proc.stderr
    assert "torch sees no GPU" in out and "--device cpu" in out and "Traceback" not in out


@pytest.mark.slow
def test_check_gpu_on_the_cpu_runs_end_to_end_and_its_json_has_every_row(tmp_path):
    out = tmp_path / "check.json"
    proc = run_tool("tools/check_gpu.py", "--device", "cpu", "--quick", "--json", str(out))
    assert "check" in proc.stdout and "| model |" in proc.stdout and "baseline timm:tresnet_m" in proc.stdout
    report = json.loads(out.read_text())
    assert [r["check"] for r in report["checks"]] == CHECKS
    assert all(r["status"] == "ok" for r in report["checks"]), report["checks"]
    assert report["peak_gflops"] > 0 and report["machine"]
    cls = {r["model"]: r for r in report["classification"]["rows"]}
    assert set(cls) == {"ours:tresnet_m:bn", "ours:tresnet_m:iabn_torch", "timm:resnet50::cl", "timm:tresnet_m",
                        "timm:tresnet_m::cl"}
    assert all(r["infer_img_s"] > 0 and r["train_img_s"] > 0 for r in cls.values())
    assert report["classification"]["baseline"] in ("timm:tresnet_m", "timm:tresnet_m::cl")
    det = {r["model"]: r for r in report["detection"]["rows"]}
    assert set(det) == {f"{nc.FCOS_CONFIG}@bn", nc.FCOS_R50, f"{nc.FCOS_R50}::cl"}
    assert all(r["train_img_s"] > 0 and r["step_peak_MB"] > 0 for r in det.values())
    base = report["detection"]["baseline"]
    assert det[base]["train_img_s_ratio"] == pytest.approx(1.0)


def test_check_gpu_runs_on_an_install_without_mmcv(tmp_path):
    """A stock CUDA PyTorch with this package but no mmcv/mmdet: correctness rows run, detection says 'missing'."""
    out = tmp_path / "check.json"
    code = ("import sys, runpy\n"
            "for m in ('mmcv', 'mmcv.ops', 'mmdet'): sys.modules[m] = None\n"
            f"sys.argv = ['check_gpu', '--device', 'cpu', '--skip-throughput', '--json', {str(out)!r}]\n"
            "runpy.run_path('tools/check_gpu.py', run_name='__main__')\n")
    proc = run_tool("-c", code, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(out.read_text())
    status = {r["check"]: r["status"] for r in report["checks"]}
    assert status.pop("nms mmcv") == status.pop("fcos step") == "missing"
    assert set(status.values()) == {"ok"}
