# Partial-label training on MS-COCO 2014, simulated with CSL's random-per-sample protocol (RPS, train.py
# --simulate_partial_type=rps --simulate_partial_param=0.5): each (image, class) label of the training split kept with
# probability 0.5 (seed 0), the rest unknown; the evaluation split stays fully labelled (the usual mAP).
# The loss is CSL's README command for that protocol (Alibaba-MIIL/PartialLabelingCSL): selective mode,
# gamma_pos 0, gamma_neg 1, gamma_unann 4, clip 0 (train.py's default), likelihood_topk 5, prior threshold 0.5 on a
# prior the authors estimate with a model. Ours reads the prior from the training labels (prior='labels': the share
# of images where the class is a kept positive). Under RPS a class of frequency f has label prior keep * f, while a
# model's mean score estimates f itself, so CSL's threshold 0.5 becomes keep * 0.5 = 0.25 here (give a csv of
# 'class,prior' in prior=... to use a model-estimated prior with prior_threshold=0.5).
# Network and schedule stay the ASL TResNet-L 448 recipe of the parent config (CSL's command trains TResNet-M 21K at
# 448, lr 2e-4, 30 epochs, batch 64, and reports 85.21 mAP for this protocol): no published number for this exact
# config (metafile.yml). Vary train_dataloader.dataset.partial_labels (keep=..., or dict(mode='fpc', images=1000):
# CSL's fixed-per-class protocol) and model.loss.partial ('ignore', 'negative', ...) to study the modes.
_base_ = ['./asl_tresnet-l_448px_coco.py']
model = dict(loss=dict(partial='selective', gamma_neg=1, gamma_pos=0, clip=0, gamma_unann=4, likelihood_topk=5,
                       prior='labels', prior_threshold=0.25))
train_dataloader = dict(dataset=dict(partial_labels=dict(mode='per_image', keep=0.5, seed=0)))
