# RAF-DB basic, aligned 100x100 crops (datasets.md §3). Selection (label-free): the seeded
# stratified 10 % carve-out of train (source-only.md §2.7), left out of train; the official
# test split is reported.
_base_ = ['./recipeA_160px.py']
_data_root = 'data/rafdb'
_reader = dict(type='RafDbReader', data_root=_data_root,
               val_split_file='data/splits/rafdb_val_seed0.txt')

train_dataloader = dict(dataset=dict(reader=dict(_reader, split='train')))
val_dataloader = dict(dataset=dict(reader=dict(_reader, split='val')))
test_dataloader = val_dataloader
val_evaluator = dict(prefix='rafdb_val')
test_evaluator = val_evaluator
_test = dict(_base_.val_dataloader,
             dataset=dict(_base_.val_dataloader.dataset, reader=dict(_reader, split='test')))
val_cfg = dict(extra_dataloaders=dict(rafdb_test=_test))
test_cfg = val_cfg
