# Multi-label PASCAL VOC 2007 with ASL, TResNet-L at 448. Published: ASL paper 94.6 mAP from ImageNet weights
# (95.8 when pretrained on COCO; the ASL zoo's TResNet-XL-448: 96.0; ML-Decoder: 96.6).
# Recipe source: the ASL COCO recipe (ASL / ML-Decoder train.py), which the ASL paper applies to VOC too; the VOC
# hyper-parameters were not released. What differs from COCO here: 20 classes, the devkit reader, difficult objects
# as unknown ('ignore': out of the loss through partial='ignore', and out of each class's AP, as mmpretrain and
# ML-GCN evaluate), and a 30-epoch full OneCycle (with torch's beta1 cycling) for a set 16x smaller: a choice, no
# published VOC schedule exists (recipes.yml).
_base_ = ['../_base_/models/tresnet_asl.py', '../_base_/datasets/voc2007-multilabel_448px.py',
          '../_base_/schedules/mldecoder_adam-onecycle_40e.py', '../_base_/cls_runtime.py']
max_epochs = 30
model = dict(num_classes=20, loss=dict(partial='ignore'))
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='OneCycleLR', eta_max=1e-4, pct_start=0.2, by_epoch=True, convert_to_iter_based=True, begin=0,
         end=max_epochs),
    dict(type='OneCycleMomentum', base_momentum=0.85, max_momentum=0.95, pct_start=0.2, by_epoch=True,
         convert_to_iter_based=True, begin=0, end=max_epochs)]
