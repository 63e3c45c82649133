# Stable entry point: 80-epoch transfer to CIFAR-100, TResNet-XL at 224 (paper 91.5 top-1).
#   python tools/train.py configs/transfer_tresnet_cifar100.py
# It is configs/transfer/tresnet-xl_224px_cifar100.py, unchanged; edit or copy that one.
_base_ = ['transfer/tresnet-xl_224px_cifar100.py']
