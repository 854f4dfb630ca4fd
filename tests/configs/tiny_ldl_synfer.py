# The LDL SynFER config shrunk for tests: timm's 'test_resnet', 32 px, K = 2, 2 epochs,
# evaluated on every split. Reads data/synfer relative to the working directory.
_base_ = ['../../configs/ldl/ldl_resnet18_1xb32-30e_synfer-lab.py']
_pipeline = [
    dict(type='TVResize', size=(32, 32), antialias=False),
    dict(type='TVRandomHorizontalFlip', p=0.5),
    dict(type='TVRandomCrop', size=32, padding=2, fill=0),
]
model = dict(classifier=dict(backbone=dict(name='test_resnet')), scoring=dict(hidden=(16, 8)))
train_cfg = dict(max_epochs=2)
param_scheduler = [dict(type='MultiStepLR', milestones=[1], gamma=0.1, by_epoch=True)]
train_dataloader = dict(batch_size=16, num_workers=0, dataset=dict(
    anchor_pipeline=_pipeline + [dict(type='LDLRandomErasing')], neighbour_pipeline=_pipeline,
    num_neighbours=2))
_test_pipeline = [dict(type='TVResize', size=(32, 32), antialias=True)]
val_dataloader = dict(batch_size=16, dataset=dict(pipeline=_test_pipeline))
test_dataloader = val_dataloader
_eval = {name: dict(batch_size=16, dataset=dict(pipeline=_test_pipeline))
         for name in ('lab_test', 'wild_test', 'lowres_test')}
val_cfg = dict(extra_dataloaders=_eval)
test_cfg = dict(extra_dataloaders=_eval)
default_hooks = dict(logger=dict(interval=1))
randomness = dict(seed=0, deterministic=True)
