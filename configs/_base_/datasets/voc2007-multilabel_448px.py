# PASCAL VOC 2007 as 20-way multi-label classification, from the devkit folder as downloaded
# (data/VOCdevkit/VOC2007/: Annotations/, ImageSets/Main/, JPEGImages/): trainval (5,011) to train, test (4,952)
# to evaluate. Difficult objects: 'ignore' (a class present only as difficult objects is unknown: out of the loss
# with a partial mode, out of that class's AP), the evaluation of mmpretrain and ML-GCN. The ASL augmentation at 448.
_base_ = ['./cls_loaders.py']
data_root = 'data/VOCdevkit/VOC2007/'
img_size = 448
train_pipeline = [dict(type='LoadImagePIL'), dict(type='SquishResize', size=img_size),
                  dict(type='CutoutPIL', factor=0.5), dict(type='MiilRandAugment'),
                  dict(type='PackClsInputs')]
test_pipeline = [dict(type='LoadImagePIL'), dict(type='SquishResize', size=img_size), dict(type='PackClsInputs')]
train_dataloader = dict(batch_size=56, dataset=dict(
    type='VOCMultiLabelDataset', data_root=data_root, split='trainval', difficult='ignore', pipeline=train_pipeline))
val_dataloader = dict(batch_size=56, dataset=dict(
    type='VOCMultiLabelDataset', data_root=data_root, split='test', difficult='ignore', pipeline=test_pipeline,
    test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='MultiLabelMetric', threshold=0.7, empty_class='exclude')
test_evaluator = val_evaluator
