# Stanford Cars fine-tuning, TResNet-L at 368 (paper: 96.0 top-1; EfficientNet-B7 94.7). 368 is not a multiple of
# 32: the network runs on any multiple of 4 (input_multiple=4), as in the paper. The default schedule (settings of
# ImageNet21K's train_single_label.py, 80 epochs); the group's documented transfer recipe is
# tresnet-l_368px_adam-cosine-50e_stanford-cars.py. Starts from ImageNet-1K TResNet-L at 224 (timm tag
# tresnet_l.miil_in1k): the author fine-tunes from the original 224-px model (TResNet #30). "Best" is picked on the
# test split (no validation split; the paper reports test). Sources: recipes.yml.
_base_ = ['../_base_/models/tresnet_finetune.py', '../_base_/datasets/stanford-cars_368px.py',
          '../_base_/schedules/finetune_adam-onecycle_80e.py', '../_base_/transfer_runtime.py']
model = dict(arch='tresnet_l', num_classes=196, input_multiple=4,
             init_cfg=dict(type='Pretrained', checkpoint='tresnet_l.miil_in1k'))
