# TResNet classifier for multi-label COCO: GAP head, the asymmetric loss with the published settings
# (AsymmetricLoss(gamma_neg=4, gamma_pos=0, clip=0.05, disable_torch_grad_focal_loss=True) in ASL's train.py; eps
# 1e-8, its class default). Starts from TResNet-L trained on ImageNet-1K at 224 (timm tag tresnet_l.miil_in1k;
# tools/fetch_weights.py fetches it): the author states the 224-px tresnet_l weights were used for the 448 runs
# (Alibaba-MIIL/ASL issues #29, #54; TResNet #30: "fine-tuning always starts from the original model"). Its
# 1000-class head is dropped (skip_head). Any supported file or hf-hub: name also works:
#   --cfg-options model.init_cfg.checkpoint=FILE    (model.init_cfg=None: from scratch)
model = dict(
    type='TResNetClassifier', arch='tresnet_l', num_classes=80, head=dict(type='gap'), multi_label=True,
    skip_head=True, norm='auto', init_cfg=dict(type='Pretrained', checkpoint='tresnet_l.miil_in1k'),
    loss=dict(type='AsymmetricLoss', gamma_neg=4, gamma_pos=0, clip=0.05, eps=1e-8, detach_focus=True))
