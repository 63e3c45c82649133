# The default fine-tuning schedule: the settings of ImageNet21K's train_single_label.py (Alibaba-MIIL/ImageNet21K),
# which is the group's ImageNet-21K-P *pretraining* script, not a fine-tuning recipe (no transfer hyper-parameters
# of the TResNet paper were ever released, TResNet #4). Used here for the paper's 80 epochs because it is the
# group's one published single-label train script for TResNet: Adam lr 3e-4, weight decay 1e-4 on non-bias /
# non-1-D params, torch's OneCycleLR(pct_start=0.1, div_factor=20, cycle_momentum=False) stepped per iteration, 80
# epochs, batch 64, label smoothing 0.2 (_base_/models/tresnet_finetune.py), AMP. The script keeps no EMA; ours
# adds one (_base_/transfer_runtime.py) and evaluates EMA and raw weights, the better kept. The group's documented
# *transfer* recipe is finetune_adam-cosine_50e.py (Transfer_learning.md). Sources: configs/transfer/recipes.yml.
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
