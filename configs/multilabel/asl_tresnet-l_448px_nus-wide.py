# Multi-label NUS-WIDE (81 concepts) with ASL, TResNet-L trained at 448 and evaluated at 240 px, as published
# (ASL paper: 65.2 mAP; Query2Label with TResNet-L: 66.3). Data: ASL's csv (data/nus_wide/nus_wide_data.csv:
# image path, labels as a Python-list string, train/val; images under data/nus_wide/images/), the file the 65.2 is
# measured on; the official release (ImageList/, Groundtruth/, ConceptsList/) reads with layout='official'.
# Recipe source: the ASL COCO recipe (ASL train.py: 41 epochs of an 80-epoch OneCycle, the randaugment package's
# RandAugment); what differs: 81 classes in alphabetical order, and the published
# evaluation at 240 px, no normalisation, as its own test pipeline (training stays at 448).
_base_ = ['../_base_/models/tresnet_asl.py', '../_base_/datasets/cls_loaders.py',
          '../_base_/schedules/asl_adam-onecycle-80e_stop41.py', '../_base_/cls_runtime.py']
data_root = 'data/nus_wide/'
model = dict(num_classes=81)
train_pipeline = [dict(type='LoadImagePIL'), dict(type='SquishResize', size=448),
                  dict(type='CutoutPIL', factor=0.5), dict(type='MiilRandAugment'),
                  dict(type='PackClsInputs')]
test_pipeline = [dict(type='LoadImagePIL'), dict(type='SquishResize', size=240), dict(type='PackClsInputs')]
train_dataloader = dict(batch_size=56, dataset=dict(
    type='NUSWideDataset', data_root=data_root, layout='asl_csv', split='train', pipeline=train_pipeline))
val_dataloader = dict(batch_size=56, dataset=dict(
    type='NUSWideDataset', data_root=data_root, layout='asl_csv', split='val', pipeline=test_pipeline,
    test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='MultiLabelMetric', threshold=0.7, empty_class='exclude')
test_evaluator = val_evaluator
