# Rounds on a toy pool (tests/basicda/engine/loop_toys.py): a BN-free MLP trains on
# the labelled part of 60 samples (6 at first); after epochs 1, 2 and 3 a
# least-confidence selection adds 6 samples. Every checkpoint is kept.
default_scope = 'ferda'
runner_type = 'DARunner'  # logs/train.log
custom_imports = dict(imports=['tests.basicda.engine.loop_toys'], allow_failed_imports=False)
model = dict(type='ToyMLP')
train_dataloader = dict(batch_size=4, num_workers=0, collate_fn=dict(type='default_collate'),
                        sampler=dict(type='DefaultSampler', shuffle=True),
                        dataset=dict(type='ToyPoolDataset', noise=0.1))
train_cfg = dict(type='RoundBasedTrainLoop', max_epochs=4, round_interval=1,
                 selection=dict(type='toy_least_confidence', budget=6))
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=4, by_epoch=True)]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=-1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    rng_state=dict(type='RngStateHook'))
custom_hooks = [dict(type='ToyPoolScoresHook')]
log_processor = dict(by_epoch=True)
randomness = dict(seed=0, deterministic=True)
