# Oxford Flowers-102 fine-tuning, TResNet-L at 368 (paper: 99.1 top-1; EfficientNet-B7 98.8), train on trainval,
# test on test. Data: data/flowers102/ (jpg/, imagelabels.mat, setid.mat).
_base_ = ['./tresnet_l_cars_368.py']
data_root = 'data/flowers102/'
num_classes = 102
model = dict(num_classes=num_classes)
train_dataloader = dict(dataset=dict(type='Flowers102Dataset', data_root=data_root, split='trainval'))
val_dataloader = dict(dataset=dict(type='Flowers102Dataset', data_root=data_root, split='test'))
test_dataloader = val_dataloader
