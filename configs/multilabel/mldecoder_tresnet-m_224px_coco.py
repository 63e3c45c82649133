# TResNet-M 224 with the ML-Decoder head instead of GAP (reference: 84.2 mAP with 21K pretraining).
_base_ = ['./asl_tresnet-m_224px_coco.py']
model = dict(head=dict(_delete_=True, type='mldecoder', embed_dim=768, num_groups=80, num_heads=8))
