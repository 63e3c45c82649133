"""Published weights by name (timm tags, hf-hub:), from a Hugging Face cache built here in its real layout, offline.

Independent truth: timm's own TResNet built on the same file, timm's list of pretrained tags.
"""
import os

import pytest
import timm
import torch

from tests.helpers import add_to_hub_cache, randomize_norms, run_tool
from tresnet_tasks import create_tresnet, load_tresnet_weights
from tresnet_tasks.errors import CheckpointMismatchError, WeightsNotAvailableError

TAG = "tresnet_m.miil_in1k"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """A hub cache holding timm-layout TResNet-M weights under timm/tresnet_m.miil_in1k, and a non-TResNet repo."""
    cache = tmp_path_factory.mktemp("hf") / "hub"
    torch.manual_seed(0)
    src = randomize_norms(timm.create_model("tresnet_m"))
    path = add_to_hub_cache(cache, f"timm/{TAG}", src.state_dict())
    add_to_hub_cache(cache, "timm/resnet18.a1_in1k", {"conv1.weight": torch.rand(64, 3, 7, 7),
                                                      "fc.weight": torch.rand(1000, 512)})
    return cache, path


@pytest.fixture
def offline(hub, monkeypatch):
    cache, _ = hub
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return cache


def test_known_names_are_timms_tresnet_tags():
    from tresnet_tasks import known_weights
    known = known_weights()
    assert sorted(known) == sorted(timm.list_pretrained("tresnet*")) and len(known) == 10
    assert known["tresnet_m.miil_in21k"].num_classes == 11221
    assert known["tresnet_l.miil_in1k_448"].input_size == (3, 448, 448)
    assert known["tresnet_v2_l.miil_in21k_ft_in1k"].arch == "tresnet_v2_l"
    assert all(info.hf_hub_id == f"timm/{tag}" for tag, info in known.items())


@pytest.mark.parametrize("name", [TAG, f"hf-hub:timm/{TAG}", f"hf-hub:timm/{TAG}@main"])
def test_named_weights_give_timms_outputs(offline, hub, name):
    _, path = hub
    ref = timm.create_model("tresnet_m", pretrained=True, pretrained_cfg_overlay=dict(file=path)).eval()
    ours = create_tresnet("tresnet_m", pretrained=name, norm="bn", channels_last=False).eval()
    x = torch.rand(2, 3, 224, 224)
    with torch.no_grad():
        a, b = ours(x), ref(x)
    # float32 through 50 layers with random norms: the error scales with the logits (up to ~100 here)
    assert a.shape == (2, 1000) and (a - b).abs().max() <= 2e-4 * b.abs().max(), (a - b).abs().max()


def test_unknown_tag_lists_the_known_ones(offline):
    with pytest.raises(WeightsNotAvailableError, match=r"unknown pretrained weights 'tresnet_m\.in22k'.*"
                                                       r"tresnet_m\.miil_in1k"):
        create_tresnet("tresnet_m", pretrained="tresnet_m.in22k", norm="bn")


def test_offline_and_not_cached_names_the_repo_and_the_fetch_command(offline):
    model = create_tresnet("tresnet_m", norm="bn")
    with pytest.raises(WeightsNotAvailableError) as err:
        load_tresnet_weights(model, "tresnet_m.miil_in21k_ft_in1k")
    msg = str(err.value)
    assert "tresnet_m.miil_in21k_ft_in1k: not in the Hugging Face cache" in msg and str(offline) in msg
    assert "python tools/fetch_weights.py tresnet_m.miil_in21k_ft_in1k" in msg and "\n" not in msg


def test_tag_of_another_variant_fails_before_any_download(offline):
    with pytest.raises(CheckpointMismatchError, match="'tresnet_l.miil_in1k' are for tresnet_l but the model is "
                                                      "tresnet_m"):
        create_tresnet("tresnet_m", pretrained="tresnet_l.miil_in1k", norm="bn")


def test_hub_repo_that_is_not_a_tresnet(offline):
    with pytest.raises(CheckpointMismatchError, match=r"hf-hub:timm/resnet18\.a1_in1k: no TResNet stem found"):
        create_tresnet("tresnet_m", pretrained="hf-hub:timm/resnet18.a1_in1k", norm="bn")


def test_local_path_shaped_like_a_file_is_not_taken_for_a_tag(offline):
    with pytest.raises(FileNotFoundError, match="checkpoint not found: tresnet_m.pth"):
        create_tresnet("tresnet_m", pretrained="tresnet_m.pth", norm="bn")


def test_fetch_tool_prints_path_size_sha256_and_copies(hub, tmp_path):
    import hashlib
    cache, path = hub
    env = {"HF_HUB_CACHE": str(cache), "HF_HUB_OFFLINE": "1"}
    out = run_tool("tools/fetch_weights.py", TAG, "--out", str(tmp_path / "w"), env=env).output
    sha = hashlib.sha256(open(path, "rb").read()).hexdigest()
    assert f"{TAG}: {path}" in out and f"sha256 {sha}" in out and "MiB" in out
    assert (tmp_path / "w" / f"{TAG}.safetensors").read_bytes() == open(path, "rb").read()
    listing = run_tool("tools/fetch_weights.py", "--list", env=env).output
    rows = {line.split()[0]: line for line in listing.splitlines() if line.startswith("tresnet")}
    assert len(rows) == 10 and rows[TAG].rstrip().endswith("yes") and rows["tresnet_l.miil_in1k"].endswith("no")
    assert "ImageNet-21K-P (winter21, 11221 classes)" in rows["tresnet_m.miil_in21k"]


def test_unreachable_hub_uses_the_cache_or_says_how_to_fetch(hub, tmp_path):
    """Network on but the hub unreachable (a closed port on this machine): a cached file is used; a missing one is
    one line, exit 2, naming the fetch command."""
    cache, path = hub
    env = {"HF_HUB_OFFLINE": "0", "HF_ENDPOINT": "http://127.0.0.1:9"}
    out = run_tool("tools/fetch_weights.py", TAG, timeout=300, env={**env, "HF_HUB_CACHE": str(cache)}).output
    assert f"{TAG}: {path}" in out
    proc = run_tool("tools/fetch_weights.py", "tresnet_xl.miil_in1k", check=False, timeout=300,
                    env={**env, "HF_HUB_CACHE": str(tmp_path / "empty")})
    last = proc.output.strip().splitlines()[-1]
    assert proc.returncode == 2 and last.startswith("fetch_weights: error: WeightsNotAvailableError: "), proc.output
    assert "tresnet_xl.miil_in1k: not in the Hugging Face cache" in last and "could not be reached" in last
    assert "python tools/fetch_weights.py tresnet_xl.miil_in1k" in last


@pytest.mark.slow
def test_fcos_config_trains_from_its_default_name_in_the_cache(hub, tmp_path):
    """configs/fcos/fcos_tresnet-m_fpn_gn-head_1x_coco.py as shipped (pretrained = 'tresnet_m.miil_in1k'), offline, from the cache."""
    from mmdet.datasets import CocoDataset

    from tresnet_tasks.data.synthetic import make_shapes_coco
    cache, _ = hub
    root = make_shapes_coco(str(tmp_path / "coco"), num_train=4, num_val=2, size=160,
                            category_names=CocoDataset.METAINFO["classes"])
    opts = [f"data_root={root}/", "train_cfg.max_epochs=1",
            "train_dataloader.num_workers=0", "train_dataloader.persistent_workers=False",
            "val_dataloader.num_workers=0", "val_dataloader.persistent_workers=False",
            "train_dataloader.dataset.pipeline.2.scale=(320,320)", "val_dataloader.dataset.pipeline.1.scale=(320,320)",
            "train_dataloader.dataset.filter_cfg.min_size=4", "model.backbone.norm=bn",
            "model.test_cfg.score_thr=0.0"]  # one epoch on 4 images: keep every box so the metric exists
    out = run_tool("tools/train.py", "configs/fcos/fcos_tresnet-m_fpn_gn-head_1x_coco.py", "--work-dir", str(tmp_path / "w"),
                   "--cfg-options", *opts, env={"HF_HUB_CACHE": str(cache), "HF_HUB_OFFLINE": "1"}).output
    assert f"TResNet backbone initialised from {TAG}" in out and "timm/tresnet_tasks format" in out
    assert "coco/bbox_mAP" in out and os.path.isfile(tmp_path / "w" / "epoch_1.pth")
