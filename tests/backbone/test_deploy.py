"""Deployment paths agree with eager PyTorch: norm folding, torch.export, ONNX Runtime, torch.compile."""
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


def _timm_twin(model, tiny_kwargs):
    """timm's TResNet with the same weights: an independent implementation that runs conv -> norm unfolded."""
    from timm.models.tresnet import TResNet as TimmTResNet
    twin = TimmTResNet(layers=list(tiny_kwargs["layers"]), num_classes=10, width_factor=tiny_kwargs["width"])
    twin.load_state_dict(model.state_dict())
    return twin.eval()


def test_eval_forward_folds_on_the_fly_and_follows_weight_changes(tiny_kwargs):
    """Eager eval folds norms into convs where that is cheaper; it must equal the unfolded computation (timm's
    conv -> norm) at any batch, and see weights changed behind autograd's back (EMA swaps use ``.data``)."""
    model = _model(tiny_kwargs)
    x = torch.rand(16, 3, 64, 64)
    with torch.no_grad():
        for n in (1, 16):  # batch 1 leaves the widest convs unfolded, batch 16 folds them all
            assert (_timm_twin(model, tiny_kwargs)(x[:n]) - model(x[:n])).abs().max() < 1e-4
        before = model(x)
        other = _model(tiny_kwargs)
        for p in other.parameters():
            p.data.mul_(1.1)
        for (k, v), src in zip(model.state_dict().items(), other.state_dict().values()):
            v.data.copy_(src.data)  # how mmengine's EMA hook swaps averaged weights in for validation
        after = model(x)
    assert (after - before).abs().max() > 1e-3
    assert (after - _timm_twin(other, tiny_kwargs)(x)).abs().max() < 1e-4


def test_torch_export_matches_eager(tiny_kwargs):
    """torch.export (TorchScript's successor) of the plain and the folded model, with a dynamic batch."""
    model = _model(tiny_kwargs)
    x = torch.rand(2, 3, 96, 64)
    batch = torch.export.Dim("batch", min=1, max=64)
    with torch.no_grad():
        for m in (model, fold_norms(model)):
            program = torch.export.export(m, (x,), dynamic_shapes=({0: batch},))
            assert (program.module()(x) - model(x)).abs().max() < 1e-4
            assert (program.module()(x[:1]) - model(x[:1])).abs().max() < 1e-4
    with pytest.raises(Exception, match="divisible by 32"):
        model(torch.rand(1, 3, 100, 64))


def test_export_tool_onnx_runtime_matches_eager(tmp_path, tiny_kwargs):
    model = _model(tiny_kwargs)
    ckpt = tmp_path / "m.pth"
    torch.save({"state_dict": model.state_dict()}, ckpt)
    onnx_path, pt2_path = tmp_path / "m.onnx", tmp_path / "m.pt2"
    cmd = [sys.executable, "tools/export_onnx.py", "tresnet_m", "--checkpoint", str(ckpt), "--num-classes", "10",
           "--size", "64", "--out", str(onnx_path), "--export", str(pt2_path), "--fold",
           "--layers", *map(str, tiny_kwargs["layers"]), "--width", str(tiny_kwargs["width"])]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    assert "ONNX Runtime vs eager" in out and "torch.export vs eager" in out
    import onnxruntime as ort
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    x = torch.rand(3, 3, 96, 128)  # another batch and size than the export example: dynamic axes
    with torch.no_grad():
        ref = model(x).numpy()
    assert np.abs(sess.run(None, {"image": x.numpy()})[0] - ref).max() < 1e-4
    with torch.no_grad():
        program = torch.export.load(str(pt2_path))
        assert np.abs(program.module()(x[:, :, :64, :64]).numpy() - model(x[:, :, :64, :64]).numpy()).max() < 1e-4


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
