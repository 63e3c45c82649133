# Oxford Flowers-102, TResNet-L at 368 (paper: 99.1), with the group's documented transfer recipe: as
# tresnet-l_368px_adam-cosine-50e_stanford-cars.py on Flowers-102 (trainval -> test). Sources: recipes.yml.
_base_ = ['./tresnet-l_368px_adam-cosine-50e_stanford-cars.py']
data_root = 'data/flowers102/'
model = dict(num_classes=102)
train_dataloader = dict(dataset=dict(type='Flowers102Dataset', data_root=data_root, split='trainval'))
val_dataloader = dict(dataset=dict(type='Flowers102Dataset', data_root=data_root, split='test'))
test_dataloader = val_dataloader
