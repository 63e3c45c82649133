# FCOS with TResNet-L (width 1.2): FPN on C3..C5 = [152, 1216, 2432].
_base_ = './fcos_tresnet-m_fpn_gn-head_1x_coco.py'
pretrained = 'tresnet_l.miil_in1k'  # ImageNet-1K at 224, as for M (see _base_/models/fcos_tresnet-m_fpn.py)
model = dict(
    backbone=dict(arch='l', init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    neck=dict(in_channels=[152, 1216, 2432]))
