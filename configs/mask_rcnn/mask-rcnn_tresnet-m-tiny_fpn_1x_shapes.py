# Mask R-CNN + TResNet-M reduced for a 2-core CPU on the generated shapes data with COCO polygons
# (data/shapes_coco_masks, python tools/make_demo_data.py): the learning check of mask-rcnn_tresnet-m_fpn_1x_coco.py,
# box and segm AP (same detector, tools and evaluation; smaller backbone, FPN, RPN and RoI heads, 32 sampled RoIs
# per image (mmdet: 512), a 4-epoch from-scratch schedule: ../_base_/shapes_detection_demo.py).
_base_ = ['./mask-rcnn_tresnet-m_fpn_1x_coco.py', '../_base_/shapes_detection_demo.py']
data_root = _base_.shapes_demo.masks.data_root

model = dict(
    backbone=_base_.shapes_demo.backbone,
    neck=dict(in_channels=_base_.shapes_demo.channels, out_channels=64),
    rpn_head=dict(in_channels=64, feat_channels=64),
    roi_head=dict(bbox_roi_extractor=dict(out_channels=64),
                  bbox_head=dict(in_channels=64, fc_out_channels=256, num_classes=len(_base_.shapes_demo.classes)),
                  mask_roi_extractor=dict(out_channels=64),
                  mask_head=dict(num_convs=2, in_channels=64, conv_out_channels=64,
                                 num_classes=len(_base_.shapes_demo.classes))),
    train_cfg=dict(rpn_proposal=dict(nms_pre=500, max_per_img=200), rcnn=dict(sampler=dict(num=32))),
    test_cfg=dict(rpn=dict(nms_pre=300, max_per_img=100), rcnn=dict(max_per_img=20)))

train_dataloader = _base_.shapes_demo.masks.train_dataloader
val_dataloader = test_dataloader = _base_.shapes_demo.masks.val_dataloader
val_evaluator = test_evaluator = _base_.shapes_demo.masks.evaluator
train_cfg = _base_.shapes_demo.two_stage.train_cfg
optim_wrapper = _base_.shapes_demo.optim_wrapper
param_scheduler = _base_.shapes_demo.two_stage.param_scheduler
default_hooks = _base_.shapes_demo.two_stage.default_hooks
log_processor = _base_.shapes_demo.log_processor
randomness = _base_.shapes_demo.randomness
