# The tiny CluP student (32 px, 4 epochs) with the pseudo-label refresh after every
# epoch (rounds 1-3); every checkpoint is kept so a test can resume from any epoch.
_base_ = ['./tiny_clup_student.py']
_refresh_dataloader = dict(
    batch_size=16,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='FaceDataset', reader={{_base_.train_dataloader.dataset.dataset.reader}},
                 pipeline=[dict(type='TVResize', size=(32, 32), antialias=True)], crop='box',
                 num_classes=7, cache_images=True))
train_dataloader = dict(drop_last=True)  # refreshed sizes vary: no last batch of one
train_cfg = dict(type='RoundBasedTrainLoop', round_interval=1,
                 selection=dict(type='clup_refresh_selection'))
custom_hooks = [
    dict(type='OracleTracker', target_prefixes=['wild_test']),
    dict(type='PseudoLabelRefreshHook', refresh_dataloader=_refresh_dataloader),
]
default_hooks = dict(checkpoint=dict(max_keep_ckpts=-1))
