# FCOS + TResNet-M on COCO 2017, 1x schedule: mmdet's fcos_r50-caffe_fpn_gn-head_1x_coco recipe, whose R50 gives 36.6
# box mAP (the reference for this config). The paper's 44.0 (TResNet-M) vs 42.8 (R50) came from an unpublished recipe:
# its R50 is above every R50 FCOS in mmdet's zoo. Every key against mmdet's R50 config: recipes.yml.
_base_ = [
    '../_base_/models/fcos_tresnet-m_fpn.py', '../_base_/datasets/coco_detection.py',
    '../_base_/schedules/schedule_1x.py', '../_base_/default_runtime.py'
]
