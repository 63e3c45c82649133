# Oxford Flowers-102 fine-tuning, TResNet-L at 368 (paper: 99.1 top-1; EfficientNet-B7 98.8), trainval -> test;
# the Stanford Cars recipe (same weights, size and default schedule) on another dataset. The group's documented
# transfer recipe: tresnet-l_368px_adam-cosine-50e_flowers102.py. "Best" is picked on the test split. Sources:
# recipes.yml.
_base_ = ['../_base_/models/tresnet_finetune.py', '../_base_/datasets/flowers102_368px.py',
          '../_base_/schedules/finetune_adam-onecycle_80e.py', '../_base_/transfer_runtime.py']
model = dict(arch='tresnet_l', num_classes=102, input_multiple=4,
             init_cfg=dict(type='Pretrained', checkpoint='tresnet_l.miil_in1k'))
