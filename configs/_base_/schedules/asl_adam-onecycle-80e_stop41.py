# The ASL schedule, as Alibaba-MIIL/ASL train.py runs it (train_multi_label_coco: Epochs = 80, Stop_epoch = 40,
# `if epoch > Stop_epoch: break`; commit "adjust hyper-parameters to reproduce article results"): torch's
# OneCycleLR(max_lr=1e-4, epochs=80, pct_start=0.2) stepped per iteration, stopped after epoch 40, i.e. 41 epochs of
# an 80-epoch cycle (16 warm-up epochs, the LR never annealed to its floor). With the cycle, torch moves Adam's beta1
# 0.95 -> 0.85 -> 0.95 (cycle_momentum, its default): OneCycleMomentum. Adam lr 1e-4, weight decay 1e-4 on
# non-bias, non-1-D params (add_weight_decay + Adam(weight_decay=0)), AMP on GPU; EMA 0.9997 per step, EMA and raw
# both evaluated each epoch (cls_runtime.py). Every value: configs/multilabel/recipes.yml.
_base_ = ['./mldecoder_adam-onecycle_40e.py']  # the same optimizer, loop, EMA; another stop and cycle length
max_epochs = 41  # epochs run
cycle_epochs = 80  # epochs the one-cycle is laid out over
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='OneCycleLR', eta_max=1e-4, pct_start=0.2, by_epoch=True, convert_to_iter_based=True, begin=0,
         end=cycle_epochs),
    dict(type='OneCycleMomentum', base_momentum=0.85, max_momentum=0.95, pct_start=0.2, by_epoch=True,
         convert_to_iter_based=True, begin=0, end=cycle_epochs)]
