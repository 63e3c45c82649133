# CIFAR-10, TResNet-XL at 224 (paper: 99.0), with the group's documented transfer recipe: as
# tresnet-xl_224px_adam-cosine-50e_cifar100.py, 10 classes. Sources: recipes.yml.
_base_ = ['./tresnet-xl_224px_adam-cosine-50e_cifar100.py']
model = dict(num_classes=10)
train_dataloader = dict(dataset=dict(num_classes=10))
val_dataloader = dict(dataset=dict(num_classes=10))
test_dataloader = val_dataloader
