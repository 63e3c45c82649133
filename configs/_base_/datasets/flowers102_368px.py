# Oxford Flowers-102 (data/flowers102/: jpg/, imagelabels.mat, setid.mat), train on trainval, test on test, at 368.
_base_ = ['./finetune_368px.py']
data_root = 'data/flowers102/'
train_dataloader = dict(dataset=dict(type='Flowers102Dataset', data_root=data_root, split='trainval'))
val_dataloader = dict(dataset=dict(type='Flowers102Dataset', data_root=data_root, split='test'))
test_dataloader = val_dataloader
