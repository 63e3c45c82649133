# Stanford Cars fine-tuning, TResNet-L at 368 (paper: 96.0 top-1; EfficientNet-B7 94.7). 368 is not a multiple of
# 32: the network runs on any multiple of 4 (input_multiple=4), as in the paper. Starts from ImageNet-1K TResNet-L
# trained at 448 (timm tag): of the published TResNet-L weights (224 or 448; no 21K for L v1), the nearest to 368.
_base_ = ['../_base_/models/tresnet_finetune.py', '../_base_/datasets/stanford-cars_368px.py',
          '../_base_/schedules/finetune_adam-onecycle_80e.py', '../_base_/cls_runtime.py']
model = dict(arch='tresnet_l', num_classes=196, input_multiple=4,
             init_cfg=dict(type='Pretrained', checkpoint='tresnet_l.miil_in1k_448'))
