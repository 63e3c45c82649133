"""bfloat16 autocast of the network (tools' --bf16, CPU --amp): finite, float32 outputs close to float32 runs.
Mechanics only; the speed is measured by tools/benchmark.py and in the README, never asserted here."""
import copy

import pytest
import torch
from mmengine.config import Config

from tests.helpers import load_tool, run_tool
from tresnet_tasks import machine
from tresnet_tasks.engine import precision
from tresnet_tasks.errors import ConfigError
from tresnet_tasks.classification import TResNetClassifier
from tresnet_tasks.data.synthetic import make_cifar_pickles, make_shapes_coco
from tresnet_tasks.engine.precision import enable_bf16, to_float32

DET_DEMO = "configs/fcos/fcos_tresnet-m-tiny_fpn_gn-head_1x_shapes.py"
CLS_DEMO = "configs/transfer/tresnet-m-tiny_64px_shapes-cifar10.py"


def _close(got, ref, rel=0.05):
    """bfloat16 keeps 8 bits of mantissa: compare against the output's own scale."""
    return bool((got - ref).abs().max() <= rel * ref.abs().max() + 1e-2)


def test_classifier_outputs_float32_close_to_fp32_and_survive_a_deep_copy():
    torch.manual_seed(0)
    model = TResNetClassifier(arch="tresnet_m", layers=(1, 1, 2, 1), width=0.5, num_classes=6, norm="bn").eval()
    x = torch.rand(2, 3, 128, 128)
    with torch.no_grad():
        ref = model(x, mode="tensor")
        enable_bf16(enable_bf16(model))  # twice: no double wrapping
        got = model(x, mode="tensor")
    assert got.dtype == torch.float32 and torch.isfinite(got).all() and _close(got, ref)
    assert model.head.forward.__func__.__wrapped__ is type(model.head).forward
    twin = copy.deepcopy(model)  # what mmengine's EMA hook does
    assert twin.backbone.forward_features.__self__ is twin.backbone and twin.head.forward.__self__ is twin.head


@pytest.mark.parametrize("norm", ["bn", "iabn_torch"])  # iabn_torch: the memory-lean recipes under autocast too
def test_classifier_training_step_has_float32_finite_gradients(norm):
    torch.manual_seed(0)
    model = enable_bf16(TResNetClassifier(arch="tresnet_m", layers=(1, 1, 1, 1), width=0.25, num_classes=4,
                                          norm=norm, multi_label=False))
    loss = model(torch.rand(4, 3, 64, 64), {"gt": torch.tensor([0, 1, 2, 3])}, mode="loss")["loss"]
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert loss.dtype == torch.float32 and all(g is not None and g.dtype == torch.float32 for g in grads)
    assert all(torch.isfinite(g).all() for g in grads)


def test_detector_head_outputs_close_and_predictions_float32():
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    register_all_modules()
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(DET_DEMO).model).eval()
    img = torch.randint(0, 255, (3, 160, 160), dtype=torch.uint8)
    from mmdet.structures import DetDataSample
    sample = DetDataSample(metainfo=dict(img_shape=(160, 160), ori_shape=(160, 160), scale_factor=(1.0, 1.0)))
    data = model.data_preprocessor({"inputs": [img], "data_samples": [sample]}, False)
    with torch.no_grad():
        ref = model._forward(data["inputs"])
        enable_bf16(model)
        got = model._forward(data["inputs"])
        preds = model.predict(data["inputs"], data["data_samples"])
    for r_level, g_level in zip(ref, got):  # class scores, boxes, centerness per FPN level
        for r, g in zip(r_level, g_level):
            assert g.dtype == torch.float32 and _close(g, r)
    inst = preds[0].pred_instances
    assert inst.bboxes.dtype == torch.float32 and torch.isfinite(inst.bboxes).all()


@pytest.mark.parametrize("config", ["configs/faster_rcnn/faster-rcnn_tresnet-m-tiny_fpn_1x_shapes.py",
                                    "configs/mask_rcnn/mask-rcnn_tresnet-m-tiny_fpn_1x_shapes.py",
                                    "configs/cascade_rcnn/cascade-rcnn_tresnet-m-tiny_fpn_1x_shapes.py"])
def test_two_stage_detectors_train_and_predict_in_bf16(config):
    """Faster / Mask / Cascade R-CNN: the RPN and every RoI head run under autocast; losses and gradients stay
    float32 and finite; predictions are float32; RPN and RoI head outputs close to float32's."""
    from mmdet.registry import MODELS
    from mmdet.structures import DetDataSample
    from mmdet.utils import register_all_modules
    from mmengine.structures import InstanceData
    register_all_modules()
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(config).model)
    imgs = [torch.randint(0, 255, (3, 128, 128), dtype=torch.uint8) for _ in range(2)]
    samples = []
    for _ in imgs:
        sample = DetDataSample(metainfo=dict(img_shape=(128, 128), ori_shape=(128, 128), scale_factor=(1.0, 1.0),
                                             pad_shape=(128, 128), batch_input_shape=(128, 128)))
        inst = InstanceData(bboxes=torch.tensor([[10.0, 12.0, 60.0, 70.0], [70.0, 20.0, 120.0, 90.0]]),
                            labels=torch.tensor([0, 1]))
        if "mask" in config:
            from mmdet.structures.mask import BitmapMasks
            masks = torch.zeros(2, 128, 128, dtype=torch.uint8)
            masks[0, 12:70, 10:60] = 1
            masks[1, 20:90, 70:120] = 1
            inst.masks = BitmapMasks(masks.numpy(), 128, 128)
        sample.gt_instances = inst
        samples.append(sample)
    data = model.data_preprocessor({"inputs": imgs, "data_samples": samples}, True)
    model.eval()
    with torch.no_grad():
        feats = model.extract_feat(data["inputs"])
        ref = model.rpn_head(feats)
    enable_bf16(model)
    with torch.no_grad():
        got = model.rpn_head(model.extract_feat(data["inputs"]))
    for r_level, g_level in zip(ref, got):
        for r, g in zip(r_level, g_level):
            assert g.dtype == torch.float32 and _close(g, r)
    model.train()
    losses = model.loss(data["inputs"], data["data_samples"])
    total = sum(v.sum() if isinstance(v, torch.Tensor) else sum(v) for k, v in losses.items() if "loss" in k)
    total.backward()
    assert total.dtype == torch.float32 and torch.isfinite(total)
    grads = [p.grad for p in model.parameters() if p.requires_grad and p.grad is not None]
    assert grads and all(g.dtype == torch.float32 and torch.isfinite(g).all() for g in grads)
    model.eval()
    with torch.no_grad():
        preds = model.predict(data["inputs"], data["data_samples"])
    assert preds[0].pred_instances.bboxes.dtype == torch.float32


def test_to_float32_keeps_structure():
    out = to_float32({"a": (torch.ones(2, dtype=torch.bfloat16), [torch.zeros(1, dtype=torch.float16)]),
                      "b": torch.ones(1, dtype=torch.long), "c": "text"})
    assert out["a"][0].dtype == torch.float32 and out["a"][1][0].dtype == torch.float32
    assert out["b"].dtype == torch.long and out["c"] == "text" and isinstance(out["a"], tuple)


@pytest.mark.slow
def test_tools_bf16_flags_run(tmp_path):
    root = make_shapes_coco(str(tmp_path / "det"), num_train=8, num_val=4, size=128)
    opts = ["--cfg-options", f"data_root={root}/", "train_cfg.max_epochs=1", "param_scheduler.1.end=1"]
    run_tool("tools/train.py", DET_DEMO, "--work-dir", str(tmp_path / "w"), *opts)
    force = [] if machine.bf16_is_fast_here() else ["force"]  # the mechanics, on any CPU
    out = run_tool("tools/test.py", DET_DEMO, str(tmp_path / "w" / "epoch_1.pth"), "--bf16", *force, "--work-dir",
                   str(tmp_path / "t"), *opts[:2]).output
    # a 1-epoch model may detect nothing: then the line says box mAP 0.0 and why
    assert "test: bfloat16 autocast for the network" in out and "[test] coco/bbox_mAP" in out
    cifar = make_cifar_pickles(str(tmp_path / "cifar"), 10, num_train=64, num_test=32)
    out = run_tool("tools/train.py", CLS_DEMO, "--amp", *(["--bf16", "force"] if force else []), "--work-dir", str(tmp_path / "c"), "--cfg-options",
                   f"data_root={cifar}/", "train_cfg.max_epochs=1", "param_scheduler.0.end=1").output
    assert "train: bfloat16 autocast for the network" in out and (tmp_path / "c" / "epoch_1.pth").is_file()
    assert "non-finite" not in out


# -- bfloat16 only where it pays -----------------------------------------------------------------------------------
@pytest.mark.parametrize("flags,native", [
    (" fpu sse2 avx avx2 fma ", False),                       # AMD EPYC / Intel without AVX-512 BF16
    (" avx2 avx512f avx512bw avx512vl ", False),              # AVX-512 without BF16 (Skylake-SP): emulated too
    (" avx2 avx512f avx512_bf16 ", True),                     # Cooper Lake, Zen 4
    (" avx512f avx512_bf16 amx_bf16 amx_tile ", True),        # Sapphire Rapids
    (" fp asimd evtstrm aes sha2 crc32 bf16 i8mm ", True),    # Arm (Graviton 3, Neoverse V1)
])
def test_native_bfloat16_is_read_from_the_cpu_flags(monkeypatch, flags, native):
    monkeypatch.setattr(machine, "cpu_flags", lambda: flags)
    assert machine.bf16_is_fast_here() is native


def test_bf16_on_a_cpu_without_native_bfloat16_is_refused_unless_forced(monkeypatch, tmp_path):
    monkeypatch.setattr(precision, "bf16_is_fast_here", lambda: False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    train, test = load_tool("tools/train.py"), load_tool("tools/test.py")
    ckpt = tmp_path / "c.pth"
    ckpt.write_bytes(b"")
    for tool, argv, option in ((train, [CLS_DEMO, "--amp"], "--amp"), (train, [CLS_DEMO, "--bf16"], "--bf16"),
                               (test, [CLS_DEMO, str(ckpt), "--bf16"], "--bf16")):
        with pytest.raises(ConfigError, match=rf"^{option}: this CPU \(.*\) has no native bfloat16 .* about 8x "
                                              rf"slower .*leave out {option}, or add --bf16 force to run it anyway$"):
            tool.build_cfg(tool.parse_args(argv))
    assert train.build_cfg(train.parse_args([CLS_DEMO, "--amp", "--bf16", "force"])) is not None
    assert test.build_cfg(test.parse_args([CLS_DEMO, str(ckpt), "--bf16", "force"])) is not None
    monkeypatch.setattr(precision, "bf16_is_fast_here", lambda: True)
    assert train.build_cfg(train.parse_args([CLS_DEMO, "--amp"])) is not None
