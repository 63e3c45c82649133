# The group's documented transfer recipe: ImageNet21K's Transfer_learning.md (Alibaba-MIIL/ImageNet21K), a timm
# train.py command (the author pointed a TResNet-XL CIFAR-100 user to it, TResNet #52; "all the articles' results
# for transfer learning are with adam optimizer and lr of 2e-4", ImageNet21K #5): --opt=adam --lr=2e-4
# --weight-decay=1e-4 (timm: no decay on biases and 1-D params), -b=128, --epochs=50, --sched=cosine
# --warmup-epochs=3 --min-lr=1e-8 (timm steps it per epoch; warm-up from timm's warmup-lr 1e-5), --model-ema
# --model-ema-decay=0.995 (_base_/transfer_runtime.py), --smoothing=0.1, --amp. Augmentation (--squish,
# --aa=v0, --reprob=0.5, --train-interpolation=bilinear, --color-jitter=0) is in each config's pipeline.
# Differences (configs/transfer/recipes.yml): timm's cosine counts from epoch 0 under the warm-up, ours starts at
# the end of it (at most 1% apart per epoch); timm <= 0.5 added 10 cool-down epochs at min-lr, not run here.
max_epochs = 50
lr = 2e-4
warmup_epochs = 3
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type='EMAAndRawValLoop', best_metric='accuracy/top1')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='AmpOnGpuOptimWrapper', optimizer=dict(type='Adam', lr=lr, weight_decay=1e-4),
                     paramwise_cfg=dict(bias_decay_mult=0.0, flat_decay_mult=0.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-5 / lr, by_epoch=True, begin=0, end=warmup_epochs),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=warmup_epochs, end=max_epochs, eta_min=1e-8)]
auto_scale_lr = dict(enable=False, base_batch_size=128)
