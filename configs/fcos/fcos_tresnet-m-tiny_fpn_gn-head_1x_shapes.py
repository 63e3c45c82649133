# The embedded default: FCOS + TResNet-M (reduced depth/width for a 2-core CPU) on the generated shapes dataset
# (COCO 2017 layout under data/shapes_coco, made by tools/demo_detection.py or tools/make_demo_data.py).
# Same model, pipeline and tools as fcos_tresnet-m_fpn_gn-head_1x_coco.py; only size and schedule are shortened
# (data and schedule: ../_base_/shapes_detection_demo.py, shared with every detector family's demo config).
_base_ = ['./fcos_tresnet-m_fpn_gn-head_1x_coco.py', '../_base_/shapes_detection_demo.py']
data_root = _base_.shapes_demo.data_root
metainfo = dict(classes=_base_.shapes_demo.classes)

model = dict(
    backbone=_base_.shapes_demo.backbone,
    neck=dict(in_channels=_base_.shapes_demo.channels[1:], out_channels=64),
    bbox_head=dict(num_classes=len(metainfo['classes']), in_channels=64, feat_channels=64, stacked_convs=2,
                   norm_cfg=dict(type='GN', num_groups=16, requires_grad=True)),
    test_cfg=dict(nms_pre=200, max_per_img=20))

train_dataloader = _base_.shapes_demo.train_dataloader
val_dataloader = test_dataloader = _base_.shapes_demo.val_dataloader
val_evaluator = test_evaluator = _base_.shapes_demo.evaluator
train_cfg = _base_.shapes_demo.train_cfg
optim_wrapper = _base_.shapes_demo.optim_wrapper
param_scheduler = _base_.shapes_demo.param_scheduler
default_hooks = _base_.shapes_demo.default_hooks
log_processor = _base_.shapes_demo.log_processor
randomness = _base_.shapes_demo.randomness
