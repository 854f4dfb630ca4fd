# CK+, official layout: the last 3 frames of each labelled sequence plus its first frame as
# Neutral, Contempt skipped (7 classes; datasets.md §3). Split: 10 subject-independent folds,
# fold 0 held out. CK+ is a target only in the literature and has no val split: val = the held-
# out fold 0, i.e. the test split. Selecting the checkpoint on it therefore uses test labels
# (an oracle choice, source-only.md §2.7). The same split is also reported as `ckplus_test`,
# like every dataset.
_base_ = ['./recipeA_160px.py']
_data_root = 'data/ckplus'
_reader = dict(type='CkPlusReader', data_root=_data_root,
               fold_file='data/splits/ckplus_folds10_seed0.csv', fold=0)

train_dataloader = dict(dataset=dict(reader=dict(_reader, split='train')))
val_dataloader = dict(dataset=dict(reader=dict(_reader, split='test')))
test_dataloader = val_dataloader
val_evaluator = dict(prefix='ckplus_val')
test_evaluator = val_evaluator
_test = dict(_base_.val_dataloader,
             dataset=dict(_base_.val_dataloader.dataset, reader=dict(_reader, split='test')))
val_cfg = dict(extra_dataloaders=dict(ckplus_test=_test))
test_cfg = val_cfg
