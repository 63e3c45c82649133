# RetinaNet + TResNet-M reduced for a 2-core CPU on the generated shapes data (python tools/make_demo_data.py): the
# learning check of retinanet_tresnet-m_fpn_1x_coco.py (same detector, tools and evaluation; smaller backbone, FPN and
# head, a 6-epoch from-scratch schedule: ../_base_/shapes_detection_demo.py). Figures: README.md in this folder.
_base_ = ['./retinanet_tresnet-m_fpn_1x_coco.py', '../_base_/shapes_detection_demo.py']
data_root = _base_.shapes_demo.data_root

model = dict(
    backbone=_base_.shapes_demo.backbone,
    neck=dict(in_channels=_base_.shapes_demo.channels, out_channels=64),
    bbox_head=dict(num_classes=len(_base_.shapes_demo.classes), in_channels=64, feat_channels=64, stacked_convs=2),
    test_cfg=dict(nms_pre=200, max_per_img=20))

train_dataloader = _base_.shapes_demo.train_dataloader
val_dataloader = test_dataloader = _base_.shapes_demo.val_dataloader
val_evaluator = test_evaluator = _base_.shapes_demo.evaluator
train_cfg = _base_.shapes_demo.short.train_cfg
optim_wrapper = _base_.shapes_demo.optim_wrapper
param_scheduler = _base_.shapes_demo.short.param_scheduler
default_hooks = _base_.shapes_demo.short.default_hooks
log_processor = _base_.shapes_demo.log_processor
randomness = _base_.shapes_demo.randomness
