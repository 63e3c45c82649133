# Multi-label MS-COCO 2014 with ASL, TResNet-M at 224 (reference: 81.8 mAP from ImageNet-21K pretraining),
# same recipe as the L-448 config with batch 128.
_base_ = ['./asl_tresnet_l_448_coco.py']

arch = 'tresnet_m'
img_size = 224
batch_size = 128
# ImageNet-21K-P TResNet-M (timm tag): the pretraining of the published 81.8 mAP (ASL) and 84.2 (ML-Decoder) M-224
# models; the 21K weights themselves, not the ImageNet-1K fine-tuned ones, as those repos start from.
pretrained = 'tresnet_m.miil_in21k'
model = dict(arch=arch, pretrained=pretrained)
train_pipeline = [
    dict(type='LoadImagePIL'),
    dict(type='SquishResize', size=img_size),
    dict(type='CutoutPIL', factor=0.5),
    dict(type='TimmRandAugment', config_str='rand-m9-mstd0.5'),
    dict(type='PackClsInputs'),
]
test_pipeline = [dict(type='LoadImagePIL'), dict(type='SquishResize', size=img_size), dict(type='PackClsInputs')]
train_dataloader = dict(batch_size=batch_size, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=batch_size, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
auto_scale_lr = dict(base_batch_size=batch_size)
