# The generated shapes data (python tools/make_demo_data.py: data/shapes_coco, and data/shapes_coco_masks with COCO
# polygons) and a short from-scratch schedule, shared by every detector family's demo config
# (configs/<family>/*_tresnet-m-tiny_*_shapes.py): the learning checks in tests/detection and the figures in the
# folder READMEs. Everything sits under one name, `shapes_demo`, so this file can be listed in `_base_` beside a
# detector's own config (mmengine refuses a key that two bases both define); a demo config picks what it needs,
# e.g. `train_dataloader = _base_.shapes_demo.train_dataloader`.
__classes = ('circle', 'square', 'triangle')
__scale = (160, 160)
__roots = {False: 'data/shapes_coco/', True: 'data/shapes_coco_masks/'}


def __pipelines(with_mask):
    load = dict(type='LoadAnnotations', with_bbox=True, with_mask=with_mask)
    train = [dict(type='LoadImageFromFile'), load,
             # multi-scale training and flips, each draw seeded per sample (exact mid-epoch resume)
             dict(type='RandomChoiceResize', scales=[(144, 144), __scale, (176, 176)], keep_ratio=True),
             dict(type='RandomFlip', prob=0.5), dict(type='PackDetInputs')]
    test = [dict(type='LoadImageFromFile'), dict(type='Resize', scale=__scale, keep_ratio=True), load,
            dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))]
    return train, test


def __data(with_mask):
    root = __roots[with_mask]
    train, test = __pipelines(with_mask)
    common = dict(batch_size=8, num_workers=0, persistent_workers=False)
    dataset = dict(data_root=root, metainfo=dict(classes=__classes))
    return dict(
        data_root=root,
        train_dataloader=dict(common, dataset=dict(dataset, pipeline=train,
                                                   filter_cfg=dict(filter_empty_gt=True, min_size=4))),
        val_dataloader=dict(common, dataset=dict(dataset, pipeline=test)),
        evaluator=dict(ann_file=root + 'annotations/instances_val2017.json',
                       metric=['bbox', 'segm'] if with_mask else 'bbox'))


def __schedule(max_epochs, val_interval=4):
    return dict(
        train_cfg=dict(max_epochs=max_epochs, val_interval=min(val_interval, max_epochs)),
        param_scheduler=[
            dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
            dict(type='CosineAnnealingLR', begin=0, end=max_epochs, by_epoch=True, eta_min=1e-5)
        ],
        default_hooks=dict(logger=dict(interval=10), checkpoint=dict(interval=min(4, max_epochs))))


shapes_demo = dict(
    classes=__classes,
    **__data(False),
    masks=__data(True),  # Mask R-CNN: the same shapes, drawn from the polygons each annotation carries
    # TResNet-M reduced for a 2-core CPU (C2..C5 channels [32, 64, 512, 1024]), from scratch: nothing to download
    backbone=dict(layers=(1, 1, 2, 1), width=0.5, frozen_stages=-1, norm_eval=False, norm='bn', init_cfg=None),
    channels=[32, 64, 512, 1024],
    # From scratch on tiny data: AdamW converges in minutes where the paper's SGD recipe needs ImageNet weights.
    optim_wrapper=dict(
        _delete_=True, type='OptimWrapper', optimizer=dict(type='AdamW', lr=2e-3, weight_decay=0.05),
        paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0), clip_grad=dict(max_norm=35, norm_type=2)),
    **__schedule(12),  # the FCOS demo (the embedded default)
    short=__schedule(6, val_interval=6),  # the one-stage families' learning checks: validated at the end
    # the two-stage families (Faster / Mask / Cascade R-CNN) reach box AP50 ~0.9 in 4 epochs (0.99 in 6)
    two_stage=__schedule(4),
    log_processor=dict(window_size=10),
    randomness=dict(seed=0))
