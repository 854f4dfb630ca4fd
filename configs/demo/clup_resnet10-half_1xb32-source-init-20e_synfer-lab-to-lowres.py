# The fast demo's source-initialised CluP student (20 epochs, slim network) on SynFER
# lab -> lowres (the benchmark matrix, configs/benchmarks/synfer.py): lowres train with the
# K = 65, r = 0.2 pseudo-labels, evaluated on lowres test.
_base_ = ['./clup_resnet10-half_1xb32-source-init-20e_synfer-lab-to-wild.py']
pipeline = [
    _base_.pipeline[0],
    dict(_base_.pipeline[1], config='configs/demo/'
         'pseudo-labels_resnet10-half_k65-r0.2_synfer-lab-to-lowres.py'),
]
_lowres = dict(_delete_=True, type='Fer2013CsvReader',
               data_root='{{$SYNFER_ROOT:data/synfer}}/lowres')
train_dataloader = dict(dataset=dict(dataset=dict(reader=dict(_lowres, split='train'))))
val_dataloader = dict(dataset=dict(reader=dict(_lowres, split='test')))
test_dataloader = val_dataloader
val_evaluator = dict(prefix='lowres_test')
test_evaluator = val_evaluator
custom_hooks = [dict(type='OracleTracker', target_prefixes=['lowres_test']),
                dict(type='LabelFreeSelectionHook', target_prefixes=['lowres_test'])]
