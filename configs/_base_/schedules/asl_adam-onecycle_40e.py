# The published ASL / ML-Decoder schedule: Adam lr 1e-4, weight decay 1e-4 on non-bias / non-1-D params only,
# OneCycleLR (pct_start 0.2) stepped per iteration, 40 epochs (the published runs early-stop), AMP on GPU; EMA of
# the weights (cls_runtime.py) with EMA and raw both evaluated, the better one kept as best.
max_epochs = 40
lr = 1e-4
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type='EMAAndRawValLoop', best_metric='multilabel/mAP')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='AmpOnGpuOptimWrapper', optimizer=dict(type='Adam', lr=lr, weight_decay=1e-4),
                     paramwise_cfg=dict(bias_decay_mult=0.0, flat_decay_mult=0.0))
param_scheduler = [dict(type='OneCycleLR', eta_max=lr, pct_start=0.2, by_epoch=True, convert_to_iter_based=True,
                        begin=0, end=max_epochs)]
auto_scale_lr = dict(enable=False, base_batch_size=56)
