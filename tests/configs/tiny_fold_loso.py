# Leave-one-subject-out over 5 synthetic subjects (tests/basicda/engine/loop_toys.py):
# a BN-free MLP, 3 epochs per fold, every fold's predictions in folds/<f>.csv.
default_scope = 'ferda'
runner_type = 'DARunner'  # logs/train.log
custom_imports = dict(imports=['tests.basicda.engine.loop_toys'], allow_failed_imports=False)
model = dict(type='ToyMLP')
train_dataloader = dict(batch_size=8, num_workers=0, collate_fn=dict(type='default_collate'),
                        sampler=dict(type='DefaultSampler', shuffle=True),
                        dataset=dict(type='ToySubjectDataset', noise=0.1))
train_cfg = dict(type='FoldLoop', max_epochs=3, scheme='loso', eval_dataloader=dict(
    batch_size=16, num_workers=0, collate_fn=dict(type='default_collate'),
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='ToySubjectDataset')))
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=3, by_epoch=True)]
# the fold loop checkpoints each fold itself (folds/<f>/), so no CheckpointHook
default_hooks = dict(checkpoint=None, logger=dict(type='LoggerHook', interval=1))
log_processor = dict(by_epoch=True)
randomness = dict(seed=0, deterministic=True)
