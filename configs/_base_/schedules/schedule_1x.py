# FCOS 1x schedule (mmdet 3.3 fcos_r50-caffe_fpn_gn-head_1x_coco): 12 epochs, SGD 0.01 for 16 images (8 GPUs x 2),
# constant warm-up (1/3) for 500 iterations, steps at epochs 8 and 11, bias lr x2 without decay, grad clip 35.
# Norm layers follow mmengine's rules (their biases: lr x1, no decay). The backbone's norm scale / shift train
# (norm_eval freezes the statistics only), as mmdet's pytorch-style FCOS R50; mmdet's caffe R50 FCOS freezes them
# (requires_grad=False): a recorded difference (configs/fcos/recipes.yml).
max_epochs = 12
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(type='ConstantLR', factor=1.0 / 3, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[8, 11], gamma=0.1)
]

optim_wrapper = dict(
    type='GuardedOptimWrapper',  # mmengine's OptimWrapper that stops on a non-finite loss (nonfinite='skip')
    # mmengine's constructor, with inplace_abn's layers treated as norms: the backbone's norm biases keep lr x1 (not
    # bias_lr_mult's x2) in every norm mode, as BatchNorm's do under mmengine
    constructor='NormAwareOptimWrapperConstructor',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001),
    paramwise_cfg=dict(bias_lr_mult=2., bias_decay_mult=0.),
    clip_grad=dict(max_norm=35, norm_type=2))

# --auto-scale-lr scales lr linearly by (total batch) / base_batch_size
auto_scale_lr = dict(enable=False, base_batch_size=16)
