# The demo config shrunk for tests: timm's 'test_resnet', 32 px, 2 epochs. Reads
# data/synfer relative to the working directory (the tests chdir into a temp dir
# holding a tiny SynFER).
_base_ = ['../../configs/source_only/'
          'source-only_resnet18_1xb64-scratch-30e_synfer-lab-to-wild-lowres.py']
model = dict(backbone=dict(name='test_resnet'))
train_cfg = dict(max_epochs=2)
train_dataloader = dict(batch_size=16, num_workers=1, dataset=dict(pipeline=[
    dict(type='TVRandomHorizontalFlip', p=0.5),
    dict(type='TVRandomAffine', degrees=35, translate=(0.15, 0.15)),
    dict(type='TVColorJitter', brightness=(0.5, 1.5), contrast=(0.5, 1.5)),
    dict(type='TVResize', size=(32, 32), antialias=True),
]))
_test_pipeline = [dict(type='TVResize', size=(32, 32), antialias=True)]
val_dataloader = dict(batch_size=8, dataset=dict(pipeline=_test_pipeline))
test_dataloader = val_dataloader
_eval = {name: dict(batch_size=8, dataset=dict(pipeline=_test_pipeline))
         for name in ('lab_test', 'wild_test', 'lowres_test')}
val_cfg = dict(extra_dataloaders=_eval)
test_cfg = dict(extra_dataloaders=_eval)
default_hooks = dict(logger=dict(interval=1))
randomness = dict(seed=0, deterministic=True)
