# TResNet classifier for multi-label COCO: GAP head, the asymmetric loss with the published settings. Starts from
# TResNet-L trained on ImageNet-1K at 448 (timm tag; tools/fetch_weights.py fetches it): timm has no ImageNet-21K
# weights for TResNet-L v1, and 448 matches the L recipe's resolution. Its 1000-class head is dropped (skip_head).
# Any supported file or hf-hub: name also works: --cfg-options model.init_cfg.checkpoint=FILE
# (model.init_cfg=None: from scratch).
model = dict(
    type='TResNetClassifier', arch='tresnet_l', num_classes=80, head=dict(type='gap'), multi_label=True,
    skip_head=True, norm='auto', init_cfg=dict(type='Pretrained', checkpoint='tresnet_l.miil_in1k_448'),
    loss=dict(type='AsymmetricLoss', gamma_neg=4, gamma_pos=0, clip=0.05, eps=1e-8, detach_focus=True))
