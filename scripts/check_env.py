"""Post-set-up self-check: versions, mmcv compiled ops, inplace_abn backend, and an FCOS model from mmdet's registry."""
import sys


def main() -> int:
    failures = []

    def check(what, fn, fix):
        try:
            result = fn()
            print(f"[check] ok   {what}" + (f": {result}" if result else ""))
        except Exception as exc:  # noqa: BLE001 - report every failure, keep going
            failures.append(what)
            print(f"[check] FAIL {what}: {type(exc).__name__}: {exc}\n         fix: {fix}")

    import torch
    print(f"[check] python {sys.version.split()[0]}, torch {torch.__version__} (CUDA build {torch.version.cuda}, "
          f"GPU visible: {torch.cuda.is_available()})")

    def versions():
        import importlib.metadata as md
        names = ["torchvision", "mmengine", "mmcv", "mmdet", "inplace-abn", "timm", "pycocotools", "tresnet-tasks"]
        return ", ".join(f"{n} {md.version(n)}" for n in names)

    def mmcv_ops():
        import mmcv.ops  # noqa: F401
        from mmcv.ops import nms
        boxes = torch.tensor([[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30]], dtype=torch.float32)
        _, keep = nms(boxes, torch.tensor([0.9, 0.8, 0.7]), 0.5)
        assert keep.tolist() == [0, 2], keep
        return "nms kernel ran"

    def iabn_backend():
        from inplace_abn import InPlaceABN
        from inplace_abn import _backend  # noqa: F401 - the compiled extension
        layer = InPlaceABN(4, activation="leaky_relu", activation_param=0.01)
        y = layer(torch.randn(2, 4, 5, 5))
        assert torch.isfinite(y).all()
        return "compiled backend loaded, CPU forward ran"

    def fcos_model():
        from mmdet.registry import MODELS
        from mmdet.utils import register_all_modules
        register_all_modules()
        cfg = dict(
            type="FCOS",
            data_preprocessor=dict(type="DetDataPreprocessor", mean=[0, 0, 0], std=[255, 255, 255], bgr_to_rgb=True,
                                   pad_size_divisor=32),
            backbone=dict(type="ResNet", depth=18, num_stages=4, out_indices=(1, 2, 3), norm_eval=True),
            neck=dict(type="FPN", in_channels=[128, 256, 512], out_channels=64, start_level=0,
                      add_extra_convs="on_output", num_outs=5, relu_before_extra_convs=True),
            bbox_head=dict(type="FCOSHead", num_classes=3, in_channels=64, feat_channels=64, stacked_convs=1,
                           strides=[8, 16, 32, 64, 128],
                           loss_cls=dict(type="FocalLoss", use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0),
                           loss_bbox=dict(type="IoULoss", loss_weight=1.0),
                           loss_centerness=dict(type="CrossEntropyLoss", use_sigmoid=True, loss_weight=1.0)),
            test_cfg=dict(nms_pre=100, min_bbox_size=0, score_thr=0.05, nms=dict(type="nms", iou_threshold=0.5),
                          max_per_img=10))
        model = MODELS.build(cfg)
        return f"{type(model).__name__} with {sum(p.numel() for p in model.parameters()) / 1e6:.1f}M params"

    def imports():
        import inplace_abn, mmcv.ops, mmdet, pycocotools, timm  # noqa: F401,E401
        return "import mmcv.ops, inplace_abn, mmdet, timm, pycocotools"

    check("versions", versions, "re-run scripts/setup_env.sh")
    check("imports", imports, "re-run scripts/setup_env.sh")
    check("mmcv.ops (compiled)", mmcv_ops, "delete the cached mmcv wheel under ~/.cache/tresnet-tasks and re-run set-up")
    check("inplace_abn backend", iabn_backend, "delete the cached inplace_abn wheel and re-run set-up")
    check("mmdet FCOS from registry", fcos_model, "check mmdet/mmcv versions (mmdet 3.3 needs mmcv<2.2)")
    if failures:
        print(f"[check] {len(failures)} check(s) failed: {', '.join(failures)}")
        return 1
    print("[check] all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
