# The fast demo's EERCL row (`ferda demo --fast`; the 64 px run is `ferda demo`): the same
# 200 iterations and bank refreshes every 50 at 40 px, from the fast demo's 40 px source model;
# wild and lab test are evaluated once, at the last iteration (the primary number).
_base_ = ['../eercl/eercl_resnet18-linear-wn_1xb16-200it_synfer-lab-to-wild.py']
pipeline = [dict(name='source', checkpoint='best', into='model.source_checkpoint',
                 config='configs/demo/'
                        'source-only_resnet18_1xb32-adam-20e-40px_synfer-lab-to-wild-lowres.py')]
_size = 40
_resize = 46  # recipe B's 256 -> 224 ratio
_test_pipeline = [dict(type='TVResize', size=(_size, _size), antialias=True)]
_weak_pipeline = [
    dict(type='TVResize', size=(_resize, _resize), antialias=True),
    dict(type='TVRandomHorizontalFlip', p=0.5),
    dict(type='TVRandomCrop', size=_size),
]
_strong_pipeline = [
    dict(type='TVRandomResizedCrop', size=_size, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3),
         antialias=True),
    dict(type='TVRandomHorizontalFlip', p=0.5),
    dict(type='TVRandRangeAug', num_ops=2, magnitude_semantics='torchvision'),
    dict(type='TVCutout', size=round(16 * _size / 224), fill=128, p=0.5),
]
train_dataloader = dict(dataset=dict(views=[_strong_pipeline, _strong_pipeline, _weak_pipeline]))
_test = dict(dataset=dict(pipeline=_test_pipeline))
val_dataloader = _test
test_dataloader = _test
val_cfg = dict(extra_dataloaders=dict(lab_test=_test))
test_cfg = dict(extra_dataloaders=dict(lab_test=_test))
train_cfg = dict(val_interval=200)
default_hooks = dict(checkpoint=dict(interval=200))
custom_hooks = [
    dict(type='BankRefreshHook', interval=50, test_pipeline=_test_pipeline, batch_size=128),
    dict(type='MethodStateHook'),
    dict(type='OracleTracker', target_prefixes=['wild_test']),
    dict(type='LabelFreeSelectionHook', target_prefixes=['wild_test']),
]
