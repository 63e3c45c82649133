# Transfer demo / test config: the CIFAR-10 recipe with a reduced TResNet-M at 64 px, a short schedule, on the
# generated CIFAR-format pickles (tresnet_tasks.data.synthetic.make_cifar_pickles) under data/cifar_shapes/.
_base_ = ['./tresnet-xl_224px_cifar10.py']
data_root = 'data/cifar_shapes/'
img_size = 64
batch_size = 32
max_epochs = 6
lr = 2e-3
model = dict(arch='tresnet_m', layers=(1, 1, 2, 1), width=0.5, norm='bn', init_cfg=None)
# the recipe's augmentation (flip, RandAugment, Cutout; milder for 6 short epochs), each draw seeded per sample
# (tools/train.py: exact resume)
train_pipeline = [dict(type='LoadImagePIL'), dict(type='SquishResize', size=img_size),
                  dict(type='RandomHorizontalFlipPIL'), dict(type='TimmRandAugment', config_str='rand-n1-m5'),
                  dict(type='CutoutPIL', factor=0.25), dict(type='PackClsInputs')]
test_pipeline = [dict(type='LoadImagePIL'), dict(type='SquishResize', size=img_size), dict(type='PackClsInputs')]
train_dataloader = dict(batch_size=batch_size, num_workers=0, persistent_workers=False, pin_memory=False,
                        dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(batch_size=batch_size, num_workers=0, persistent_workers=False, pin_memory=False,
                      dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
optim_wrapper = dict(optimizer=dict(lr=lr))
param_scheduler = [dict(type='OneCycleLR', eta_max=lr, pct_start=0.1, div_factor=20, by_epoch=True,
                        convert_to_iter_based=True, begin=0, end=max_epochs)]
custom_hooks = [dict(type='EMAHook', ema_type='ExponentialMovingAverage', momentum=0.1, update_buffers=True,
                     priority='ABOVE_NORMAL')]
default_hooks = dict(logger=dict(interval=10))
log_processor = dict(window_size=10)
randomness = dict(seed=0)
