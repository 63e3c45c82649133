# FCOS with a TResNet-M backbone: FPN on C3..C5 = [128, 1024, 2048], GN head; RGB in [0, 1] (no mean/std).
# The ImageNet-1K TResNet-M weights (80.8 top-1) that the paper's detection results start from, by their timm tag:
# fetched once into the Hugging Face cache (python tools/fetch_weights.py tresnet_m.miil_in1k; offline runs use the
# cache). 1K rather than 21K: the paper's detection result is with ImageNet-1K pretraining, like mmdet's R50 baseline.
# A local file (official / 21K repo / timm / this project) instead:
#   --cfg-options model.backbone.init_cfg.checkpoint=FILE    (model.backbone.init_cfg=None: from scratch)
pretrained = 'tresnet_m.miil_in1k'

model = dict(
    type='FCOS',
    data_preprocessor=dict(
        type='DetDataPreprocessor', mean=[0.0, 0.0, 0.0], std=[255.0, 255.0, 255.0], bgr_to_rgb=True,
        pad_size_divisor=32),
    backbone=dict(
        type='TResNetBackbone',
        arch='m',
        out_indices=(1, 2, 3),
        frozen_stages=1,
        norm_eval=True,
        norm='auto',
        init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    neck=dict(
        type='FPN',
        in_channels=[128, 1024, 2048],
        out_channels=256,
        start_level=0,
        add_extra_convs='on_output',
        num_outs=5,
        relu_before_extra_convs=True),
    bbox_head=dict(
        type='FCOSHead',
        num_classes=80,
        in_channels=256,
        stacked_convs=4,
        feat_channels=256,
        strides=[8, 16, 32, 64, 128],
        norm_cfg=dict(type='GN', num_groups=32, requires_grad=True),
        loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0),
        loss_bbox=dict(type='IoULoss', loss_weight=1.0),
        loss_centerness=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0)),
    test_cfg=dict(
        nms_pre=1000,
        min_bbox_size=0,
        score_thr=0.05,
        nms=dict(type='nms', iou_threshold=0.5),
        max_per_img=100))
