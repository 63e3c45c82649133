# Open Images (9,605 trainable classes) with partial labels, TResNet-M at 224 and CSL's selective loss. Published
# (CSL, CVPR 2022): M-224 86.72 mAP selective / 85.85 negative / 85.38 ignore; L-448 selective 87.34; ML-Decoder
# M-224 86.8; ASL L-448 86.3. Data: the CSL authors' copy (data/openimages/data.csv: image path, positive MIDs,
# negative MIDs, split; oidv6-class-descriptions.csv; images resized to short side 256).
# Recipe source: CSL's train.py (Adam 2e-4, OneCycle, EMA, batch 128 at 224, gamma_pos 0 / gamma_neg 1 /
# gamma_unann 4, likelihood_topk 5, prior threshold 0.05). What differs: the class prior is read from the training
# labels (prior='labels': share of images where the class is a verified positive) where CSL estimates it from the
# model's predictions during training; give a csv of 'class,prior' (prior='prior.csv') to use theirs. Evaluation:
# the partial-label mAP (unknowns never scored), scores kept in float16 (125k x 9,605 fits in memory).
_base_ = ['../_base_/models/tresnet_asl.py', '../_base_/datasets/cls_loaders.py',
          '../_base_/schedules/asl_adam-onecycle_40e.py', '../_base_/cls_runtime.py']
data_root = 'data/openimages/'
lr = 2e-4
max_epochs = 40
model = dict(arch='tresnet_m', num_classes=9605, init_cfg=dict(checkpoint='tresnet_m.miil_in21k'),
             loss=dict(type='AsymmetricLoss', gamma_neg=1, gamma_pos=0, gamma_unann=4, clip=0.05,
                       partial='selective', likelihood_topk=5, prior='labels', prior_threshold=0.05))
train_pipeline = [dict(type='LoadImagePIL'), dict(type='SquishResize', size=224),
                  dict(type='CutoutPIL', factor=0.5), dict(type='TimmRandAugment', config_str='rand-m9-mstd0.5'),
                  dict(type='PackClsInputs')]
test_pipeline = [dict(type='LoadImagePIL'), dict(type='SquishResize', size=224), dict(type='PackClsInputs')]
train_dataloader = dict(batch_size=128, dataset=dict(
    type='OpenImagesDataset', data_root=data_root, split='train', pipeline=train_pipeline))
val_dataloader = dict(batch_size=128, dataset=dict(
    type='OpenImagesDataset', data_root=data_root, split='test', pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='MultiLabelMetric', threshold=0.7, score_dtype='float16')
test_evaluator = val_evaluator
optim_wrapper = dict(optimizer=dict(lr=lr))
param_scheduler = [dict(type='OneCycleLR', eta_max=lr, pct_start=0.2, by_epoch=True, convert_to_iter_based=True,
                        begin=0, end=max_epochs)]
auto_scale_lr = dict(base_batch_size=128)
