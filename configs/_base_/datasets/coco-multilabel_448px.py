# MS-COCO 2014 as 80-way multi-label classification (data/coco/: train2014/, val2014/, annotations/instances_*2014
# .json), images without labels dropped (82,081 / 40,137 as published); the ASL recipe's augmentation at 448:
# squish resize, CutoutPIL(0.5) on every image + RandAugment (the randaugment package's policy: MiilRandAugment),
# no normalisation. Batch 56 (ML-Decoder train.py's default for L-448; ASL's repo gives no L-448 batch).
_base_ = ['./cls_loaders.py']
data_root = 'data/coco/'
img_size = 448
train_pipeline = [dict(type='LoadImagePIL'), dict(type='SquishResize', size=img_size),
                  dict(type='CutoutPIL', factor=0.5), dict(type='MiilRandAugment'),
                  dict(type='PackClsInputs')]
test_pipeline = [dict(type='LoadImagePIL'), dict(type='SquishResize', size=img_size), dict(type='PackClsInputs')]
train_dataloader = dict(batch_size=56, dataset=dict(
    type='CocoMultiLabelDataset', data_root=data_root, ann_file='annotations/instances_train2014.json',
    data_prefix=dict(img_path='train2014/'), drop_empty=True, pipeline=train_pipeline))
val_dataloader = dict(batch_size=56, dataset=dict(
    type='CocoMultiLabelDataset', data_root=data_root, ann_file='annotations/instances_val2014.json',
    data_prefix=dict(img_path='val2014/'), drop_empty=True, pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='MultiLabelMetric', threshold=0.7, empty_class='exclude')
test_evaluator = val_evaluator
