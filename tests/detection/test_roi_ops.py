"""mmcv's RoIAlign on channels_last feature maps (TResNet's layout on CUDA and AVX-512 CPUs): after this package is
imported it gives what it gives on the same maps in NCHW, forward and backward. Truth: the NCHW result, which is
what mmcv's kernel is written for."""
import pytest
import torch
from mmcv.ops import RoIAlign

import tresnet_tasks.detection  # noqa: F401 - installs the fix on import, as the configs' custom_imports do


@pytest.fixture
def maps_and_rois():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 16, 24, 32, generator=g)
    rois = torch.tensor([[0, 2.0, 3.0, 15.0, 17.0], [1, 10.0, 1.0, 30.0, 20.0], [0, 0.0, 0.0, 31.0, 23.0]])
    return x, rois


def _run(op, x, rois):
    x = x.detach().clone().requires_grad_()
    out = op(x, rois)
    (out * torch.arange(out.numel()).view_as(out)).sum().backward()  # position-dependent gradient
    return out.detach(), x.grad


def test_channels_last_maps_give_the_nchw_result(maps_and_rois):
    x, rois = maps_and_rois
    op = RoIAlign((7, 7), spatial_scale=0.5, sampling_ratio=0, aligned=True)
    out, grad = _run(op, x, rois)
    out_cl, grad_cl = _run(op, x.contiguous(memory_format=torch.channels_last), rois)
    assert torch.equal(out_cl, out) and torch.allclose(grad_cl, grad, atol=1e-6)


def test_the_unpatched_kernel_is_what_the_fix_is_for(maps_and_rois):
    """mmcv 2.1's own forward reads channels_last memory as NCHW (open-mmlab/mmcv#2203)."""
    x, rois = maps_and_rois
    op = RoIAlign((7, 7), spatial_scale=0.5, sampling_ratio=0, aligned=True)
    original = RoIAlign.forward.__wrapped__
    with torch.no_grad():
        nchw = original(op, x, rois)
        cl = original(op, x.contiguous(memory_format=torch.channels_last), rois)
    if torch.equal(cl, nchw):
        pytest.skip("this mmcv reads channels_last maps correctly: tresnet_tasks/detection/roi_ops.py can go")
    assert not torch.allclose(cl, nchw, atol=1e-3)
