# CIFAR-100, TResNet-XL at 224 (paper: 91.5), with the group's documented transfer recipe: ImageNet21K's
# Transfer_learning.md timm command (_base_/schedules/finetune_adam-cosine_50e.py): Adam 2e-4, batch 128, 50 epochs
# cosine with 3 warm-up epochs, EMA 0.995, label smoothing 0.1; --squish (resize to 224 x 224, bilinear), timm's
# horizontal flip (its default 0.5), --aa=v0 (AutoAugment, fill 0 = TResNet's mean), --reprob=0.5 (random erasing,
# timm's 'const' fill), no colour jitter. The author's answer with this command (TResNet #52) reports no TResNet
# number for it; the user there got 89.25 with another recipe. Sources and differences: recipes.yml.
_base_ = ['../_base_/models/tresnet_finetune.py', '../_base_/datasets/cifar100_224px.py',
          '../_base_/schedules/finetune_adam-cosine_50e.py', '../_base_/transfer_runtime.py']
img_size = 224
model = dict(arch='tresnet_xl', num_classes=100, init_cfg=dict(type='Pretrained', checkpoint='tresnet_xl.miil_in1k'),
             loss=dict(smoothing=0.1))
train_pipeline = [dict(type='LoadImagePIL'), dict(type='SquishResize', size=img_size),
                  dict(type='RandomHorizontalFlipPIL', prob=0.5),
                  dict(type='TimmAutoAugment', config_str='v0', translate_const=int(0.45 * img_size), img_mean=(0, 0, 0)),
                  dict(type='TimmRandomErasing', prob=0.5), dict(type='PackClsInputs')]
train_dataloader = dict(batch_size=128, dataset=dict(pipeline=train_pipeline))
