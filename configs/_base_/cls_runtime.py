# Runtime shared by the classification configs, multi-label and transfer (plain mmengine scope).
custom_imports = dict(imports=['tresnet_tasks.registry'], allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2),  # last ones, for --resume
    sampler_seed=dict(type='DistSamplerSeedHook'))
# EMA of the weights, decay 0.9997 per step (mmengine's momentum = 1 - decay)
custom_hooks = [dict(type='EMAHook', ema_type='ExponentialMovingAverage', momentum=0.0003, update_buffers=True,
                     priority='ABOVE_NORMAL')]
env_cfg = dict(cudnn_benchmark=True, mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
               dist_cfg=dict(backend='nccl'))
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=True)
log_level = 'INFO'
load_from = None
resume = False
