# FER2013, the Kaggle csv with inline 48x48 grey pixels (datasets.md §3). Selection
# (label-free): val = PublicTest; test = PrivateTest.
_base_ = ['./recipeA_160px.py']
_data_root = 'data/fer2013'
_reader = dict(type='Fer2013CsvReader', data_root=_data_root)

train_dataloader = dict(dataset=dict(reader=dict(_reader, split='train')))
val_dataloader = dict(dataset=dict(reader=dict(_reader, split='val')))
test_dataloader = val_dataloader
val_evaluator = dict(prefix='fer2013_val')
test_evaluator = val_evaluator
_test = dict(_base_.val_dataloader,
             dataset=dict(_base_.val_dataloader.dataset, reader=dict(_reader, split='test')))
val_cfg = dict(extra_dataloaders=dict(fer2013_test=_test))
test_cfg = val_cfg
