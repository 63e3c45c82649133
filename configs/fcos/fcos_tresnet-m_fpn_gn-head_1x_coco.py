# FCOS + TResNet-M on COCO 2017, 1x schedule (paper: 44.0 box mAP vs 42.8 for ResNet50; mmdet's FCOS R50 1x: 36.6).
_base_ = [
    '../_base_/models/fcos_tresnet-m_fpn.py', '../_base_/datasets/coco_detection.py',
    '../_base_/schedules/schedule_1x.py', '../_base_/default_runtime.py'
]
