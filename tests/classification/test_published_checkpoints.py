"""Published COCO multi-label checkpoints (ASL: GAP head; ML-Decoder) load into TResNetClassifier.

Truth: timm's TResNet + a reference of the published ML-Decoder head written here from its description (the
decoder layer without self-attention, dropout before each residual add, group fully-connected output), on the
same tensors. The published files are written by the test in the official layouts: the backbone's official keys by
a mapping written here and checked against timm's own ``checkpoint_filter_fn``.
"""
import json
import re
from collections import OrderedDict

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from timm.models.tresnet import TResNet as TimmTResNet
from timm.models.tresnet import checkpoint_filter_fn

from tests.helpers import randomize_norms, run_tool
from tresnet_tasks.classification import TResNetClassifier
from tresnet_tasks.classification.heads import mldecoder_canonical_to_official, mldecoder_official_to_canonical
from tresnet_tasks.errors import CheckpointMismatchError

LAYERS, WIDTH = (1, 1, 2, 1), 0.5
ML_CFG = "configs/multilabel/asl_tresnet-m-tiny_128px_shapes.py"


class RefDecoderLayer(nn.Module):
    """The published ML-Decoder layer: cross-attention only; dropout on the input, the attention output, inside and
    after the feed-forward; post-norm. Parameter names as nn.TransformerDecoderLayer's."""

    def __init__(self, d, nhead, ff, dropout):
        super().__init__()
        self.multihead_attn = nn.MultiheadAttention(d, nhead, dropout=dropout)
        self.linear1, self.linear2 = nn.Linear(d, ff), nn.Linear(ff, d)
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.dropout, self.dropout1, self.dropout2, self.dropout3 = (nn.Dropout(dropout) for _ in range(4))

    def forward(self, tgt, memory, **unused):
        tgt = self.norm1(tgt + self.dropout1(tgt))
        tgt = self.norm2(tgt + self.dropout2(self.multihead_attn(tgt, memory, memory)[0]))
        return self.norm3(tgt + self.dropout3(self.linear2(self.dropout(F.relu(self.linear1(tgt))))))


class RefMLDecoder(nn.Module):
    def __init__(self, in_features, num_classes, groups, d=64, nhead=8, ff=128, dropout=0.1):
        super().__init__()
        self.num_classes, self.groups = num_classes, min(groups, num_classes)
        self.factor = int(num_classes / self.groups + 0.999)
        self.decoder = nn.Module()  # the published one is an nn.TransformerDecoder of this one layer: same keys
        self.decoder.layers = nn.ModuleList([RefDecoderLayer(d, nhead, ff, dropout)])
        self.decoder.embed_standart = nn.Linear(in_features, d)
        self.decoder.query_embed = nn.Embedding(self.groups, d)
        self.decoder.duplicate_pooling = nn.Parameter(torch.randn(self.groups, d, self.factor) * 0.1)
        self.decoder.duplicate_pooling_bias = nn.Parameter(torch.randn(num_classes) * 0.1)

    def forward(self, x):
        n = x.shape[0]
        memory = F.relu(self.decoder.embed_standart(x.flatten(2).transpose(1, 2)))  # (N, HW, d)
        tgt = self.decoder.query_embed.weight.unsqueeze(1).expand(-1, n, -1)  # (G, N, d)
        h = self.decoder.layers[0](tgt, memory.transpose(0, 1)).transpose(0, 1)  # (N, G, d)
        out = torch.zeros(n, self.groups, self.factor)
        for i in range(self.groups):  # group fully-connected: query i decodes its own classes
            out[:, i] = h[:, i] @ self.decoder.duplicate_pooling[i]
        return out.flatten(1)[:, : self.num_classes] + self.decoder.duplicate_pooling_bias


def timm_backbone(num_classes):
    torch.manual_seed(0)
    model = randomize_norms(TimmTResNet(layers=list(LAYERS), width_factor=WIDTH, num_classes=num_classes))
    if num_classes:
        with torch.no_grad():
            model.head.fc.weight.normal_(0, 0.1)
    return model.eval()


def official_layout(model: TimmTResNet) -> "OrderedDict[str, torch.Tensor]":
    """timm's TResNet -> the official TResNet repo's keys and raw In-Place ABN weights (w - 1e-5); the stride-2
    convs wrapped with their anti-alias filter sit one level deeper (convN.0.0 / convN.0.1)."""
    wrapped = {name for name, m in model.named_modules()
               if getattr(m, "aa", None) is not None and not isinstance(m.aa, nn.Identity)}
    out = OrderedDict()
    for k, v in model.state_dict().items():
        if k.endswith("num_batches_tracked"):
            continue  # the 2020 files predate it
        m = re.match(r"(.*\.(?:conv\d+|downsample\.\d+))\.(conv|bn)\.(.*)", k) or re.match(r"(body\.conv1)\.(conv|bn)\.(.*)", k)
        if m:
            owner, part, rest = m.groups()
            sub = "0" if part == "conv" else "1"
            k = f"{owner}.0.{sub}.{rest}" if owner in wrapped else f"{owner}.{sub}.{rest}"
            if part == "bn" and rest == "weight":
                v = v - 1e-5
        out[k] = v
    return out


def test_official_layout_writer_agrees_with_timm():
    model = timm_backbone(80)
    back = checkpoint_filter_fn(official_layout(model), model)
    ref = {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    assert set(back) == set(ref) and all(torch.allclose(back[k], ref[k], atol=1e-7) for k in ref)
    assert any(".conv2.0.0.weight" in k for k in official_layout(model))  # the AA-wrapped convs exist


def ours(head, num_classes=80):
    return TResNetClassifier(arch="tresnet_m", layers=LAYERS, width=WIDTH, num_classes=num_classes, head=head,
                             norm="bn").eval()


def test_asl_checkpoint_gives_timms_logits_through_every_entry(tmp_path):
    ref = timm_backbone(80)
    path = tmp_path / "asl_coco.pth"
    torch.save({"model": official_layout(ref)}, path)  # as the ASL repo saves and loads it
    x = torch.rand(2, 3, 128, 128)
    with torch.no_grad():
        want = ref(x)
    # 1) pretrained= (init_weights), head included
    a = ours(dict(type="gap"))
    a.pretrained = str(path)
    a.init_weights()
    assert not a.pretrained_report.skipped_head
    # 2) load_state_dict on the file's dict (mmengine's load_from / tools/test.py path)
    b = ours(dict(type="gap"))
    from mmengine.runner import load_checkpoint
    load_checkpoint(b, str(path), map_location="cpu", strict=True)
    with torch.no_grad():
        for model in (a, b):
            got = model(x.to(memory_format=torch.channels_last), mode="tensor")
            assert torch.allclose(got, want, atol=1e-4, rtol=1e-4), (got - want).abs().max()


@pytest.mark.parametrize("classes,groups", [(80, 100), (10, 4)])
def test_mldecoder_checkpoint_gives_reference_logits(tmp_path, classes, groups):
    ref_body = timm_backbone(0)
    torch.manual_seed(1)
    ref_head = RefMLDecoder(ref_body.num_features, classes, groups).eval()
    sd = official_layout(ref_body)
    sd.update((f"head.{k}", v) for k, v in ref_head.state_dict().items())
    assert {"head.decoder.embed_standart.weight", "head.decoder.query_embed.weight", "head.decoder.duplicate_pooling",
            "head.decoder.duplicate_pooling_bias", "head.decoder.layers.0.multihead_attn.in_proj_weight",
            "head.decoder.layers.0.linear1.weight", "head.decoder.layers.0.norm3.bias"} <= set(sd)
    path = tmp_path / "mldecoder_coco.pth"
    torch.save({"model": sd}, path)
    model = ours(dict(type="mldecoder", embed_dim=64, num_groups=groups, num_heads=8, ff_dim=128), classes)
    model.pretrained = str(path)
    model.init_weights()
    x = torch.rand(2, 3, 128, 128)
    with torch.no_grad():
        want = ref_head(ref_body.forward_features(x))
        got = model(x, mode="tensor")
    assert got.shape == (2, classes) and torch.allclose(got, want, atol=1e-4, rtol=1e-4), (got - want).abs().max()
    # training mode: the same dropouts in the same order draw the same masks for the same seed
    feats = torch.rand(2, ref_body.num_features, 4, 4)
    ref_head.train(), model.head.train()
    torch.manual_seed(7)
    want = ref_head(feats)
    torch.manual_seed(7)
    got = model.head(feats)
    assert torch.allclose(got, want, atol=1e-5), (got - want).abs().max()
    # the key converter both ways
    head_sd = {k[5:]: v for k, v in sd.items() if k.startswith("head.")}
    assert mldecoder_canonical_to_official(mldecoder_official_to_canonical(head_sd)).keys() == head_sd.keys()


def test_head_kind_and_class_count_mismatches_are_clear(tmp_path):
    gap_path, ml_path = tmp_path / "asl.pth", tmp_path / "mld.pth"
    ref = timm_backbone(80)
    torch.save({"model": official_layout(ref)}, gap_path)
    sd = official_layout(timm_backbone(0))
    sd.update((f"head.{k}", v) for k, v in RefMLDecoder(ref.num_features, 80, 100).state_dict().items())
    torch.save({"model": sd}, ml_path)
    cases = [
        (ours(dict(type="gap")), ml_path, r"has an ML-Decoder head but the model's head is GAP .*"
                                          r"model\.head=dict\(type='mldecoder'\).*skip_head=True"),
        (ours(dict(type="mldecoder", embed_dim=64, ff_dim=128)), gap_path,
         r"has an GAP \+ linear .* head but the model's head is ML-Decoder"),
        (ours(dict(type="gap"), num_classes=10), gap_path,
         r"checkpoint head has 80 classes but the model has 10: pass skip_head=True"),
    ]
    for model, path, expected in cases:
        model.pretrained = str(path)
        with pytest.raises(CheckpointMismatchError, match=expected):
            model.init_weights()
    model = ours(dict(type="gap"), num_classes=10)  # fine-tuning: the backbone only
    model.pretrained, model.skip_head = str(gap_path), True
    model.init_weights()
    assert model.pretrained_report.skipped_head


@pytest.fixture(scope="module")
def shapes_ml(tmp_path_factory):
    from tresnet_tasks.data.synthetic import ALL_SHAPES, make_shapes_coco
    return make_shapes_coco(str(tmp_path_factory.mktemp("ml")), 8, 6, 96, shapes=ALL_SHAPES)


def test_published_asl_file_through_test_and_infer_tools(shapes_ml, tmp_path):
    """An ASL-layout file (6 classes, the demo config's reduced TResNet-M) through tools/test.py and
    tools/infer.py; infer's scores equal the timm reference on the same preprocessed images."""
    import glob

    from PIL import Image
    ref = timm_backbone(6)
    path = tmp_path / "asl.pth"
    torch.save({"model": official_layout(ref)}, path)
    opts = ["--cfg-options", f"data_root={shapes_ml}/"]
    out = run_tool("tools/test.py", ML_CFG, str(path), "--work-dir", str(tmp_path / "t"), *opts).output
    assert "multilabel/mAP" in out and "missing keys" not in out.lower() and "unexpected key" not in out.lower()
    images = sorted(glob.glob(f"{shapes_ml}/val2017/*.jpg"))[:3]
    run_tool("tools/infer.py", *images, "--config", ML_CFG, "--checkpoint", str(path), "--topk", "6",
             "--out", str(tmp_path / "p.json"))
    preds = json.load(open(tmp_path / "p.json"))
    for pred, img in zip(preds, images):  # a published file carries no class names: labels are indices
        arr = np.array(Image.open(img).convert("RGB").resize((128, 128), Image.BILINEAR))
        x = torch.from_numpy(arr).permute(2, 0, 1)[None].float() / 255
        with torch.no_grad():
            want = torch.sigmoid(ref(x))[0]
        got = {int(lab["label"]): lab["score"] for lab in pred["labels"]}
        assert sorted(got) == list(range(6))
        assert np.allclose([got[i] for i in range(6)], want.numpy(), atol=2e-4), (got, want)


def test_coco_categories_map_to_outputs_in_json_order_even_with_gaps(shapes_ml, tmp_path):
    """Published COCO models output the 80 classes in the json's category order (ids 1..90 with gaps). The
    dataset maps category ids the same way: output k = k-th entry of 'categories', whatever the ids."""
    import os
    import shutil

    from mmengine.registry import DATASETS
    root = str(tmp_path / "gaps")
    shutil.copytree(shapes_ml, root)
    ann = os.path.join(root, "annotations", "instances_val2017.json")
    data = json.load(open(ann))
    new_ids = [90, 3, 17, 44, 1, 60]  # neither contiguous nor sorted: json order is what counts
    old_to_new = {c["id"]: new_ids[i] for i, c in enumerate(data["categories"])}
    for c in data["categories"]:
        c["id"] = old_to_new[c["id"]]
    for a in data["annotations"]:
        a["category_id"] = old_to_new[a["category_id"]]
    json.dump(data, open(ann, "w"))
    ds = DATASETS.build(dict(type="CocoMultiLabelDataset", data_root=root + "/",
                             ann_file="annotations/instances_val2017.json", data_prefix=dict(img_path="val2017/"),
                             pipeline=[]))
    position = {c["id"]: k for k, c in enumerate(data["categories"])}
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        img_id = next(im["id"] for im in data["images"] if info["img_path"].endswith(im["file_name"]))
        expected = sorted({position[a["category_id"]] for a in data["annotations"] if a["image_id"] == img_id})
        assert np.flatnonzero(info["gt"]).tolist() == expected
    from mmdet.datasets import CocoDataset

    from tresnet_tasks.data.coco_checks import COCO_CLASSES  # infer's names for published 80-class models
    assert COCO_CLASSES == tuple(CocoDataset.METAINFO["classes"])
