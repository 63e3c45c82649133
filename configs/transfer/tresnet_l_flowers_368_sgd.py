# Flowers-102 with the alternative schedule: SGD (momentum 0.9, nesterov) lr 0.05 for batch 64, 3 warm-up epochs,
# cosine to 0, weight decay 1e-4 on non-bias / non-1-D params (the default is Adam + OneCycle, see
# _base_/finetune_adam_onecycle.py for why).
_base_ = ['./tresnet_l_flowers_368.py']
max_epochs = 80
optim_wrapper = dict(
    _delete_=True, type='AmpOnGpuOptimWrapper',
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-4),
    paramwise_cfg=dict(bias_decay_mult=0.0, flat_decay_mult=0.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=3, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=3, end=max_epochs, eta_min=0.0, convert_to_iter_based=True)
]
