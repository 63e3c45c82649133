# Stable entry point (the command users were first given): FCOS + TResNet-M on COCO 2017, 1x (mmdet's FCOS-R50 recipe: 36.6).
#   python tools/train.py configs/fcos_tresnet_m_coco.py
# It is configs/fcos/fcos_tresnet-m_fpn_gn-head_1x_coco.py, unchanged; edit or copy that one.
_base_ = ['fcos/fcos_tresnet-m_fpn_gn-head_1x_coco.py']
