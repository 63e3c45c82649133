# Multi-label MS-COCO 2014 with ASL, TResNet-M at 224, exactly ASL's train.py defaults (model tresnet_m, image size
# 224, batch 128, lr 1e-4, 41 epochs of an 80-epoch OneCycle). Reference: 81.8 mAP (REFERENCE: ASL, TResNet-M 224
# with ImageNet-21K pretraining). Starts from the ImageNet-21K-P TResNet-M (timm tag tresnet_m.miil_in21k), as the
# published M-224 models did: the 21K weights themselves, not the ImageNet-1K fine-tuned ones. recipes.yml: sources.
_base_ = ['../_base_/models/tresnet_asl.py', '../_base_/datasets/coco-multilabel_224px.py',
          '../_base_/schedules/asl_adam-onecycle-80e_stop41.py', '../_base_/cls_runtime.py']
model = dict(arch='tresnet_m', init_cfg=dict(checkpoint='tresnet_m.miil_in21k'))
auto_scale_lr = dict(base_batch_size=128)
