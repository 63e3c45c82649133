# Stanford Cars (data/stanford_cars/: the devkit layout, devkit/cars_meta.mat, devkit/cars_train_annos.mat,
# cars_test_annos_withlabels.mat, cars_train/, cars_test/; or the old cars_annos.mat + car_ims/), at 368.
_base_ = ['./finetune_368px.py']
data_root = 'data/stanford_cars/'
train_dataloader = dict(dataset=dict(type='StanfordCarsDataset', data_root=data_root, split='train'))
val_dataloader = dict(dataset=dict(type='StanfordCarsDataset', data_root=data_root, split='test'))
test_dataloader = val_dataloader
