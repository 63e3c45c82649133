"""Deployment paths agree with eager PyTorch: norm folding, TorchScript, ONNX Runtime, torch.compile."""
import subprocess
import sys

import numpy as np
import pytest
import torch

from tresnet_tasks import create_tresnet, fold_norms
from tresnet_tasks.backbone.weights import to_canonical


def _model(tiny_kwargs, **kw):
    torch.manual_seed(0)
    m = create_tresnet("tresnet_m", num_classes=10, norm="bn", **tiny_kwargs, **kw)
    with torch.no_grad():
        for mod in m.modules():
            if hasattr(mod, "running_var"):
                mod.running_var.uniform_(0.5, 1.5)
                mod.running_mean.normal_(0, 0.1)
                mod.weight.uniform_(0.5, 1.5)
    return m.eval()


def test_fold_matches_unfolded(tiny_kwargs):
    model = _model(tiny_kwargs)
    folded = fold_norms(model)
    x = torch.rand(2, 3, 64, 96)
    with torch.no_grad():
        assert (folded(x) - model(x)).abs().max() < 1e-4
    assert not any(hasattr(m, "running_var") for m in folded.modules())
    assert any(hasattr(m, "running_var") for m in model.modules())  # the original is untouched


def test_eval_forward_folds_on_the_fly_and_follows_weight_changes(tiny_kwargs):
    """Eager eval folds norms into convs where that is cheaper; it must equal the unfolded computation (TorchScript
    runs conv -> norm) at any batch, and see weights changed behind autograd's back (EMA swaps use ``.data``)."""
    model = _model(tiny_kwargs)
    x = torch.rand(16, 3, 64, 64)
    with torch.no_grad():
        for n in (1, 16):  # batch 1 leaves the widest convs unfolded, batch 16 folds them all
            assert (torch.jit.script(model)(x[:n]) - model(x[:n])).abs().max() < 1e-5
        before = model(x)
        other = _model(tiny_kwargs)
        for p in other.parameters():
            p.data.mul_(1.1)
        for (k, v), src in zip(model.state_dict().items(), other.state_dict().values()):
            v.data.copy_(src.data)  # how mmengine's EMA hook swaps averaged weights in for validation
        after = model(x)
    assert (after - before).abs().max() > 1e-3
    assert (after - torch.jit.script(other)(x)).abs().max() < 1e-5


def test_torchscript_matches_eager(tiny_kwargs):
    model = _model(tiny_kwargs)
    scripted = torch.jit.script(model)
    x = torch.rand(2, 3, 96, 64)
    with torch.no_grad():
        assert (scripted(x) - model(x)).abs().max() < 1e-5
        assert (torch.jit.script(fold_norms(model))(x) - model(x)).abs().max() < 1e-4
    with pytest.raises(Exception, match="divisible by 32"):
        scripted(torch.rand(1, 3, 100, 64))


def test_export_tool_onnx_runtime_matches_eager(tmp_path, tiny_kwargs):
    model = _model(tiny_kwargs)
    ckpt = tmp_path / "m.pth"
    torch.save({"state_dict": model.state_dict()}, ckpt)
    onnx_path, ts_path = tmp_path / "m.onnx", tmp_path / "m.ts"
    cmd = [sys.executable, "tools/export_onnx.py", "tresnet_m", "--checkpoint", str(ckpt), "--num-classes", "10",
           "--size", "64", "--out", str(onnx_path), "--torchscript", str(ts_path),
           "--layers", *map(str, tiny_kwargs["layers"]), "--width", str(tiny_kwargs["width"])]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    assert "ONNX Runtime vs eager" in out
    import onnxruntime as ort
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    x = torch.rand(3, 3, 96, 128)  # another batch and size than the export example: dynamic axes
    with torch.no_grad():
        ref = model(x).numpy()
    assert np.abs(sess.run(None, {"image": x.numpy()})[0] - ref).max() < 1e-4
    with torch.no_grad():
        assert (torch.jit.load(str(ts_path))(x).numpy() - ref).max() < 1e-4


@pytest.mark.slow
def test_torch_compile_matches_eager(tiny_kwargs):
    model = _model(tiny_kwargs)
    compiled = torch.compile(model)
    x = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        assert (compiled(x) - model(x)).abs().max() < 1e-4
    # training step through the compiled model
    model.train()
    compiled = torch.compile(model)
    loss = compiled(x).logsumexp(1).mean()
    loss.backward()
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)


def test_state_dict_is_canonical_timm_layout(tiny_kwargs):
    sd, fmt = to_canonical(_model(tiny_kwargs).state_dict())
    assert fmt == "timm/tresnet_tasks" and "body.conv1.conv.weight" in sd
