# Stanford Cars, TResNet-L at 368 (paper: 96.0), with the group's documented transfer recipe (ImageNet21K's
# Transfer_learning.md timm command, _base_/schedules/finetune_adam-cosine_50e.py), at the paper's 368 px: squish
# resize (bilinear), flip 0.5, AutoAugment v0 (translate 0.45 x 368 px, fill 0), random erasing 0.5, label smoothing
# 0.1, Adam 2e-4, batch 128, 50 epochs cosine, EMA 0.995. From the 224-px ImageNet-1K TResNet-L (TResNet #30).
# "Best" is picked on the test split. Sources and differences: recipes.yml.
_base_ = ['../_base_/models/tresnet_finetune.py', '../_base_/datasets/stanford-cars_368px.py',
          '../_base_/schedules/finetune_adam-cosine_50e.py', '../_base_/transfer_runtime.py']
img_size = 368
model = dict(arch='tresnet_l', num_classes=196, input_multiple=4, loss=dict(smoothing=0.1),
             init_cfg=dict(type='Pretrained', checkpoint='tresnet_l.miil_in1k'))
train_pipeline = [dict(type='LoadImagePIL'), dict(type='SquishResize', size=img_size),
                  dict(type='RandomHorizontalFlipPIL', prob=0.5),
                  dict(type='TimmAutoAugment', config_str='v0', translate_const=int(0.45 * img_size), img_mean=(0, 0, 0)),
                  dict(type='TimmRandomErasing', prob=0.5), dict(type='PackClsInputs')]
train_dataloader = dict(batch_size=128, dataset=dict(pipeline=train_pipeline))
