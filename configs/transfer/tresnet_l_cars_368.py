# Stanford Cars fine-tuning, TResNet-L at 368 (paper: 96.0 top-1; EfficientNet-B7 94.7). 368 is not a multiple
# of 32: the network runs on any multiple of 4 (input_multiple=4), as in the paper.
# Data: data/stanford_cars/ (devkit layout: devkit/cars_meta.mat, devkit/cars_train_annos.mat,
# cars_test_annos_withlabels.mat, cars_train/, cars_test/; or the old cars_annos.mat + car_ims/).
_base_ = ['./tresnet_xl_cifar100_224.py']
data_root = 'data/stanford_cars/'
num_classes = 196
img_size = 368
# ImageNet-1K TResNet-L trained at 448 (timm tag): of the published TResNet-L weights (224 or 448; no 21K for L v1),
# the resolution nearest to 368.
pretrained = 'tresnet_l.miil_in1k_448'
model = dict(arch='tresnet_l', num_classes=num_classes, pretrained=pretrained, input_multiple=4)
train_pipeline = [
    dict(type='LoadImagePIL'),
    dict(type='SquishResize', size=img_size),
    dict(type='CutoutPIL', factor=0.5, prob=0.5),
    dict(type='TimmRandAugment', config_str='rand-m9-mstd0.5'),
    dict(type='PackClsInputs'),
]
test_pipeline = [dict(type='LoadImagePIL'), dict(type='SquishResize', size=img_size), dict(type='PackClsInputs')]
train_dataloader = dict(dataset=dict(_delete_=True, type='StanfordCarsDataset', data_root=data_root, split='train',
                                     pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(_delete_=True, type='StanfordCarsDataset', data_root=data_root, split='test',
                                   pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader
