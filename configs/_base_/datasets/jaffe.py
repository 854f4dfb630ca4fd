# JAFFE, the 256x256 grey TIFFs (datasets.md §3). Split: 10 subject folds (one subject each),
# fold 0 held out. JAFFE is a target only in the literature and has no val split: val = the
# held-out fold 0, i.e. the test split. Selecting the checkpoint on it therefore uses test
# labels (an oracle choice, source-only.md §2.7). The same split is also reported as
# `jaffe_test`, like every dataset.
_base_ = ['./recipeA_160px.py']
_data_root = 'data/jaffe'
_reader = dict(type='JaffeReader', data_root=_data_root,
               fold_file='data/splits/jaffe_folds10_seed0.csv', fold=0)

train_dataloader = dict(dataset=dict(reader=dict(_reader, split='train')))
val_dataloader = dict(dataset=dict(reader=dict(_reader, split='test')))
test_dataloader = val_dataloader
val_evaluator = dict(prefix='jaffe_val')
test_evaluator = val_evaluator
_test = dict(_base_.val_dataloader,
             dataset=dict(_base_.val_dataloader.dataset, reader=dict(_reader, split='test')))
val_cfg = dict(extra_dataloaders=dict(jaffe_test=_test))
test_cfg = val_cfg
