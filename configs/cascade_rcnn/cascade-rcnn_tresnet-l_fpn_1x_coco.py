# Cascade R-CNN + TResNet-L (width 1.2), 1x: as the M config, FPN on C2..C5 = [76, 152, 1216, 2432].
_base_ = './cascade-rcnn_tresnet-m_fpn_1x_coco.py'
pretrained = 'tresnet_l.miil_in1k'
model = dict(backbone=dict(arch='l', init_cfg=dict(checkpoint=pretrained)), neck=dict(in_channels=[76, 152, 1216, 2432]))
