# CluP end to end, shrunk for tests: tiny source -> tiny SwAV -> pseudo-labels -> a
# 3-epoch student on 32 px images.
_base_ = ['../../configs/clup/clup_resnet18_1xb32-swav-30e_synfer-lab-to-wild.py']
pipeline = [
    dict(name='source', into=None, checkpoint='best',
         config='tests/configs/tiny_source-only_synfer.py'),
    dict(name='swav', checkpoint='last', into='model.backbone.checkpoint',
         config='tests/configs/tiny_clup_swav.py'),
    dict(name='pseudo_labels', checkpoint='pseudo_labels.pt',
         into='train_dataloader.dataset.labels_file', needs={'load_from': 'source'},
         config='tests/configs/tiny_clup_pseudo-labels.py'),
]
model = dict(backbone=dict(name='test_resnet'))
train_dataloader = dict(batch_size=8, num_workers=0, dataset=dict(dataset=dict(pipeline=[
    dict(type='TVRandomHorizontalFlip', p=0.5),
    dict(type='TVResize', size=(32, 32), antialias=True)])))
val_dataloader = dict(batch_size=8, dataset=dict(
    pipeline=[dict(type='TVResize', size=(32, 32), antialias=True)]))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=4)
param_scheduler = [dict(type='CosineAnnealingLR', T_max=4, eta_min=0.0, by_epoch=True)]
default_hooks = dict(logger=dict(interval=1))
randomness = dict(seed=0, deterministic=True)
