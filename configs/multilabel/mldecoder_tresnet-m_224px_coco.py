# TResNet-M 224 with the ML-Decoder head instead of GAP (reference: 84.2 mAP, ML-Decoder paper, 21K pretraining).
# The recipe of ML-Decoder's train.py (Alibaba-MIIL/ML_Decoder): the ASL recipe with a 40-epoch full OneCycle (no
# early stop), full decoding (num-of-groups -1: one group per class), decoder embedding 768. Batch 128 at 224 (ASL's
# M-224 default; ML-Decoder's train.py default 56 is for its L-448 command): recipes.yml records it.
_base_ = ['../_base_/models/tresnet_asl.py', '../_base_/datasets/coco-multilabel_224px.py',
          '../_base_/schedules/mldecoder_adam-onecycle_40e.py', '../_base_/cls_runtime.py']
model = dict(arch='tresnet_m', init_cfg=dict(checkpoint='tresnet_m.miil_in21k'),
             head=dict(_delete_=True, type='mldecoder', embed_dim=768, num_groups=80, num_heads=8))
auto_scale_lr = dict(base_batch_size=128)
