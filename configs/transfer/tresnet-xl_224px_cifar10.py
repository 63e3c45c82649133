# CIFAR-10 fine-tuning, TResNet-XL at 224 (paper: 99.0 top-1; GPipe 99.0). Data: data/cifar/cifar-10-batches-py/.
_base_ = ['./tresnet-xl_224px_cifar100.py']  # the same recipe; 10 classes
model = dict(num_classes=10)
train_dataloader = dict(dataset=dict(num_classes=10))
val_dataloader = dict(dataset=dict(num_classes=10))
test_dataloader = val_dataloader
