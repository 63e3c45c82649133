"""What users type: the stable entry configs, ``--cfg-options`` as mmengine accepts them (new keys such as
``metainfo.classes`` included, typos and traceback-prone forms refused in one line), and ``--weights``.

Truth: mmengine's own option parser (DictAction) and merge, run through the tool's own ``parse_args``/``build_cfg``;
the canonical configs the aliases name."""
import os

import pytest

from tests.helpers import ROOT, load_tool
from tresnet_tasks.cli.config import load_config
from tresnet_tasks.cli.preemption import apply_fault_tolerance
from tresnet_tasks.errors import ConfigError

ALIASES = [("configs/fcos_tresnet_m_coco.py", "configs/fcos/fcos_tresnet-m_fpn_gn-head_1x_coco.py"),
           ("configs/asl_tresnet_l_coco.py", "configs/multilabel/asl_tresnet-l_448px_coco.py"),
           ("configs/transfer_tresnet_cifar100.py", "configs/transfer/tresnet-xl_224px_cifar100.py")]
FCOS = "configs/fcos/fcos_tresnet-m_fpn_gn-head_1x_coco.py"
FCOS_DEMO = "configs/fcos/fcos_tresnet-m-tiny_fpn_gn-head_1x_shapes.py"
TRANSFER_DEMO = "configs/transfer/tresnet-m-tiny_64px_shapes-cifar10.py"
train = load_tool("tools/train.py")


def _cfg(*argv):
    return train.build_cfg(train.parse_args(list(argv)))


@pytest.mark.parametrize("alias,canonical", ALIASES, ids=[a for a, _ in ALIASES])
def test_stable_entry_config_is_its_canonical_config(alias, canonical):
    assert os.path.isfile(os.path.join(ROOT, alias))
    got, want = _cfg(alias), load_config(os.path.join(ROOT, canonical))
    apply_fault_tolerance(want)  # what the tool adds to every config: the resumable loop and checkpoint hook
    assert got.train_cfg.type == "ResumableEpochBasedTrainLoop"
    got_dict, want_dict = got.to_dict(), want.to_dict()
    # only what the tool itself derives from the file name differs (the default work dir) or adds
    assert got_dict.pop("work_dir") == f"./work_dirs/{os.path.splitext(os.path.basename(alias))[0]}"
    for key in ("work_dir", "launcher", "verbose"):
        got_dict.pop(key, None)
        want_dict.pop(key, None)
    assert got_dict == want_dict


def test_new_keys_are_accepted_as_mmengine_accepts_them():
    # MMDetection's documented way to set a custom dataset's classes: metainfo is not in the base config
    cfg = _cfg(FCOS, "--cfg-options", "train_dataloader.dataset.metainfo.classes=[ball,box]",
               "model.backbone.brand_new.depth=3")
    assert cfg.train_dataloader.dataset.metainfo.classes == ["ball", "box"]
    assert cfg.model.backbone.brand_new == {"depth": 3}


def test_typos_are_still_refused_with_the_near_miss():
    with pytest.raises(ConfigError, match=r"no 'batch_sise' in train_dataloader \(did you mean "
                                          r"train_dataloader.batch_size\?\)"):
        _cfg(FCOS, "--cfg-options", "train_dataloader.batch_sise=4")
    with pytest.raises(ConfigError, match=r"did you mean train_dataloader.dataset\?"):  # a typo higher up too
        _cfg(FCOS, "--cfg-options", "train_dataloader.datset.metainfo.classes=[a]")


def test_a_setting_that_is_none_becomes_a_dict_when_its_type_is_given():
    cfg = _cfg(FCOS_DEMO, "--cfg-options", "model.backbone.init_cfg.type=Pretrained",
               "model.backbone.init_cfg.checkpoint=w.pth")
    assert cfg.model.backbone.init_cfg == {"type": "Pretrained", "checkpoint": "w.pth"}
    with pytest.raises(ConfigError, match="model.backbone.init_cfg is None"):
        _cfg(FCOS_DEMO, "--cfg-options", "model.backbone.init_cfg.checkpoint=w.pth")
    with pytest.raises(ConfigError, match="model.backbone.arch is str"):
        _cfg(FCOS_DEMO, "--cfg-options", "model.backbone.arch.name=m")


@pytest.mark.parametrize("literal", ["{'type':'Pretrained','checkpoint':'w.pth'}", "{type:Pretrained}",
                                     "dict(type='Pretrained')"])
def test_dict_literals_are_refused_saying_what_to_write(literal):
    # mmengine's DictAction keeps these as a string, or splits them at the commas into a list of pieces
    with pytest.raises(ConfigError, match=r"dict literal .*model.backbone.init_cfg.type=\.\.\. .*--weights FILE"):
        _cfg(FCOS_DEMO, "--cfg-options", f"model.backbone.init_cfg={literal}")


def test_weights_option_sets_the_backbone_or_the_classifier(tmp_path):
    weights = tmp_path / "w.pth"
    weights.write_bytes(b"")  # existence is all the option checks before training
    det = _cfg(FCOS_DEMO, "--weights", str(weights))
    assert det.model.backbone.init_cfg == {"type": "Pretrained", "checkpoint": str(weights)}
    cls = _cfg(TRANSFER_DEMO, "--weights", str(weights))
    assert cls.model.init_cfg == {"type": "Pretrained", "checkpoint": str(weights)}
    assert "pretrained" not in cls.model


def test_the_config_text_is_mmengines_and_formatted_once_per_content(monkeypatch):
    """A runner reads ``cfg.pretty_text`` at start-up and in every checkpoint: the tools' config formats it once,
    and it is the text mmengine's own Config gives (a changed setting gives a new text)."""
    import copy

    import mmengine.config.config as mmengine_config
    from mmengine.config import Config
    cfg = load_config(FCOS_DEMO, {"data_root": "/data/shapes/"})
    plain = Config(cfg.to_dict(), filename=cfg.filename)
    assert cfg.pretty_text == plain.pretty_text
    calls = []
    real = mmengine_config.FormatCode
    monkeypatch.setattr(mmengine_config, "FormatCode", lambda *a, **k: calls.append(1) or real(*a, **k))
    cfg.model.bbox_head.num_classes = 7
    texts = [cfg.pretty_text, cfg.pretty_text, copy.deepcopy(cfg).pretty_text]
    assert len(calls) == 1 and len(set(texts)) == 1 and "num_classes=7" in texts[0]
    assert texts[0] == Config(cfg.to_dict(), filename=cfg.filename).pretty_text and len(calls) == 2
