"""channels_last='auto': the memory format follows the machine (NCHW on x86 CPUs without AVX-512), and both
formats compute the same detector backbone."""
import pytest
import torch

from tresnet_tasks.backbone import memory_format as mf
from tresnet_tasks.errors import ConfigError


@pytest.mark.parametrize("capability,cuda,expected", [
    ("AVX512", False, True), ("AVX2", False, False), ("DEFAULT", False, False), ("SVE256", False, True),
    ("AVX2", True, True)])
def test_auto_follows_the_cpu_capability_and_the_gpu(monkeypatch, capability, cuda, expected):
    monkeypatch.delenv("TRESNET_CHANNELS_LAST", raising=False)
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: capability)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    assert mf.resolve_channels_last("auto") is expected
    assert mf.resolve_channels_last(True) is True and mf.resolve_channels_last(False) is False


def test_the_environment_overrides_auto_and_a_bad_value_is_one_line(monkeypatch):
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "AVX2")
    monkeypatch.setenv("TRESNET_CHANNELS_LAST", "1")
    assert mf.resolve_channels_last("auto") is True
    with pytest.raises(ConfigError, match="True, False or 'auto'"):
        mf.resolve_channels_last("nhwc")


def test_the_detector_backbone_computes_the_same_in_both_formats(monkeypatch):
    from tresnet_tasks.detection import TResNetBackbone
    nets = {}
    for fmt in (True, False):
        torch.manual_seed(0)
        nets[fmt] = TResNetBackbone(arch="m", layers=(1, 1, 1, 1), width=0.25, channels_last=fmt).double().eval()
    nets[False].load_state_dict(nets[True].state_dict())
    assert nets[False].net.body.conv1.conv.weight.is_contiguous()
    assert not nets[True].net.body.conv1.conv.weight.is_contiguous()
    x = torch.rand(1, 3, 64, 96, dtype=torch.float64)
    for a, b in zip(nets[True](x), nets[False](x)):
        assert a.shape == b.shape and (a - b).abs().max() <= 1e-12 * b.abs().max()
