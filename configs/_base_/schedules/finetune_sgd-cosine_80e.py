# The alternative fine-tuning schedule: SGD lr 1e-2 for batch 128, weight decay 1e-4 (the author's SGD fine-tuning
# setting, ImageNet21K issue #40: "--batch_size=128 --optimizer=sgd --learning_rate=1e-2 --wd=1e-4"), momentum 0.9
# with Nesterov, 3 warm-up epochs and cosine to 0 over 80 epochs, no decay on biases and 1-D params (momentum,
# warm-up and schedule are not in that answer: choices, configs/transfer/recipes.yml). The default is Adam +
# OneCycle (finetune_adam-onecycle_80e.py).
max_epochs = 80
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type='EMAAndRawValLoop', best_metric='accuracy/top1')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='AmpOnGpuOptimWrapper',
                     optimizer=dict(type='SGD', lr=0.01, momentum=0.9, nesterov=True, weight_decay=1e-4),
                     paramwise_cfg=dict(bias_decay_mult=0.0, flat_decay_mult=0.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=3, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=3, end=max_epochs, eta_min=0.0, convert_to_iter_based=True)
]
auto_scale_lr = dict(enable=False, base_batch_size=128)
