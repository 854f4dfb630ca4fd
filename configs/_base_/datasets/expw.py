# ExpW, faces cropped from the scene images by label.lst boxes (datasets.md §3). ExpW has no
# official split: ours groups faces by image (80/10/10, seed 0). Selection (label-free): its
# val part; its test part is reported.
_base_ = ['./recipeA_160px.py']
_data_root = 'data/expw'
_reader = dict(type='ExpwReader', data_root=_data_root,
               split_file='data/splits/expw_seed0.csv')

train_dataloader = dict(dataset=dict(reader=dict(_reader, split='train')))
val_dataloader = dict(dataset=dict(reader=dict(_reader, split='val')))
test_dataloader = val_dataloader
val_evaluator = dict(prefix='expw_val')
test_evaluator = val_evaluator
_test = dict(_base_.val_dataloader,
             dataset=dict(_base_.val_dataloader.dataset, reader=dict(_reader, split='test')))
val_cfg = dict(extra_dataloaders=dict(expw_test=_test))
test_cfg = val_cfg
