# Multi-label MS-COCO 2014 with the asymmetric loss, TResNet-L at 448 (paper: 86.6 mAP with ImageNet-21K-ish
# pretraining in the ASL repo; 86.4 in the paper). The published recipe (ASL / ML-Decoder train.py):
# squish resize 448, CutoutPIL(0.5) + RandAugment, no normalisation, Adam lr 1e-4 with weight decay 1e-4 on
# non-bias / non-1-D params only, OneCycleLR (pct_start 0.2) stepped per iteration, EMA 0.9997 per step with EMA
# and raw weights both evaluated (the better one kept as best), AMP on GPU, batch 56, 40 epochs (early-stopped).
_base_ = ['../_base_/classification_runtime.py']

data_root = 'data/coco/'
arch = 'tresnet_l'
img_size = 448
batch_size = 56
max_epochs = 40
lr = 1e-4
# Start: TResNet-L trained on ImageNet-1K at 448 (timm tag; tools/fetch_weights.py fetches it). timm has no
# ImageNet-21K weights for TResNet-L v1 (only for the other variant, tresnet_v2_l), and the 448 weights match this
# config's resolution. Its 1000-class head is dropped (skip_head). Any supported file or hf-hub: name also works:
#   --cfg-options model.pretrained=FILE    (None: from scratch). To evaluate a published ASL model instead:
#   python tools/test.py configs/multilabel/asl_tresnet_l_448_coco.py ASL_MODEL.pth
pretrained = 'tresnet_l.miil_in1k_448'

model = dict(
    type='TResNetClassifier', arch=arch, num_classes=80, head=dict(type='gap'), multi_label=True,
    pretrained=pretrained, skip_head=True, norm='auto',
    loss=dict(type='AsymmetricLoss', gamma_neg=4, gamma_pos=0, clip=0.05, eps=1e-8, detach_focus=True))

train_pipeline = [
    dict(type='LoadImagePIL'),
    dict(type='SquishResize', size=img_size),
    dict(type='CutoutPIL', factor=0.5),
    dict(type='TimmRandAugment', config_str='rand-m9-mstd0.5'),
    dict(type='PackClsInputs'),
]
test_pipeline = [dict(type='LoadImagePIL'), dict(type='SquishResize', size=img_size), dict(type='PackClsInputs')]

train_dataloader = dict(
    batch_size=batch_size, num_workers=8, persistent_workers=True, pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=True), collate_fn=dict(type='default_collate'),
    dataset=dict(type='CocoMultiLabelDataset', data_root=data_root, ann_file='annotations/instances_train2014.json',
                 data_prefix=dict(img_path='train2014/'), drop_empty=True, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=batch_size, num_workers=8, persistent_workers=True, pin_memory=True, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False), collate_fn=dict(type='default_collate'),
    dataset=dict(type='CocoMultiLabelDataset', data_root=data_root, ann_file='annotations/instances_val2014.json',
                 data_prefix=dict(img_path='val2014/'), drop_empty=True, pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='MultiLabelMetric', threshold=0.7, empty_class='exclude')
test_evaluator = val_evaluator

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type='EMAAndRawValLoop', best_metric='multilabel/mAP')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='AmpOnGpuOptimWrapper',
    optimizer=dict(type='Adam', lr=lr, weight_decay=1e-4),
    paramwise_cfg=dict(bias_decay_mult=0.0, flat_decay_mult=0.0))
param_scheduler = [dict(type='OneCycleLR', eta_max=lr, pct_start=0.2, by_epoch=True,
                        convert_to_iter_based=True, begin=0, end=max_epochs)]
auto_scale_lr = dict(enable=False, base_batch_size=batch_size)
