# EERCL on SynFER lab -> lowres (FER2013 format: 48 px greyscale, low contrast, noise),
# the same CPU sizes as eercl_resnet18-bottleneck_1xb16-200it_synfer-lab-to-wild.py: only
# the target data differ (adapt on its Training rows, report PrivateTest).
_base_ = ['./eercl_resnet18-bottleneck_1xb16-200it_synfer-lab-to-wild.py']
_lowres_train = dict(type='FaceDataset', reader=dict(_base_._lowres_reader, split='train'),
                     pipeline=[], crop='box', num_classes=_base_._num_classes, cache_images=True)
train_dataloader = dict(dataset=dict(dataset=dict(_delete_=True, **_lowres_train)))
val_dataloader = dict(dataset=dict(reader=dict(_delete_=True, **_base_._lowres_reader,
                                               split='test')))
val_evaluator = dict(prefix='lowres_test')
test_dataloader = val_dataloader
test_evaluator = val_evaluator
custom_hooks = [
    dict(type='BankRefreshHook', interval=50, test_pipeline=_base_._test_pipeline, batch_size=128),
    dict(type='MethodStateHook'),
    dict(type='OracleTracker', target_prefixes=['lowres_test']),
    dict(type='LabelFreeSelectionHook', target_prefixes=['lowres_test']),
]
