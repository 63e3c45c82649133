"""backbone/lean: the frozen-statistics autograd functions keep less (counted against a hand computation) and give the
plain ops' gradients (float64); bit packing round-trips in both memory formats; bfloat16 autocast runs."""
import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from tresnet_tasks.backbone import lean
from tresnet_tasks.backbone.lean import LeanPlan, lean_forward
from tresnet_tasks.backbone.layers import ConvNormAct, fold_conv_norm, norm_scale_shift

from tests.helpers import randomize_norms


@pytest.mark.parametrize("shape", [(2, 3, 5, 7), (1, 16, 4, 4), (1, 1, 1, 3)])
@pytest.mark.parametrize("channels_last", [False, True])
def test_bits_round_trip_in_the_tensors_memory_format(shape, channels_last):
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    mask = (torch.randn(*shape) > 0).contiguous(memory_format=fmt)
    packed = lean.pack_bits(mask)
    assert packed.dtype == torch.uint8 and packed.numel() == -(-mask.numel() // 8)
    back = lean.unpack_bits(packed, torch.empty_like(mask, dtype=torch.float32, device="meta"))
    assert torch.equal(back, mask) and back.stride() == mask.stride()
    # the layout numpy's packbits writes (little bit order over the memory order): element i of each 8 at bit i
    order = mask.permute(0, 2, 3, 1) if channels_last else mask
    assert packed.tolist() == np.packbits(order.reshape(-1).numpy(), bitorder="little").tolist()


def _layer(norm, blur, dtype=torch.float64):
    torch.manual_seed(0)
    layer = ConvNormAct(6, 8, 3, norm, stride=2 if blur else 1, blur=blur).to(dtype)
    randomize_norms(layer)
    return layer.eval()  # frozen statistics; parameters still trainable


def _grads(layer, x, w, lean):
    x = x.clone().requires_grad_()
    with lean_forward(LeanPlan(block_outputs=False) if lean else None):
        y = layer(x)
    (y * w).sum().backward()
    grads = [x.grad] + [p.grad for p in layer.parameters()]
    layer.zero_grad(set_to_none=True)
    return y.detach(), grads


@pytest.mark.parametrize("norm", ["bn", "iabn_torch"])
@pytest.mark.parametrize("blur", [False, True])
@pytest.mark.parametrize("channels_last", [False, True])
def test_lean_frozen_layer_gives_the_plain_gradients(norm, blur, channels_last):
    layer = _layer(norm, blur)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    x = torch.randn(2, 6, 10, 14, dtype=torch.float64).contiguous(memory_format=fmt)
    w = torch.randn_like(layer(x))
    y1, g1 = _grads(layer, x, w, lean=True)
    y2, g2 = _grads(layer, x, w, lean=False)
    assert (y1 - y2).abs().max() <= 1e-12 * y2.abs().max()
    for a, b in zip(g1, g2):
        assert a is not None and (a - b).abs().max() <= 1e-12 * b.abs().max()
    assert g1[0].is_contiguous(memory_format=fmt)


def test_folded_conv_and_leaky_blur_against_the_formula():
    """Independent of the plain layer: autograd through F.conv2d with the folded weight, then leaky ReLU and the
    [1,2,1]x[1,2,1]/16 reflect-padded stride-2 blur written out."""
    layer = _layer("bn", blur=True)
    x = torch.randn(1, 6, 8, 8, dtype=torch.float64, requires_grad=True)
    with lean_forward(LeanPlan(block_outputs=False)):
        y = layer(x)
    w = torch.randn_like(y)
    (y * w).sum().backward()
    ref = copy.deepcopy(layer)
    xr = x.detach().clone().requires_grad_()
    weight, bias = fold_conv_norm(ref.conv, ref.bn)
    z = F.leaky_relu(F.conv2d(xr, weight, bias, padding=1), 1e-3)
    k = torch.tensor([1.0, 2.0, 1.0], dtype=torch.float64)
    filt = (k[:, None] * k[None, :] / 16).expand(8, 1, 3, 3)
    yr = F.conv2d(F.pad(z, (1, 1, 1, 1), mode="reflect"), filt, stride=2, groups=8)
    (yr * w).sum().backward()
    assert torch.allclose(y, yr, rtol=1e-12, atol=1e-12)
    assert torch.allclose(x.grad, xr.grad, rtol=1e-10, atol=1e-12)
    for p, q in zip(layer.parameters(), ref.parameters()):
        assert torch.allclose(p.grad, q.grad, rtol=1e-10, atol=1e-12)


def _kept(fn):
    """Sizes of the distinct storages autograd keeps while fn runs (bytes). Call it outside the lean context (the
    innermost saved-tensor hooks replace the outer ones; the lean context passes what it keeps on to outer ones)."""
    seen = {}

    def pack(t):
        seen[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
        return t.detach()

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = fn()
    return out, seen


def test_lean_frozen_layer_keeps_its_input_and_one_bit_per_pre_blur_element():
    """Hand count: conv 6->8 at 3x3 on (2, 6, 32, 48) float32 at stride 1, leaky ReLU, blur to 16x24. Kept: the
    input (2*6*32*48*4 bytes), the leaky ReLU's sign (2*8*32*48 bits), and per-channel vectors and the 3x3
    filter (a few hundred bytes). The plain path keeps the folded weight and the pre-blur map (2*8*32*48*4)."""
    layer = _layer("iabn_torch", blur=True, dtype=torch.float32)
    x = torch.randn(2, 6, 32, 48, requires_grad=True)
    params = {p.untyped_storage().data_ptr() for p in layer.parameters()}

    def run(lean):
        def forward():
            with lean_forward(LeanPlan(block_outputs=False) if lean else None):
                return layer(x)
        return _kept(forward)[1]

    lean = {k: v for k, v in run(True).items() if k not in params}
    big = sorted(v for v in lean.values() if v > 1024)
    assert big == [2 * 8 * 32 * 48 // 8, 2 * 6 * 32 * 48 * 4]
    assert sum(lean.values()) - sum(big) <= 8 * 9 * 4 + 4 * 8 * 8  # the filter and per-channel vectors
    plain = {k: v for k, v in run(False).items() if k not in params}
    assert 2 * 8 * 32 * 48 * 4 in plain.values() and 8 * 6 * 9 * 4 in plain.values()  # pre-blur map, folded weight


def test_bf16_autocast_frozen_training_is_finite_and_close():
    layer = _layer("bn", blur=True, dtype=torch.float32)
    x = torch.randn(2, 6, 16, 16)
    w = torch.randn(2, 8, 8, 8)
    grads = []
    for autocast in (False, True):
        xi = x.clone().requires_grad_()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast), lean_forward(LeanPlan(block_outputs=False)):
            y = layer(xi)
        assert y.dtype == (torch.bfloat16 if autocast else torch.float32)
        (y.float() * w).sum().backward()
        grads.append([xi.grad] + [p.grad.clone() for p in layer.parameters()])
        layer.zero_grad(set_to_none=True)
    for a, b in zip(*grads):
        assert a.dtype == b.dtype and torch.isfinite(a).all()
        assert (a - b).abs().max() <= 0.05 * b.abs().max()


def test_scale_shift_is_the_norms_eval_function():
    layer = _layer("bn", blur=False)
    z = torch.randn(2, 8, 3, 3, dtype=torch.float64)
    scale, shift = norm_scale_shift(layer.bn)
    expected = F.batch_norm(z, layer.bn.running_mean, layer.bn.running_var, layer.bn.weight, layer.bn.bias,
                            False, 0.0, layer.bn.eps)
    assert torch.allclose(z * scale.reshape(1, -1, 1, 1) + shift.reshape(1, -1, 1, 1), expected)


def test_frozen_bottleneck_keeps_input_se_input_output_and_bits_only():
    """Hand count for one stride-1 bottleneck (16 -> 4 -> 4 -> 16 channels, SE) with frozen statistics, on
    (2, 16, 8, 12) float32: kept are the block input (conv1's input), conv2's output (the SE's input), the block
    output (its ReLU's) and one bit per element of conv1's output (recomputed in backward, not kept), plus
    per-channel vectors. Not kept: conv1's output, the SE output (conv3's input: a recipe), folded weights."""
    from tresnet_tasks.backbone.tresnet import Bottleneck
    torch.manual_seed(0)
    block = Bottleneck(16, 4, "bn")
    randomize_norms(block)
    block.eval()
    x = torch.randn(2, 16, 8, 12, requires_grad=True)
    params = {p.untyped_storage().data_ptr() for p in block.parameters()}
    hw = 8 * 12

    def forward(convs=True):
        with lean_forward(LeanPlan(block_outputs=False, recompute_convs=convs)):
            return block(x)

    _, kept_without = _kept(lambda: forward(convs=False))  # TResNet(recompute_convs=False): conv1's output kept
    big_without = sorted(v for k, v in kept_without.items() if v >= 2 * 4 * hw * 4 and k not in params)
    assert big_without == [2 * 4 * hw * 4] * 2 + [2 * 16 * hw * 4] * 2
    out, kept = _kept(forward)
    kept = {k: v for k, v in kept.items() if k not in params}
    big = sorted(v for v in kept.values() if v >= 2 * 4 * hw * 4)
    assert big == [2 * 4 * hw * 4, 2 * 16 * hw * 4, 2 * 16 * hw * 4]
    assert out.untyped_storage().nbytes() == 2 * 16 * hw * 4
    assert 2 * 4 * hw // 8 in kept.values()  # conv1's ReLU signs
    # the rest: per-channel vectors (16 and 4 channels), the SE's pooled/hidden/gate vectors (64 hidden), the filter
    assert sum(kept.values()) - sum(big) - 2 * 4 * hw // 8 <= 4 * (8 * 16 + 2 * (16 + 64 + 4 + 4) + 4 * 9)
    # gradients still equal the plain path's (the recomputed conv1 output is bitwise the kept one)
    w = torch.randn_like(out)
    (out * w).sum().backward()
    g_lean = [x.grad.clone()] + [p.grad.clone() for p in block.parameters()]
    x.grad = None
    block.zero_grad(set_to_none=True)
    (block(x) * w).sum().backward()
    for a, b in zip(g_lean, [x.grad] + [p.grad for p in block.parameters()]):
        assert torch.allclose(a, b, rtol=1e-5, atol=1e-6)
