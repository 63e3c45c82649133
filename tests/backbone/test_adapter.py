"""The one adapter both task models use: names in both spellings, a headless backbone, pretrained weights given as
mmengine's ``init_cfg=dict(type='Pretrained', checkpoint=..., prefix=...)`` or the ``pretrained=`` shorthand.

Truth: the weights written to the file (each loaded tensor must equal the saved one) and timm's stage widths.
"""
import pytest
import torch

from tresnet_tasks.backbone import build_backbone, canonical_arch, create_tresnet
from tresnet_tasks.classification import TResNetClassifier
from tresnet_tasks.detection import TResNetBackbone
from tresnet_tasks.errors import ConfigError


@pytest.mark.parametrize("name,expected", [("m", "tresnet_m"), ("tresnet_m", "tresnet_m"), ("xl", "tresnet_xl"),
                                           ("tresnet_l_448", "tresnet_l"), ("tresnet_m.miil_in21k", "tresnet_m"),
                                           ("v2_l", "tresnet_v2_l")])
def test_both_spellings_name_the_same_variant(name, expected):
    assert canonical_arch(name) == expected


def test_unknown_variant_is_a_config_error_listing_both_spellings():
    with pytest.raises(ConfigError, match=r"unknown TResNet variant 'tresnet_s'.*short: \['l', 'm', 'v2_l', 'xl'\]"):
        canonical_arch("tresnet_s")


def test_task_backbone_has_no_head(tiny_kwargs):
    net = build_backbone("m", norm="bn", **tiny_kwargs)
    assert net.head is None and not [k for k in net.state_dict() if k.startswith("head.")]
    outs = net(torch.rand(1, 3, 64, 64))
    assert [o.shape[1] for o in outs] == net.stage_channels and [64 // o.shape[2] for o in outs] == [4, 8, 16, 32]


def _saved_backbone(tmp_path, tiny_kwargs, prefix=""):
    torch.manual_seed(3)
    src = create_tresnet("tresnet_m", num_classes=7, norm="bn", **tiny_kwargs)
    for p in src.parameters():
        p.data.normal_()
    path = tmp_path / "weights.pth"
    torch.save({"state_dict": {prefix + k: v for k, v in src.state_dict().items()}}, path)
    return src.state_dict(), str(path)


def _same_backbone(model_backbone, saved):
    got = model_backbone.state_dict()
    return all(torch.equal(got[k], v) for k, v in saved.items() if not k.startswith("head."))


def test_classifier_init_cfg_pretrained_and_the_shorthand_load_the_same(tmp_path, tiny_kwargs):
    saved, path = _saved_backbone(tmp_path, tiny_kwargs)
    common = dict(arch="m", num_classes=5, norm="bn", skip_head=True, **tiny_kwargs)
    by_cfg = TResNetClassifier(init_cfg=dict(type="Pretrained", checkpoint=path), **common)
    by_name = TResNetClassifier(pretrained=path, **common)
    for model in (by_cfg, by_name):
        model.init_weights()
        assert _same_backbone(model.backbone, saved) and model.pretrained_report.skipped_head
    with pytest.raises(ConfigError, match="give the weights once"):
        TResNetClassifier(init_cfg=dict(type="Pretrained", checkpoint=path), pretrained="other.pth", **common)


def test_prefix_picks_the_backbone_out_of_a_larger_model(tmp_path, tiny_kwargs):
    """A detector checkpoint (``backbone.net.`` + neck + head) as the start of a classifier and of a detector."""
    saved, path = _saved_backbone(tmp_path, tiny_kwargs, prefix="backbone.net.")
    clf = TResNetClassifier(arch="tresnet_m", num_classes=5, norm="bn", skip_head=True, **tiny_kwargs,
                            init_cfg=dict(type="Pretrained", checkpoint=path, prefix="backbone.net."))
    clf.init_weights()
    det = TResNetBackbone(arch="m", norm="bn", **tiny_kwargs,
                          init_cfg=dict(type="Pretrained", checkpoint=path, prefix="backbone.net."))
    det.init_weights()
    assert _same_backbone(clf.backbone, saved) and _same_backbone(det.net, saved)
    with pytest.raises(ConfigError, match="no entry starts with prefix 'neck.'"):
        TResNetBackbone(arch="m", norm="bn", **tiny_kwargs,
                        init_cfg=dict(type="Pretrained", checkpoint=path, prefix="neck.")).init_weights()
