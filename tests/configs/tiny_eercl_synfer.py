# The SynFER EERCL config shrunk for tests: timm's 'test_resnet', 32 px, 12 iterations with
# a refresh every R = 5, evaluation and checkpoints every 6, 8 images per view, a 16-row
# queue (so it wraps). Reads data/synfer relative to the working directory (the tests chdir
# into a temp dir holding a tiny SynFER: 49 wild train images).
_base_ = ['../../configs/eercl/eercl_resnet18-bottleneck_1xb16-200it_synfer-lab-to-wild.py']
_size = 32
_test_pipeline = [dict(type='TVResize', size=(_size, _size), antialias=True)]
_weak_pipeline = [
    dict(type='TVResize', size=(36, 36), antialias=True),
    dict(type='TVRandomHorizontalFlip', p=0.5),
    dict(type='TVRandomCrop', size=_size),
]
_strong_pipeline = [
    dict(type='TVRandomResizedCrop', size=_size, scale=(0.08, 1.0), antialias=True),
    dict(type='TVRandomHorizontalFlip', p=0.5),
    dict(type='TVRandRangeAug', num_ops=2),
    dict(type='TVCutout', size=4, fill=128, p=0.5),
]
train_dataloader = dict(batch_size=8, num_workers=1, dataset=dict(
    views=[_strong_pipeline, _strong_pipeline, _weak_pipeline]))
val_dataloader = dict(batch_size=8, dataset=dict(pipeline=_test_pipeline))
test_dataloader = val_dataloader
_extra = dict(lab_test=dict(batch_size=8, dataset=dict(pipeline=_test_pipeline)))
val_cfg = dict(extra_dataloaders=_extra)
test_cfg = dict(extra_dataloaders=_extra)
model = dict(
    classifier=dict(backbone=dict(name='test_resnet'), head=dict(bottleneck_dim=16)),
    aad=dict(num_neighbours=2),
    infonce=dict(queue_size=16))
train_cfg = dict(max_iters=12, val_interval=6)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=6, max_keep_ckpts=3))
custom_hooks = [
    dict(type='BankRefreshHook', interval=5, test_pipeline=_test_pipeline, batch_size=16),
    dict(type='MethodStateHook'),
    dict(type='OracleTracker', target_prefixes=['wild_test']),
    dict(type='LabelFreeSelectionHook', target_prefixes=['wild_test']),
]
randomness = dict(seed=0, deterministic=True)
