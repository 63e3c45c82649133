# Faster R-CNN + TResNet-M, 1x schedule: MMDetection's own Faster R-CNN R50 config (reference: 37.4 box AP, mmdet's metafile)
# with the backbone swapped for TResNet-M (ImageNet-1K weights by their timm tag, as the FCOS configs) and the FPN
# fed its C2..C5 = [64, 128, 1024, 2048] (mmdet's start_level kept); RGB in [0, 1], no mean/std (TResNet's input).
# Frozen stem + layer1 and frozen norm statistics, as mmdet's R50 (frozen_stages=1, norm_eval=True): the backbone's
# memory-lean frozen-statistics path (README, "The backbone").
_base_ = 'mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py'
custom_imports = dict(imports=['tresnet_tasks.registry'], allow_failed_imports=False)
pretrained = 'tresnet_m.miil_in1k'
model = dict(
    data_preprocessor=dict(mean=[0.0, 0.0, 0.0], std=[255.0, 255.0, 255.0], bgr_to_rgb=True),
    backbone=dict(_delete_=True, type='TResNetBackbone', arch='m', out_indices=(0, 1, 2, 3), frozen_stages=1,
                  norm_eval=True, norm='auto', init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    neck=dict(in_channels=[64, 128, 1024, 2048]))
# the dataset that validates its files before training (same arguments as mmdet's CocoDataset)
train_dataloader = dict(dataset=dict(type='CheckedCocoDataset'))
val_dataloader = dict(dataset=dict(type='CheckedCocoDataset'))
test_dataloader = val_dataloader
# inplace_abn's layers get mmengine's norm rules (bias_lr_mult, norm_decay_mult) as BatchNorm does, in every norm mode
optim_wrapper = dict(constructor='NormAwareOptimWrapperConstructor')
