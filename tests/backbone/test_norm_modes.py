"""bn and iabn norm modes: same function, same gradients, exact conversion (InPlace-ABN's |w| + eps scale)."""
import copy

import pytest
import torch

from tests.helpers import randomize_norms
from tresnet_tasks import convert_norm, create_tresnet
from tresnet_tasks.backbone import BatchNormAct2d, iabn_available
from tresnet_tasks.backbone.norms import make_norm_act, resolve_norm

needs_iabn = pytest.mark.skipif(not iabn_available(), reason="inplace_abn backend not built (run make setup)")


@needs_iabn
def test_single_layer_against_inplace_abn_library():
    from inplace_abn import InPlaceABN
    ref = InPlaceABN(8, activation="leaky_relu", activation_param=0.01)
    with torch.no_grad():
        ref.weight.copy_(torch.randn(8))  # includes negative raw weights: applied scale is |w| + eps
        ref.bias.copy_(torch.randn(8))
    ours = BatchNormAct2d(8, "leaky_relu", 0.01)
    with torch.no_grad():
        ours.weight.copy_(ref.weight.abs() + ref.eps)
        ours.bias.copy_(ref.bias)
    x = torch.randn(4, 8, 5, 5)
    for train in (True, False):
        ref.train(train), ours.train(train)
        assert torch.allclose(ref(x.clone()), ours(x.clone()), atol=1e-5)
    assert torch.allclose(ref.running_var, ours.running_var, atol=1e-6)
    assert torch.allclose(ref.running_mean, ours.running_mean, atol=1e-6)


@needs_iabn
@pytest.mark.parametrize("train", [True, False])
def test_iabn_and_bn_models_same_outputs_and_gradients(train, tiny_kwargs):
    torch.manual_seed(0)
    iabn = create_tresnet("tresnet_m", num_classes=6, norm="iabn", **tiny_kwargs)
    randomize_norms(iabn)
    bn = convert_norm(copy.deepcopy(iabn), "bn")
    assert any(isinstance(m, BatchNormAct2d) for m in bn.modules())
    assert not any(isinstance(m, BatchNormAct2d) for m in iabn.modules())
    # the same checkpoint: state dicts are identical
    sd_i, sd_b = iabn.state_dict(), bn.state_dict()
    assert sd_i.keys() == sd_b.keys() and all(torch.equal(sd_i[k], sd_b[k]) for k in sd_i)
    iabn.train(train), bn.train(train)
    x = torch.rand(4, 3, 64, 64)
    xi, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    yi, yb = iabn(xi), bn(xb)
    assert (yi - yb).abs().max() < 1e-4
    w = torch.randn_like(yi)
    (yi * w).sum().backward()
    (yb * w).sum().backward()
    assert (xi.grad - xb.grad).abs().max() < 1e-4
    gi = dict(iabn.named_parameters())
    for name, p in bn.named_parameters():
        assert torch.allclose(gi[name].grad, p.grad, atol=1e-4, rtol=1e-3), name


@needs_iabn
def test_conversion_round_trip_is_exact(tiny_kwargs):
    torch.manual_seed(0)
    bn = create_tresnet("tresnet_m", num_classes=3, norm="bn", **tiny_kwargs)
    randomize_norms(bn)
    back = convert_norm(convert_norm(copy.deepcopy(bn), "iabn"), "bn")
    for k, v in bn.state_dict().items():
        assert torch.allclose(v.float(), back.state_dict()[k].float(), atol=1e-7), k
    # zero-init residual norms: the official raw InPlace-ABN weight 0, i.e. an applied scale eps, in both modes
    fresh = create_tresnet("tresnet_m", norm="iabn", **tiny_kwargs)
    w = fresh.body.layer1[0].conv2.bn.weight
    assert torch.equal(w, torch.full((16,), 1e-5)) and float((w - fresh.body.layer1[0].conv2.bn.eps).abs().max()) == 0
    # parameters are the state dict's tensors (optimisers and mmengine's EMA, which averages state_dict(), agree)
    sd = fresh.state_dict(keep_vars=True)
    assert all(sd[name] is p for name, p in fresh.named_parameters())


@needs_iabn
def test_auto_mode_and_sync_variant():
    assert resolve_norm("auto") == "iabn"
    layer = make_norm_act("iabn", 4, sync=True)
    assert type(layer).__name__ == "InPlaceABNSyncAct"
    with pytest.raises(ValueError, match="norm must be one of"):
        resolve_norm("gn")


@pytest.mark.parametrize("train", [True, False])
def test_iabn_torch_matches_bn_outputs_and_gradients(train, tiny_kwargs):
    """The PyTorch In-Place ABN: same function and gradients as BatchNorm + activation (float64, exact)."""
    torch.manual_seed(0)
    bn = create_tresnet("tresnet_m", num_classes=6, norm="bn", **tiny_kwargs).double()
    randomize_norms(bn)
    ours = convert_norm(copy.deepcopy(bn), "iabn_torch")
    bn.train(train), ours.train(train)
    x = torch.rand(4, 3, 64, 64, dtype=torch.float64)
    xb, xo = x.clone().requires_grad_(), x.clone().requires_grad_()
    yb, yo = bn(xb), ours(xo)
    assert (yb - yo).abs().max() < 1e-10
    w = torch.randn_like(yb)
    (yb * w).sum().backward()
    (yo * w).sum().backward()
    assert (xb.grad - xo.grad).abs().max() < 1e-9
    go = dict(ours.named_parameters())
    for name, p in bn.named_parameters():
        assert torch.allclose(go[name].grad, p.grad, atol=1e-9), name
    for (k, v), v2 in zip(bn.state_dict().items(), ours.state_dict().values()):
        assert torch.allclose(v.double(), v2.double(), atol=1e-12), k  # running statistics too


def test_iabn_torch_saves_less_for_backward(tiny_kwargs):
    from tresnet_tasks.benchmark.measure import saved_bytes_for_backward
    x = torch.rand(2, 3, 64, 64)
    sizes = {}
    for norm in ("bn", "iabn_torch"):
        model = create_tresnet("tresnet_m", num_classes=6, norm=norm, **tiny_kwargs).train()
        sizes[norm] = saved_bytes_for_backward(model, x)
    assert sizes["iabn_torch"] < 0.8 * sizes["bn"]
