# FCOS with TResNet-XL (width 1.3): FPN on C3..C5 = [166, 1328, 2656].
_base_ = './fcos_tresnet-m_fpn_gn-head_1x_coco.py'
pretrained = 'tresnet_xl.miil_in1k'  # ImageNet-1K at 224, as for M (see _base_/models/fcos_tresnet-m_fpn.py)
model = dict(
    backbone=dict(arch='xl', init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    neck=dict(in_channels=[166, 1328, 2656]))
