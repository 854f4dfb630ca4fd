# The target-trained upper bound of the demo: the same recipe trained on `wild`
# train with its labels (selection on wild val). Not an adaptation method.
_base_ = ['../source_only/source-only_resnet18_1xb64-scratch-30e_synfer-lab-to-wild-lowres.py']
_wild = dict(_delete_=True, type='ExpwReader', data_root='data/synfer/wild',
             split_file='data/synfer/wild/splits/expw_seed0.csv')
train_dataloader = dict(dataset=dict(reader=dict(_wild, split='train')))
val_dataloader = dict(dataset=dict(reader=dict(_wild, split='val')))
val_evaluator = dict(prefix='wild_val')
test_dataloader = val_dataloader
test_evaluator = val_evaluator
