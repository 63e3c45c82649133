# Cascade R-CNN + TResNet-M reduced for a 2-core CPU on the generated shapes data (python tools/make_demo_data.py):
# the learning check of cascade-rcnn_tresnet-m_fpn_1x_coco.py (same detector, tools and evaluation; smaller backbone,
# FPN, RPN and three RoI heads, 32 sampled RoIs per image (mmdet: 512), a 4-epoch from-scratch schedule:
# ../_base_/shapes_detection_demo.py). The three stages are mmdet's own, resized (their IoU thresholds and box
# coder statistics unchanged).
_base_ = ['./cascade-rcnn_tresnet-m_fpn_1x_coco.py', '../_base_/shapes_detection_demo.py']
data_root = _base_.shapes_demo.data_root

model = dict(
    backbone=_base_.shapes_demo.backbone,
    neck=dict(in_channels=_base_.shapes_demo.channels, out_channels=64),
    rpn_head=dict(in_channels=64, feat_channels=64),
    roi_head=dict(bbox_roi_extractor=dict(out_channels=64),
                  bbox_head=[dict(stage, in_channels=64, fc_out_channels=256,
                                  num_classes=len(_base_.shapes_demo.classes))
                             for stage in _base_.model.roi_head.bbox_head]),
    train_cfg=dict(rpn_proposal=dict(nms_pre=500, max_per_img=200),
                   rcnn=[dict(stage, sampler=dict(stage.sampler, num=32)) for stage in _base_.model.train_cfg.rcnn]),
    test_cfg=dict(rpn=dict(nms_pre=300, max_per_img=100), rcnn=dict(max_per_img=20)))

train_dataloader = _base_.shapes_demo.train_dataloader
val_dataloader = test_dataloader = _base_.shapes_demo.val_dataloader
val_evaluator = test_evaluator = _base_.shapes_demo.evaluator
train_cfg = _base_.shapes_demo.two_stage.train_cfg
optim_wrapper = _base_.shapes_demo.optim_wrapper
param_scheduler = _base_.shapes_demo.two_stage.param_scheduler
default_hooks = _base_.shapes_demo.two_stage.default_hooks
log_processor = _base_.shapes_demo.log_processor
randomness = _base_.shapes_demo.randomness
