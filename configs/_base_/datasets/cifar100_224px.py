# CIFAR-100 from the python pickles (data/cifar/cifar-100-python/: train, test, meta), resized to 224 with the
# network unchanged; CIFAR-10 is the same with num_classes=10 (data/cifar/cifar-10-batches-py/).
_base_ = ['./cls_loaders.py']
data_root = 'data/cifar/'
img_size = 224
train_pipeline = [dict(type='LoadImagePIL'), dict(type='SquishResize', size=img_size),
                  dict(type='CutoutPIL', factor=0.5),
                  dict(type='MiilRandAugment'), dict(type='PackClsInputs')]
test_pipeline = [dict(type='LoadImagePIL'), dict(type='SquishResize', size=img_size), dict(type='PackClsInputs')]
train_dataloader = dict(dataset=dict(type='CIFARDataset', data_root=data_root, num_classes=100, split='train',
                                     pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(type='CIFARDataset', data_root=data_root, num_classes=100, split='test',
                                   pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='ClassificationMetric', topk=(1, 5))
test_evaluator = val_evaluator
