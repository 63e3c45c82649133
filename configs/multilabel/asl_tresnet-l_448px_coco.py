# Multi-label MS-COCO 2014 with the asymmetric loss, TResNet-L at 448. Published: 86.6 mAP (ASL paper, Table 8, and
# the ASL repo's MS_COCO_TRresNet_L_448_86.6.pth); the TResNet paper quotes 86.4. The recipe of ASL's train.py
# (Alibaba-MIIL/ASL): Adam 1e-4, 41 epochs of an 80-epoch OneCycle with beta1 cycling, EMA 0.9997, CutoutPIL(0.5) +
# the randaugment package's RandAugment, squish 448; batch 56 (ML-Decoder train.py's L-448 default). Each setting
# and its source, and every intentional difference: recipes.yml beside this file. To evaluate a published model:
#   python tools/test.py configs/multilabel/asl_tresnet-l_448px_coco.py ASL_MODEL.pth
_base_ = ['../_base_/models/tresnet_asl.py', '../_base_/datasets/coco-multilabel_448px.py',
          '../_base_/schedules/asl_adam-onecycle-80e_stop41.py', '../_base_/cls_runtime.py']
