# The ML-Decoder schedule, as Alibaba-MIIL/ML_Decoder train.py runs it (Epochs = 40, no early stop): torch's
# OneCycleLR(max_lr=1e-4, epochs=40, pct_start=0.2) stepped per iteration over the whole 40-epoch cycle, with its
# default beta1 cycling 0.95 -> 0.85 -> 0.95 (OneCycleMomentum). Otherwise as the ASL schedule
# (asl_adam-onecycle-80e_stop41.py): Adam 1e-4, weight decay 1e-4 on non-bias / non-1-D params, AMP on GPU, EMA 0.9997.
max_epochs = 40
lr = 1e-4
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type='EMAAndRawValLoop', best_metric='multilabel/mAP')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='AmpOnGpuOptimWrapper', optimizer=dict(type='Adam', lr=lr, weight_decay=1e-4),
                     paramwise_cfg=dict(bias_decay_mult=0.0, flat_decay_mult=0.0))
param_scheduler = [
    dict(type='OneCycleLR', eta_max=lr, pct_start=0.2, by_epoch=True, convert_to_iter_based=True, begin=0,
         end=max_epochs),
    dict(type='OneCycleMomentum', base_momentum=0.85, max_momentum=0.95, pct_start=0.2, by_epoch=True,
         convert_to_iter_based=True, begin=0, end=max_epochs)]
auto_scale_lr = dict(enable=False, base_batch_size=56)
