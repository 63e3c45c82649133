# Flowers-102 with the alternative schedule: SGD lr 1e-2 at batch 128 (the author's SGD fine-tuning setting,
# ImageNet21K #40), cosine over 80 epochs (_base_/schedules/finetune_sgd-cosine_80e.py); otherwise as
# tresnet-l_368px_flowers102.py. Sources: recipes.yml.
_base_ = ['../_base_/models/tresnet_finetune.py', '../_base_/datasets/flowers102_368px.py',
          '../_base_/schedules/finetune_sgd-cosine_80e.py', '../_base_/transfer_runtime.py']
model = dict(arch='tresnet_l', num_classes=102, input_multiple=4,
             init_cfg=dict(type='Pretrained', checkpoint='tresnet_l.miil_in1k'))
train_dataloader = dict(batch_size=128)
