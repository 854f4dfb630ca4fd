# The target-trained upper bound (`ferda demo --upper-bound`): the source-only recipe
# trained on `wild` train with its labels, selection on wild val. Not an adaptation
# method. Wild takes off later than lab from random init (epoch ~18 vs ~8, measured),
# hence 60 epochs.
_base_ = ['../source_only/source-only_resnet18_1xb64-scratch-30e_synfer-lab-to-wild-lowres.py']
_epochs = 60
_warmup = 3
train_cfg = dict(max_epochs=_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.04, by_epoch=True, begin=0, end=_warmup,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=_epochs - _warmup, eta_min=0.0, by_epoch=True,
         begin=_warmup, end=_epochs, convert_to_iter_based=True),
]
_wild = dict(_delete_=True, type='ExpwReader', data_root='{{$SYNFER_ROOT:data/synfer}}/wild',
             split_file='{{$SYNFER_ROOT:data/synfer}}/wild/splits/expw.csv')
train_dataloader = dict(dataset=dict(reader=dict(_wild, split='train')))
val_dataloader = dict(dataset=dict(reader=dict(_wild, split='val')))
val_evaluator = dict(prefix='wild_val')
test_dataloader = val_dataloader
test_evaluator = val_evaluator
