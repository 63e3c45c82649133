# CIFAR-10 fine-tuning, TResNet-XL at 224 (paper: 99.0 top-1; GPipe 99.0). Data: data/cifar/cifar-10-batches-py/.
_base_ = ['./tresnet_xl_cifar100_224.py']
num_classes = 10
model = dict(num_classes=num_classes)
dataset = dict(type='CIFARDataset', data_root='data/cifar/', num_classes=num_classes)
train_dataloader = dict(dataset=dict(num_classes=num_classes))
val_dataloader = dict(dataset=dict(num_classes=num_classes))
test_dataloader = val_dataloader
