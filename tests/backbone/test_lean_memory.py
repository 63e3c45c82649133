"""Memory-lean training (backbone/lean): recipes instead of residual/SE outputs give the same gradients, keep
fewer bytes, honour outer saved-tensor hooks and leave nothing behind."""
import copy
import gc

import pytest
import torch

from tresnet_tasks import create_tresnet
from tresnet_tasks.backbone import lean
from tresnet_tasks.backbone.lean import recipes
from tresnet_tasks.backbone.norms import iabn_available
from tresnet_tasks.benchmark.measure import saved_bytes_for_backward

from tests.helpers import randomize_norms

LAYERS = dict(layers=(2, 2, 3, 2), width=0.25)  # identity-shortcut chains in every stage


def _pair(norm, dtype=torch.float64, channels_last=True):
    torch.manual_seed(0)
    lean = create_tresnet("tresnet_m", num_classes=5, norm=norm, lean_memory=True, channels_last=channels_last,
                          **LAYERS).to(dtype)
    randomize_norms(lean)
    plain = copy.deepcopy(lean)
    plain.lean_memory = False
    return lean.train(), plain.train()


def _grads(model, x, w):
    x = x.clone().requires_grad_()
    y = model(x)
    (y * w).sum().backward()
    return y.detach(), x.grad, {n: p.grad for n, p in model.named_parameters()}


@pytest.mark.parametrize("channels_last", [True, False], ids=["nhwc", "nchw"])
@pytest.mark.parametrize("norm", ["iabn_torch", pytest.param("iabn", marks=pytest.mark.skipif(
    not iabn_available(), reason="inplace_abn backend not built"))])
def test_lean_equals_plain_outputs_gradients_and_statistics(norm, channels_last):
    """In both memory formats (channels_last='auto' picks NCHW on x86 CPUs without AVX-512)."""
    dtype = torch.float64 if norm == "iabn_torch" else torch.float32  # the library kernel is float32 only
    lean, plain = _pair(norm, dtype, channels_last)
    assert lean.body.conv1.conv.weight.is_contiguous(
        memory_format=torch.channels_last if channels_last else torch.contiguous_format)
    x = torch.rand(3, 3, 64, 64, dtype=dtype)
    w = torch.randn(3, 5, dtype=dtype)
    y1, gx1, g1 = _grads(lean, x, w)
    y2, gx2, g2 = _grads(plain, x, w)
    tol = 1e-12 if dtype == torch.float64 else 1e-5
    assert torch.equal(y1, y2)  # recomputation uses the same kernels: the forward is bitwise the same
    assert (gx1 - gx2).abs().max() <= tol * gx2.abs().max()
    for name, g in g2.items():
        assert (g1[name] - g).abs().max() <= tol * max(1.0, float(g.abs().max())), name
    for (k, v), v2 in zip(lean.state_dict().items(), plain.state_dict().values()):
        assert torch.equal(v, v2), k


def test_lean_keeps_fewer_bytes_and_outer_hooks_see_everything():
    lean, plain = _pair("iabn_torch", torch.float32)
    x = torch.rand(2, 3, 64, 64)
    kept_lean, kept_plain = saved_bytes_for_backward(lean, x), saved_bytes_for_backward(plain, x)
    # block outputs (as wide as the block) and SE outputs are no longer kept; the counter is an outer
    # saved-tensor hook, so a zero here would mean the recipes hid tensors from it
    assert 0 < kept_lean < 0.8 * kept_plain

    # outer hooks (here: a pack/unpack pair that counts and copies) still receive and return every kept tensor
    calls = {"pack": 0, "unpack": 0}

    def pack(t):
        calls["pack"] += 1
        return t.clone()

    def unpack(t):
        calls["unpack"] += 1
        return t

    w = torch.randn(2, 5)
    with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
        y = lean(x)
    (y * w).sum().backward()
    g_hooked = {n: p.grad.clone() for n, p in lean.named_parameters()}
    lean.zero_grad(set_to_none=True)
    plain.load_state_dict(lean.state_dict())
    (plain(x) * w).sum().backward()
    assert calls["pack"] > 0 and calls["unpack"] > 0
    for n, p in plain.named_parameters():
        assert torch.allclose(g_hooked[n], p.grad, rtol=1e-4, atol=1e-6), n


def _live_recipes():
    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, lean.Recipe)]


def test_recipes_are_released_after_backward_and_with_a_dropped_graph():
    lean, _ = _pair("iabn_torch", torch.float32)
    x = torch.rand(2, 3, 64, 64)
    before = len(_live_recipes())
    lean(x).sum().backward()
    assert len(_live_recipes()) == before
    y = lean(x)  # e.g. a step skipped for a non-finite loss: the graph is dropped without backward
    assert len(_live_recipes()) > before
    del y
    assert len(_live_recipes()) == before
    assert recipes._active() is None


def test_frozen_stage_keeps_no_more_than_plain():
    """Blocks without gradients register no recipes (a recipe there would keep tensors nothing else keeps)."""
    lean, plain = _pair("iabn_torch", torch.float32)
    for m in (lean, plain):
        for p in m.body.layer1.parameters():
            p.requires_grad_(False)
        for p in m.body.conv1.parameters():
            p.requires_grad_(False)
    x = torch.rand(2, 3, 64, 64)
    assert saved_bytes_for_backward(lean, x) <= saved_bytes_for_backward(plain, x)


def test_in_place_change_of_a_recipe_input_is_an_error_not_a_wrong_gradient():
    branch = torch.randn(2, 4, 3, 3, requires_grad=True)
    shortcut = torch.randn(2, 4, 3, 3, requires_grad=True)
    weight = torch.randn(2, 4, 3, 3, requires_grad=True)
    with lean.lean_forward(lean.LeanPlan()):
        b, s = branch * 1, shortcut * 1
        out = lean.residual_relu(b, s, branch_is_fresh=False)
        y = (out * weight).sum()  # the product keeps `out`: stored as a recipe
    s.data.add_(1.0)  # bypasses autograd's own version check of `s` through .data, but not ours
    s.add_(0.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation|modified in place"):
        y.backward()


def test_eval_and_no_grad_paths_register_nothing():
    lean, _ = _pair("iabn_torch", torch.float32)
    with torch.no_grad():
        lean(torch.rand(1, 3, 64, 64))
    lean.eval()
    lean(torch.rand(1, 3, 64, 64))
    assert recipes._active() is None


def test_dense_outputs_used_by_a_neck_and_by_the_next_stage():
    """forward_stages (detection): each stage output feeds both the next stage (kept as a recipe) and the
    caller's neck (a plain tensor); gradients through both equal the plain path's."""
    lean, plain = _pair("iabn_torch")
    x = torch.rand(2, 3, 64, 64, dtype=torch.float64)
    ws = None
    grads = []
    for model in (lean, plain):
        outs = model.forward_stages(x)
        ws = ws or [torch.randn_like(o) for o in outs]
        sum(((o * w) ** 2).sum() for o, w in zip(outs, ws)).backward()  # a neck that keeps its inputs
        grads.append({n: p.grad for n, p in model.named_parameters()})
    for name, g in grads[1].items():
        if name.startswith("head."):
            continue  # not used by forward_stages
        assert (grads[0][name] - g).abs().max() <= 1e-12 * max(1.0, float(g.abs().max())), name


def test_in_place_change_of_any_kept_tensor_is_still_detected():
    """Saved-tensor hooks switch off autograd's version check; ours performs it again."""
    x = torch.randn(3, 4)
    w = torch.randn(4, 5, requires_grad=True)
    with lean.lean_forward(lean.LeanPlan()):
        y = (x @ w).sum()  # keeps x
    x.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


@pytest.mark.parametrize("norm,recompute_convs,channels_last", [
    ("bn", True, True), ("iabn_torch", True, True), ("bn", False, True), ("bn", True, False), ("iabn_torch", True, False)])
def test_frozen_statistics_training_is_lean_with_equal_gradients(norm, recompute_convs, channels_last):
    """MMDetection's frozen-statistics training (norm_eval, frozen_stages=1): the norms are folded into the convs and
    the SE outputs are kept as recipes; gradients equal the plain path's in float64, fewer bytes are kept; in both
    memory formats."""
    from tresnet_tasks.detection import TResNetBackbone
    torch.manual_seed(0)
    lean = TResNetBackbone(arch="m", norm=norm, frozen_stages=1, norm_eval=True, recompute_convs=recompute_convs,
                           channels_last=channels_last, **LAYERS).double()
    randomize_norms(lean)
    lean.train()
    plain = copy.deepcopy(lean)
    plain.net.lean_memory = False
    assert not lean.net.body.layer3[0].conv1.bn.training  # frozen statistics
    x = torch.rand(2, 3, 96, 64, dtype=torch.float64)
    ws = [torch.randn(o.shape, dtype=torch.float64) for o in plain(x)]

    def grads(model):
        outs = model(x)
        sum((o * w).sum() for o, w in zip(outs, ws)).backward()
        return [o.detach() for o in outs], {n: p.grad for n, p in model.named_parameters() if p.requires_grad}

    (o1, g1), (o2, g2) = grads(lean), grads(plain)
    # the lean path folds every layer; the plain one normalises after the conv where the weight is the larger
    # (small maps): the same function, rounded differently
    assert all((a - b).abs().max() <= 1e-12 * b.abs().max() for a, b in zip(o1, o2))
    assert g1.keys() == g2.keys() and len(g1) > 0
    for name, g in g2.items():
        assert (g1[name] - g).abs().max() <= 1e-12 * max(1.0, float(g.abs().max())), name

    class Sum(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, inp):
            return sum(o.sum() for o in self.m(inp))

    xf = torch.rand(1, 3, 256, 256)
    kept_lean = saved_bytes_for_backward(Sum(lean.float()), xf)
    kept_plain = saved_bytes_for_backward(Sum(plain.float()), xf)
    assert 0 < kept_lean < kept_plain
