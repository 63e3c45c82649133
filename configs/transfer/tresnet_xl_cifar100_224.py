# CIFAR-100 fine-tuning, TResNet-XL at 224 (paper: 91.5 top-1; EfficientNet-B7 91.7). CIFAR images are resized
# to 224 with the network unchanged. Data: data/cifar/cifar-100-python/ (the python pickles).
_base_ = ['../_base_/classification_runtime.py', '_base_/finetune_adam_onecycle.py']

data_root = 'data/cifar/'
num_classes = 100
img_size = 224
batch_size = 64
# ImageNet-1K TResNet-XL at 224 (timm tag; tools/fetch_weights.py): the paper fine-tuned ImageNet models, and timm
# has no 21K weights for XL. Any supported file also works: --cfg-options model.pretrained=FILE (None: scratch).
pretrained = 'tresnet_xl.miil_in1k'

model = dict(type='TResNetClassifier', arch='tresnet_xl', num_classes=num_classes, multi_label=False,
             head=dict(type='gap'), pretrained=pretrained, skip_head=True, norm='auto',  # new head
             loss=dict(type='LabelSmoothingCrossEntropy', smoothing=0.2),
             mixup=None)  # optional: dict(mixup_alpha=0.8, cutmix_alpha=1.0, label_smoothing=0.2)
train_pipeline = [
    dict(type='LoadImagePIL'),
    dict(type='SquishResize', size=img_size),
    dict(type='CutoutPIL', factor=0.5, prob=0.5),
    dict(type='TimmRandAugment', config_str='rand-m9-mstd0.5'),
    dict(type='PackClsInputs'),
]
test_pipeline = [dict(type='LoadImagePIL'), dict(type='SquishResize', size=img_size), dict(type='PackClsInputs')]
dataset = dict(type='CIFARDataset', data_root=data_root, num_classes=num_classes)
train_dataloader = dict(
    batch_size=batch_size, num_workers=8, persistent_workers=True, pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=True), collate_fn=dict(type='default_collate'),
    dataset=dict(**dataset, split='train', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=batch_size, num_workers=8, persistent_workers=True, pin_memory=True, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False), collate_fn=dict(type='default_collate'),
    dataset=dict(**dataset, split='test', pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='ClassificationMetric', topk=(1, 5))
test_evaluator = val_evaluator
