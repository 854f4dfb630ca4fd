# AffectNet, manually annotated images, 7 classes (datasets.md §3): Contempt and the
# non-emotion codes 8-10 are skipped and counted. Faces cropped by the csv boxes.
# Selection (label-free): the seeded stratified 5 % carve-out of training.csv, left out of
# train; test = the official validation set (validation.csv).
_base_ = ['./recipeA_160px.py']
_data_root = 'data/affectnet'
_reader = dict(type='AffectNetReader', data_root=_data_root, num_classes=_base_._num_classes,
               val_split_file='data/splits/affectnet_val_seed0.txt')

train_dataloader = dict(dataset=dict(reader=dict(_reader, split='train')))
val_dataloader = dict(dataset=dict(reader=dict(_reader, split='val')))
test_dataloader = val_dataloader
val_evaluator = dict(prefix='affectnet_val')
test_evaluator = val_evaluator
_test = dict(_base_.val_dataloader,
             dataset=dict(_base_.val_dataloader.dataset, reader=dict(_reader, split='test')))
val_cfg = dict(extra_dataloaders=dict(affectnet_test=_test))
test_cfg = val_cfg
