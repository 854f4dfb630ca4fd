# DVSCL pre-training on SynFER micro (ferda synth --domains micro): all subjects, no labels,
# 64 px images used whole (crop = image size), K = 64, batch 32, 5 epochs (docs/dvscl.md §2).
_base_ = ['./_base_/dvscl_resnet18v1-w0.5_softmax.py']
_data_root = '{{$SYNFER_ROOT:data/synfer}}/micro'
model = dict(nce_k=64)
train_dataloader = dict(
    batch_size=32, num_workers=0, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='FaceDataset', reader=dict(type='Casme3Reader', data_root=_data_root),
                 pipeline=[dict(type='TVCenterCrop', size=64),
                           _base_._rgb_photometric, _base_._flip],
                 crop='none', views=('rgb', 'depth'), num_classes=4, with_label=False, cache_images=True))
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[4], gamma=0.1)]
optim_wrapper = dict(optimizer=dict(lr=0.03))
train_cfg = dict(max_epochs=5)
default_hooks = dict(checkpoint=dict(interval=1), logger=dict(interval=5))
