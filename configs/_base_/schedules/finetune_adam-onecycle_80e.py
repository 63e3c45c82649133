# The default fine-tuning schedule. The paper never released its transfer hyper-parameters; this is the closest
# published recipe of the same group (ImageNet-21K repo, single-label fine-tuning): Adam lr 3e-4, OneCycleLR
# (pct_start 0.1, div_factor 20) stepped per iteration, 80 epochs, batch 64, weight decay 1e-4 on non-bias /
# non-1-D params only, label smoothing 0.2, AMP on GPU. Chosen over SGD + cosine because it is the one recipe
# shown to reach these numbers with TResNet; SGD + cosine is finetune_sgd-cosine_80e.py.
max_epochs = 80
lr = 3e-4
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type='EMAAndRawValLoop', best_metric='accuracy/top1')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='AmpOnGpuOptimWrapper', optimizer=dict(type='Adam', lr=lr, weight_decay=1e-4),
                     paramwise_cfg=dict(bias_decay_mult=0.0, flat_decay_mult=0.0))
param_scheduler = [dict(type='OneCycleLR', eta_max=lr, pct_start=0.1, div_factor=20, by_epoch=True,
                        convert_to_iter_based=True, begin=0, end=max_epochs)]
auto_scale_lr = dict(enable=False, base_batch_size=64)
