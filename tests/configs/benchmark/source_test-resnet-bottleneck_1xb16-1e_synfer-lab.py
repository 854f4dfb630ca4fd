# EERCL's SynFER source model shrunk for the benchmark test (tests/ferda/tools/test_benchmark.py):
# timm's 'test_resnet' with a 16-d bottleneck, 32 px, 1 epoch. Named by the OpenMMLab rule so
# `ferda results` reads its identity from the name. Reads data/synfer relative to the cwd.
_base_ = ['../../../configs/eercl/source_resnet18-bottleneck_1xb64-scratch-30e_synfer-lab.py']
model = dict(backbone=dict(name='test_resnet'), head=dict(bottleneck_dim=16))
train_cfg = dict(max_epochs=1)
param_scheduler = []
train_dataloader = dict(batch_size=16, num_workers=1, dataset=dict(pipeline=[
    dict(type='TVRandomHorizontalFlip', p=0.5),
    dict(type='TVResize', size=(32, 32), antialias=True),
]))
_test_pipeline = [dict(type='TVResize', size=(32, 32), antialias=True)]
val_dataloader = dict(batch_size=16, dataset=dict(pipeline=_test_pipeline))
test_dataloader = val_dataloader
_eval = {name: dict(batch_size=16, dataset=dict(pipeline=_test_pipeline))
         for name in ('lab_test', 'wild_test', 'lowres_test')}
val_cfg = dict(extra_dataloaders=_eval)
test_cfg = dict(extra_dataloaders=_eval)
randomness = dict(seed=0, deterministic=True)
