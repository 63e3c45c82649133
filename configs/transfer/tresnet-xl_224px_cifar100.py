# CIFAR-100 fine-tuning, TResNet-XL at 224 (paper: 91.5 top-1; EfficientNet-B7 91.7). Starts from ImageNet-1K
# TResNet-XL at 224 (timm tag; tools/fetch_weights.py): the paper fine-tuned ImageNet models, and timm has no 21K
# weights for XL. Any supported file also works: --cfg-options model.init_cfg.checkpoint=FILE.
_base_ = ['../_base_/models/tresnet_finetune.py', '../_base_/datasets/cifar100_224px.py',
          '../_base_/schedules/finetune_adam-onecycle_80e.py', '../_base_/cls_runtime.py']
model = dict(arch='tresnet_xl', num_classes=100, init_cfg=dict(type='Pretrained', checkpoint='tresnet_xl.miil_in1k'))
