# Open Images (9,605 trainable classes) with partial labels, TResNet-M at 224 and CSL's selective loss. Published
# (CSL, CVPR 2022): M-224 86.72 mAP selective / 85.85 negative / 85.38 ignore; L-448 selective 87.34; ML-Decoder
# M-224 86.8; ASL L-448 86.3. Data: the CSL authors' copy (data/openimages/data.csv: image path, positive MIDs,
# negative MIDs, split; oidv6-class-descriptions.csv; images resized to short side 256).
# Recipe source: CSL's train.py (Alibaba-MIIL/PartialLabelingCSL) defaults, as no Open Images command is published:
# Adam 2e-4, a 30-epoch full OneCycle (pct_start 0.2, with torch's beta1 cycling), EMA 0.9997, batch 64,
# gamma_pos 0 / gamma_neg 1 / gamma_unann 2, clip 0, likelihood_topk 5, prior threshold 0.05, CutoutPIL(0.5) + the
# randaugment package's RandAugment. What differs: 224 px (the M-224 numbers; train.py's default is 448), and the
# class prior read from the training labels (prior='labels': share of images where the class is a verified
# positive) where CSL estimates it with a model; give a csv of 'class,prior' (prior='prior.csv') to use theirs.
# Evaluation: the partial-label mAP (unknowns never scored), scores kept in float16 (125k x 9,605 fits in memory).
_base_ = ['../_base_/models/tresnet_asl.py', '../_base_/datasets/cls_loaders.py',
          '../_base_/schedules/mldecoder_adam-onecycle_40e.py', '../_base_/cls_runtime.py']
data_root = 'data/openimages/'
lr = 2e-4
max_epochs = 30
batch_size = 64
model = dict(arch='tresnet_m', num_classes=9605, init_cfg=dict(checkpoint='tresnet_m.miil_in21k'),
             loss=dict(type='AsymmetricLoss', gamma_neg=1, gamma_pos=0, gamma_unann=2, clip=0,
                       partial='selective', likelihood_topk=5, prior='labels', prior_threshold=0.05))
train_pipeline = [dict(type='LoadImagePIL'), dict(type='SquishResize', size=224),
                  dict(type='CutoutPIL', factor=0.5), dict(type='MiilRandAugment'),
                  dict(type='PackClsInputs')]
test_pipeline = [dict(type='LoadImagePIL'), dict(type='SquishResize', size=224), dict(type='PackClsInputs')]
train_dataloader = dict(batch_size=batch_size, dataset=dict(
    type='OpenImagesDataset', data_root=data_root, split='train', pipeline=train_pipeline))
val_dataloader = dict(batch_size=batch_size, dataset=dict(
    type='OpenImagesDataset', data_root=data_root, split='test', pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='MultiLabelMetric', threshold=0.7, score_dtype='float16')
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=max_epochs)
optim_wrapper = dict(optimizer=dict(lr=lr))
param_scheduler = [
    dict(type='OneCycleLR', eta_max=lr, pct_start=0.2, by_epoch=True, convert_to_iter_based=True, begin=0,
         end=max_epochs),
    dict(type='OneCycleMomentum', base_momentum=0.85, max_momentum=0.95, pct_start=0.2, by_epoch=True,
         convert_to_iter_based=True, begin=0, end=max_epochs)]
auto_scale_lr = dict(base_batch_size=batch_size)
