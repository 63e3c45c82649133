# MS-COCO 2014 multi-label at 224 (the M-224 runs), batch 128; otherwise as coco-multilabel_448px.py.
_base_ = ['./coco-multilabel_448px.py']
img_size = 224
train_pipeline = [dict(type='LoadImagePIL'), dict(type='SquishResize', size=img_size),
                  dict(type='CutoutPIL', factor=0.5), dict(type='MiilRandAugment'),
                  dict(type='PackClsInputs')]
test_pipeline = [dict(type='LoadImagePIL'), dict(type='SquishResize', size=img_size), dict(type='PackClsInputs')]
train_dataloader = dict(batch_size=128, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=128, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
