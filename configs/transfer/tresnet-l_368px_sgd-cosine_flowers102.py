# Flowers-102 with the alternative schedule (SGD + cosine, _base_/schedules/finetune_sgd-cosine_80e.py).
_base_ = ['../_base_/models/tresnet_finetune.py', '../_base_/datasets/flowers102_368px.py',
          '../_base_/schedules/finetune_sgd-cosine_80e.py', '../_base_/cls_runtime.py']
model = dict(arch='tresnet_l', num_classes=102, input_multiple=4,
             init_cfg=dict(type='Pretrained', checkpoint='tresnet_l.miil_in1k_448'))
