# Multi-label MS-COCO 2014 with the asymmetric loss, TResNet-L at 448 (paper: 86.4 mAP; the ASL repo's model:
# 86.6). The published recipe (ASL / ML-Decoder train.py), batch 56. To evaluate a published ASL model:
#   python tools/test.py configs/multilabel/asl_tresnet-l_448px_coco.py ASL_MODEL.pth
_base_ = ['../_base_/models/tresnet_asl.py', '../_base_/datasets/coco-multilabel_448px.py',
          '../_base_/schedules/asl_adam-onecycle_40e.py', '../_base_/cls_runtime.py']
