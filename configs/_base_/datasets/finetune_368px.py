# What the 368-pixel fine-tuning datasets share (Stanford Cars, Flowers-102): squish resize to 368, CutoutPIL(0.5) on
# every image + the randaugment package's RandAugment (MiilRandAugment), as train_single_label.py; no normalisation;
# top-1 / top-5, picked on the test split (these datasets have no validation split; the paper reports test). The
# dataset files add type, root and split.
_base_ = ['./cls_loaders.py']
img_size = 368
train_pipeline = [dict(type='LoadImagePIL'), dict(type='SquishResize', size=img_size),
                  dict(type='CutoutPIL', factor=0.5),
                  dict(type='MiilRandAugment'), dict(type='PackClsInputs')]
test_pipeline = [dict(type='LoadImagePIL'), dict(type='SquishResize', size=img_size), dict(type='PackClsInputs')]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='ClassificationMetric', topk=(1, 5))
test_evaluator = val_evaluator
