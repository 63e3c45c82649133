# Multi-label demo / test config: the TResNet-M 224 ASL recipe on the generated shapes set (COCO 2017 layout,
# data/shapes_multilabel: 6 shape classes from tresnet_tasks.data.synthetic.make_shapes_coco(shapes=ALL_SHAPES)),
# with a reduced TResNet-M, 128 px, a short schedule and no pretrained weights.
_base_ = ['./asl_tresnet-m_224px_coco.py']

data_root = 'data/shapes_multilabel/'
img_size = 128
batch_size = 16
max_epochs = 10
lr = 2e-3
model = dict(num_classes=6, init_cfg=None, norm='bn', layers=(1, 1, 2, 1), width=0.5)
train_pipeline = [dict(type='LoadImagePIL'), dict(type='SquishResize', size=img_size),
                  dict(type='RandomHorizontalFlipPIL'), dict(type='PackClsInputs')]
test_pipeline = [dict(type='LoadImagePIL'), dict(type='SquishResize', size=img_size), dict(type='PackClsInputs')]
train_dataloader = dict(
    batch_size=batch_size, num_workers=0, persistent_workers=False, pin_memory=False,
    dataset=dict(data_root=data_root, ann_file='annotations/instances_train2017.json',
                 data_prefix=dict(img_path='train2017/'), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=batch_size, num_workers=0, persistent_workers=False, pin_memory=False,
    dataset=dict(data_root=data_root, ann_file='annotations/instances_val2017.json',
                 data_prefix=dict(img_path='val2017/'), pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(threshold=0.5)
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
optim_wrapper = dict(optimizer=dict(lr=lr))
param_scheduler = [
    dict(type='OneCycleLR', eta_max=lr, pct_start=0.2, by_epoch=True, convert_to_iter_based=True, begin=0,
         end=max_epochs),
    dict(type='OneCycleMomentum', base_momentum=0.85, max_momentum=0.95, pct_start=0.2, by_epoch=True,
         convert_to_iter_based=True, begin=0, end=max_epochs)]
# a short run: a faster EMA than the recipe's 0.9997 so that it has moved by the end
custom_hooks = [dict(type='EMAHook', ema_type='ExponentialMovingAverage', momentum=0.1, update_buffers=True,
                     priority='ABOVE_NORMAL')]
default_hooks = dict(logger=dict(interval=5))
log_processor = dict(window_size=5)
randomness = dict(seed=0)
