# Loader settings shared by the classification datasets (images stay PIL until PackClsInputs; default_collate
# stacks the uint8 tensors and the model's preprocessor scales them to [0, 1]).
train_dataloader = dict(batch_size=64, num_workers=8, persistent_workers=True, pin_memory=True,
                        sampler=dict(type='DefaultSampler', shuffle=True), collate_fn=dict(type='default_collate'))
val_dataloader = dict(batch_size=64, num_workers=8, persistent_workers=True, pin_memory=True, drop_last=False,
                      sampler=dict(type='DefaultSampler', shuffle=False), collate_fn=dict(type='default_collate'))
test_dataloader = val_dataloader
