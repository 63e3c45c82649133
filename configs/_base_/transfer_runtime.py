# Runtime of the transfer configs: the classification runtime with the EMA of the group's transfer command
# (ImageNet21K Transfer_learning.md: --model-ema-decay=0.995 per step; mmengine's momentum = 1 - decay). ASL's
# 0.9997 has a half-life of ~2,300 steps, close to all of Flowers-102's 2,560 (80 epochs x 32 steps): its average
# would still lean on the first epochs. EMA and raw weights are both evaluated, the better kept.
_base_ = ['./cls_runtime.py']
custom_hooks = [dict(type='EMAHook', ema_type='ExponentialMovingAverage', momentum=0.005, update_buffers=True,
                     priority='ABOVE_NORMAL')]
