"""The shared TResNet backbone against independent truth: timm's implementation, the reference parameter counts,
the official checkpoint layout and the InPlace-ABN library."""
import pytest
import timm
import torch
from safetensors.torch import save_file

from tresnet_tasks import CheckpointMismatchError, create_tresnet, load_tresnet_weights
from tresnet_tasks.backbone import canonical_to_official

VARIANTS = {  # name: (params in millions at 1000 classes, from REFERENCE.md; stage channels)
    "tresnet_m": (31.39, [64, 128, 1024, 2048]),
    "tresnet_l": (55.99, [76, 152, 1216, 2432]),
    "tresnet_xl": (78.44, [83, 166, 1328, 2656]),
    "tresnet_v2_l": (46.17, [256, 512, 1024, 2048]),
}


def randomized_timm_state(name, seed=0, **kwargs):
    """timm's state dict with every norm layer randomised: zero-init residual norms would hide errors."""
    torch.manual_seed(seed)
    model = timm.create_model(name, **kwargs)
    sd = model.state_dict()
    g = torch.Generator().manual_seed(seed)
    for k, v in sd.items():
        if k.endswith("bn.weight"):
            v.copy_(torch.rand(v.shape, generator=g) * 0.5 + 0.25)
        elif k.endswith("bn.bias") or k.endswith("running_mean"):
            v.copy_(torch.randn(v.shape, generator=g) * 0.1)
        elif k.endswith("running_var"):
            v.copy_(torch.rand(v.shape, generator=g) + 0.5)
    model.load_state_dict(sd)
    return model, sd


@pytest.mark.slow
@pytest.mark.parametrize("name", list(VARIANTS))
def test_parity_with_timm_eval_train_and_official_roundtrip(name):
    timm_model, sd = randomized_timm_state(name)
    # same memory format as timm (NCHW): compare the implementations, not oneDNN's NCHW vs NHWC kernels
    ours = create_tresnet(name, norm="bn", channels_last=False)
    assert sum(p.numel() for p in ours.parameters()) / 1e6 == pytest.approx(VARIANTS[name][0], abs=0.005)
    load_tresnet_weights(ours, sd)
    x = torch.rand(2, 3, 224, 224)
    timm_model.eval(), ours.eval()
    with torch.no_grad():
        ref = timm_model(x)
        out = ours(x)
    assert ref.abs().max() > 1e-2  # a meaningful comparison, not two zero vectors
    assert (out - ref).abs().max() < 1e-4
    # train mode: batch statistics
    timm_model.train(), ours.train()
    with torch.no_grad():
        assert (ours(x) - timm_model(x)).abs().max() < 1e-4
    # round trip through the official (InPlace-ABN, nested AA) key layout, wrapped as the official repo saves it
    sd = {k: v.clone() for k, v in timm_model.state_dict().items()}  # running stats moved in train mode
    timm_model.eval()
    with torch.no_grad():
        ref = timm_model(x)
    official = {"model": canonical_to_official(sd)}
    assert "body.conv1.0.weight" in official["model"] and not any("num_batches" in k for k in official["model"])
    again = create_tresnet(name, norm="bn", channels_last=False).eval()
    load_tresnet_weights(again, official)
    with torch.no_grad():
        assert (again(x) - ref).abs().max() < 1e-4
        # and our default (channels_last) agrees to float32 rounding of a different kernel order
        cl = create_tresnet(name, norm="bn").eval()
        cl.load_state_dict(again.state_dict())
        assert (cl(x) - ref).abs().max() < 1e-3 * max(1.0, float(ref.abs().max()))


def test_official_layout_keys_match_the_reference_naming(tiny_kwargs):
    sd = create_tresnet("tresnet_m", norm="bn", **tiny_kwargs).state_dict()
    off = canonical_to_official(sd)
    for key in ["body.conv1.0.weight", "body.conv1.1.running_var", "body.layer2.0.conv1.0.0.weight",
                "body.layer2.0.conv1.0.1.weight", "body.layer2.0.conv2.0.weight", "body.layer3.0.conv2.0.0.weight",
                "body.layer3.0.downsample.1.0.weight", "body.layer3.0.downsample.1.1.bias",
                "body.layer1.0.se.fc1.weight", "head.fc.weight"]:
        assert key in off, key
    v2 = canonical_to_official(create_tresnet("tresnet_v2_l", norm="bn", layers=(1, 1, 1, 1), width=0.25).state_dict())
    assert "body.layer1.0.downsample.0.0.weight" in v2 and "body.layer1.0.conv2.0.weight" in v2


@pytest.mark.parametrize("wrap", ["model", "state_dict", "plain", "module_prefix", "with_filt_and_nbt", "safetensors"])
def test_loader_accepts_every_format(tmp_path, tiny_kwargs, wrap):
    src = create_tresnet("tresnet_m", num_classes=7, norm="bn", **tiny_kwargs)
    with torch.no_grad():
        for k, v in src.state_dict().items():
            if k.endswith("bn.weight"):
                v.uniform_(0.5, 1.5)
    sd = src.state_dict()
    official = canonical_to_official(sd)
    if wrap == "model":
        ckpt = {"model": official}
    elif wrap == "state_dict":
        ckpt = {"state_dict": official, "epoch": 3}
    elif wrap == "plain":
        ckpt = dict(sd)
    elif wrap == "module_prefix":
        ckpt = {"state_dict": {"module." + k: v for k, v in sd.items()}}
    elif wrap == "with_filt_and_nbt":
        ckpt = dict(official)
        ckpt["body.layer2.0.conv1.1.op.filt"] = torch.ones(4, 1, 3, 3)
        ckpt.update({k.replace("running_mean", "num_batches_tracked"): torch.tensor(5)
                     for k in official if k.endswith("running_mean")})
        ckpt = {"model": ckpt}
    if wrap == "safetensors":
        path = tmp_path / "w.safetensors"
        save_file({k: v.contiguous() for k, v in sd.items()}, str(path))
    else:
        path = tmp_path / "w.pth"
        torch.save(ckpt, path)
    dst = create_tresnet("tresnet_m", num_classes=7, norm="bn", **tiny_kwargs)
    load_tresnet_weights(dst, str(path))
    x = torch.rand(1, 3, 64, 64)
    src.eval(), dst.eval()
    with torch.no_grad():
        assert torch.allclose(dst(x), src(x), atol=1e-6)


def test_mismatches_are_reported_clearly(tiny_kwargs):
    m_sd = create_tresnet("tresnet_m", norm="bn").state_dict()
    l_model = create_tresnet("tresnet_l", norm="bn", num_classes=0)
    with pytest.raises(CheckpointMismatchError, match=r"checkpoint is tresnet_m but the model is tresnet_l"):
        load_tresnet_weights(l_model, m_sd)
    model = create_tresnet("tresnet_m", num_classes=10, norm="bn")
    with pytest.raises(CheckpointMismatchError, match=r"1000 classes but the model has 10.*skip_head=True"):
        load_tresnet_weights(model, m_sd)
    before = model.head.fc.weight.clone()
    with pytest.warns(UserWarning, match="head skipped"):
        report = load_tresnet_weights(model, m_sd, skip_head=True)
    assert report.skipped_head and torch.equal(model.head.fc.weight, before)
    assert torch.equal(model.body.conv1.conv.weight, m_sd["body.conv1.conv.weight"])
    with pytest.raises(CheckpointMismatchError, match="does not look like a TResNet"):
        load_tresnet_weights(model, timm.create_model("resnet18").state_dict())
    # a feature extractor (num_classes=0) takes a classifier checkpoint, leaving its head out
    feat = create_tresnet("tresnet_m", num_classes=0, norm="bn")
    assert load_tresnet_weights(feat, m_sd).skipped_head


@pytest.mark.parametrize("name", list(VARIANTS))
@pytest.mark.parametrize("size", [(224, 224), (448, 448), (256, 384)])
def test_stage_shapes_and_strides(name, size):
    model = create_tresnet(name, norm="bn", num_classes=0).eval()
    x = torch.rand(1, 3, *size)
    with torch.no_grad():
        stages = model.forward_stages(x)
        feats = model.forward_features(x)
        pooled = model(x)
    chans = VARIANTS[name][1]
    assert model.stage_channels == chans
    for out, c, s in zip(stages, chans, (4, 8, 16, 32)):
        assert out.shape == (1, c, size[0] // s, size[1] // s)
    assert torch.equal(feats, stages[-1]) and pooled.shape == (1, chans[-1])


def test_bad_input_sizes_fail_clearly(tiny_kwargs):
    model = create_tresnet("tresnet_m", norm="bn", **tiny_kwargs).eval()
    with pytest.raises(ValueError, match="divisible by 32.*225x224"):
        model(torch.rand(1, 3, 225, 224))
    with pytest.raises(ValueError, match="divisible by 32.*240x240"):  # divisible by 4 and 8 but not 32
        model(torch.rand(1, 3, 240, 240))
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\)"):
        model(torch.rand(1, 1, 224, 224))
    with pytest.raises(ValueError, match="divisible by 4"):
        model.body.s2d(torch.rand(1, 3, 30, 32))


def test_cpu_dtype_and_channels_last(tiny_kwargs):
    model = create_tresnet("tresnet_m", norm="bn", num_classes=5, **tiny_kwargs).eval()
    x = torch.rand(2, 3, 64, 96)
    with torch.no_grad():
        ref = model(x)
        m64 = model.to(torch.float64)
        assert all(b.dtype == torch.float64 for b in m64.buffers() if b.is_floating_point())  # blur filters too
        assert (m64(x.double()) - ref.double()).abs().max() < 1e-5
        mcl = m64.to(torch.float32).to(memory_format=torch.channels_last)
        assert (mcl(x.contiguous(memory_format=torch.channels_last)) - ref).abs().max() < 1e-5
    assert not any("filt" in k for k in model.state_dict())  # blur filter is a non-persistent buffer


def test_blur_and_space_to_depth_against_formula():
    from tresnet_tasks.backbone.layers import BlurPool2d, SpaceToDepth
    x = torch.arange(2 * 3 * 8 * 8, dtype=torch.float32).reshape(2, 3, 8, 8)
    y = SpaceToDepth()(x)
    # channel (dy * 4 + dx) * C + c at (i, j) is x[c, 4i + dy, 4j + dx]
    for dy, dx, c, i, j in [(0, 0, 0, 0, 0), (1, 2, 1, 1, 0), (3, 3, 2, 1, 1)]:
        assert y[1, (dy * 4 + dx) * 3 + c, i, j] == x[1, c, 4 * i + dy, 4 * j + dx]
    img = torch.rand(1, 2, 6, 6)
    out = BlurPool2d(2)(img)
    k = torch.tensor([[1., 2., 1.], [2., 4., 2.], [1., 2., 1.]]) / 16
    padded = torch.nn.functional.pad(img, (1, 1, 1, 1), mode="reflect")
    assert out.shape == (1, 2, 3, 3)
    assert torch.allclose(out[0, 1, 1, 2], (padded[0, 1, 2:5, 4:7] * k).sum())


@pytest.mark.parametrize("shape", [(2, 3, 9, 8), (1, 3, 2, 3), (2, 3, 6, 7)])
@pytest.mark.parametrize("channels_last", [False, True])
def test_blur_backward_saves_nothing_and_is_exact(shape, channels_last):
    from tresnet_tasks.backbone.layers import BlurPool2d
    from tresnet_tasks.benchmark.measure import saved_bytes_for_backward
    blur = BlurPool2d(3).double()
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    x = torch.randn(*shape, dtype=torch.float64).contiguous(memory_format=fmt).requires_grad_()
    assert torch.autograd.gradcheck(blur, (x,))
    # the gradient keeps the memory format (no layout conversions in the layers below)
    blur(x).sum().backward()
    assert x.grad.is_contiguous(memory_format=fmt)
    # only the constant 3x3 filter buffer, no activation
    assert saved_bytes_for_backward(blur, x) == blur.filt.nelement() * blur.filt.element_size()
