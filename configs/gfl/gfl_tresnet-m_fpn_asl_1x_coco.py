# GFL + TResNet-M, 1x, with the asymmetric loss in its quality form as the classification loss: mmdet's
# QualityFocalLoss (beta 2) with the positive class of each positive anchor unfocused (gamma_pos 0, ASL's asymmetry)
# and QFL's focusing kept for the negatives (gamma_neg 2), no clip; the same choices as the FCOS-ASL config
# (configs/fcos/fcos_tresnet-m_fpn_gn-head_asl_1x_coco.py). With gamma_pos = gamma_neg = 2 the loss equals
# QualityFocalLoss (tests/detection/test_asl_loss.py): move from one to the other a setting at a time.
_base_ = './gfl_tresnet-m_fpn_1x_coco.py'
model = dict(bbox_head=dict(loss_cls=dict(_delete_=True, type='AsymmetricQualityFocalLoss', gamma_pos=0.0,
                                          gamma_neg=2.0, clip=0.0, loss_weight=1.0)))
