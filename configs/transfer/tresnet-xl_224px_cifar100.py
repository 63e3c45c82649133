# CIFAR-100 fine-tuning, TResNet-XL at 224 (paper: 91.5 top-1; EfficientNet-B7 91.7). The default schedule: the
# settings of ImageNet21K's train_single_label.py for the paper's 80 epochs (_base_/schedules/
# finetune_adam-onecycle_80e.py says what that script is); the group's documented transfer recipe for the same
# dataset is tresnet-xl_224px_adam-cosine-50e_cifar100.py. Starts from ImageNet-1K TResNet-XL at 224 (timm tag;
# tools/fetch_weights.py): the paper fine-tuned ImageNet models, and timm has no 21K weights for XL. Any supported
# file also works: --cfg-options model.init_cfg.checkpoint=FILE. "Best" is picked on the test split (CIFAR has no
# validation split; the paper reports test). Every setting and its source: recipes.yml beside this file.
_base_ = ['../_base_/models/tresnet_finetune.py', '../_base_/datasets/cifar100_224px.py',
          '../_base_/schedules/finetune_adam-onecycle_80e.py', '../_base_/transfer_runtime.py']
model = dict(arch='tresnet_xl', num_classes=100, init_cfg=dict(type='Pretrained', checkpoint='tresnet_xl.miil_in1k'))
