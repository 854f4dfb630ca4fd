# KDEF, straight-angle photographs (datasets.md §3). Split: seeded 80/20 by actor (both
# sessions of an actor on one side). KDEF is a target only in the literature and has no val
# split: val = the held-out actors, i.e. the test split. Selecting the checkpoint on it
# therefore uses test labels (an oracle choice, source-only.md §2.7). The same split is also
# reported as `kdef_test`, like every dataset.
_base_ = ['./recipeA_160px.py']
_data_root = 'data/kdef'
_reader = dict(type='KdefReader', data_root=_data_root,
               split_file='data/splits/kdef_actor_seed0.csv')

train_dataloader = dict(dataset=dict(reader=dict(_reader, split='train')))
val_dataloader = dict(dataset=dict(reader=dict(_reader, split='test')))
test_dataloader = val_dataloader
val_evaluator = dict(prefix='kdef_val')
test_evaluator = val_evaluator
_test = dict(_base_.val_dataloader,
             dataset=dict(_base_.val_dataloader.dataset, reader=dict(_reader, split='test')))
val_cfg = dict(extra_dataloaders=dict(kdef_test=_test))
test_cfg = val_cfg
