# Stable entry point: multi-label MS-COCO 2014 with the asymmetric loss, TResNet-L at 448 (ASL: 86.6 mAP; TResNet paper 86.4).
#   python tools/train.py configs/asl_tresnet_l_coco.py
# It is configs/multilabel/asl_tresnet-l_448px_coco.py, unchanged; edit or copy that one.
_base_ = ['multilabel/asl_tresnet-l_448px_coco.py']
