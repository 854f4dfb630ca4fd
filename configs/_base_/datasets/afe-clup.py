# AFE (Asian Facial Expression), CluP release: annos/TrainTest/{Train,Test}.csv with boxes
# (datasets.md §3). Selection (label-free): the seeded stratified 10 % carve-out of Train.csv
# (source-only.md §2.7), left out of train; Test.csv is reported.
_base_ = ['./recipeA_160px.py']
_data_root = 'data/afe'
_reader = dict(type='AfeReader', data_root=_data_root, release='clup',
               val_split_file='data/splits/afe_val_seed0.txt')

train_dataloader = dict(dataset=dict(reader=dict(_reader, split='train')))
val_dataloader = dict(dataset=dict(reader=dict(_reader, split='val')))
test_dataloader = val_dataloader
val_evaluator = dict(prefix='afe_val')
test_evaluator = val_evaluator
_test = dict(_base_.val_dataloader,
             dataset=dict(_base_.val_dataloader.dataset, reader=dict(_reader, split='test')))
val_cfg = dict(extra_dataloaders=dict(afe_test=_test))
test_cfg = val_cfg
