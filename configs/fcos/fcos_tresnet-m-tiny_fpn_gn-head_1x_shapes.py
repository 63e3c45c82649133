# The embedded default: FCOS + TResNet-M (reduced depth/width for a 2-core CPU) on the generated shapes dataset
# (COCO 2017 layout under data/shapes_coco, made by tools/demo_detection.py or tresnet_tasks.data.synthetic).
# Same model, pipeline and tools as fcos_tresnet-m_fpn_gn-head_1x_coco.py; only size and schedule are shortened.
_base_ = './fcos_tresnet-m_fpn_gn-head_1x_coco.py'

data_root = 'data/shapes_coco/'
classes = ('circle', 'square', 'triangle')
metainfo = dict(classes=classes)
img_scale = (160, 160)

model = dict(
    backbone=dict(layers=(1, 1, 2, 1), width=0.5, frozen_stages=-1, norm_eval=False, norm='bn', init_cfg=None),
    neck=dict(in_channels=[64, 512, 1024], out_channels=64),
    bbox_head=dict(num_classes=len(classes), in_channels=64, feat_channels=64, stacked_convs=2,
                   norm_cfg=dict(type='GN', num_groups=16, requires_grad=True)),
    test_cfg=dict(nms_pre=200, max_per_img=20))

# multi-scale training and flips, each draw seeded per sample (tools/train.py: exact mid-epoch resume)
train_pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations', with_bbox=True),
                  dict(type='RandomChoiceResize', scales=[(144, 144), img_scale, (176, 176)], keep_ratio=True),
                  dict(type='RandomFlip', prob=0.5), dict(type='PackDetInputs')]
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='Resize', scale=img_scale, keep_ratio=True),
                 dict(type='LoadAnnotations', with_bbox=True),
                 dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))]
train_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, metainfo=metainfo, pipeline=train_pipeline,
                 filter_cfg=dict(filter_empty_gt=True, min_size=4)))
val_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, metainfo=metainfo, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val2017.json')
test_evaluator = val_evaluator

# From scratch on tiny data: AdamW converges in minutes where the paper's SGD recipe needs ImageNet weights.
max_epochs = 12
train_cfg = dict(max_epochs=max_epochs, val_interval=4)
optim_wrapper = dict(
    _delete_=True, type='OptimWrapper', optimizer=dict(type='AdamW', lr=2e-3, weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0), clip_grad=dict(max_norm=35, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', begin=0, end=max_epochs, by_epoch=True, eta_min=1e-5)
]
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=4))
log_processor = dict(window_size=10)
randomness = dict(seed=0)
