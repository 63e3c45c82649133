# TResNet classifier for single-label fine-tuning: a new GAP head (skip_head drops the ImageNet one), label
# smoothing 0.2; mixup/CutMix optional: mixup=dict(mixup_alpha=0.8, cutmix_alpha=1.0, label_smoothing=0.2).
# The configs set arch, num_classes and the ImageNet weights (init_cfg=dict(type='Pretrained', checkpoint=...)).
model = dict(type='TResNetClassifier', multi_label=False, head=dict(type='gap'), skip_head=True, norm='auto',
             loss=dict(type='LabelSmoothingCrossEntropy', smoothing=0.2), mixup=None)
