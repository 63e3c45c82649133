# Multi-label MS-COCO 2014 with ASL, TResNet-M at 224 (reference: 81.8 mAP from ImageNet-21K pretraining), the
# L-448 recipe with batch 128. Starts from the ImageNet-21K-P TResNet-M (timm tag), as the published 81.8 (ASL) and
# 84.2 (ML-Decoder) M-224 models did: the 21K weights themselves, not the ImageNet-1K fine-tuned ones.
_base_ = ['../_base_/models/tresnet_asl.py', '../_base_/datasets/coco-multilabel_224px.py',
          '../_base_/schedules/asl_adam-onecycle_40e.py', '../_base_/cls_runtime.py']
model = dict(arch='tresnet_m', init_cfg=dict(checkpoint='tresnet_m.miil_in21k'))
auto_scale_lr = dict(base_batch_size=128)
