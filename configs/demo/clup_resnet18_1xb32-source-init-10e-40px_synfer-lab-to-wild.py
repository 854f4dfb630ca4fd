# The fast demo's CluP row (`ferda demo --fast`; the 30-epoch 64 px student is `ferda demo`):
# the source-initialised CluP student at 40 px, 10 epochs (cosine), evaluated on wild test
# every 5 epochs (the primary number is the last epoch; the oracle picks among the two).
_base_ = ['../clup/clup_resnet18_1xb32-source-init-30e_synfer-lab-to-wild.py']
pipeline = [
    dict(name='source', checkpoint='best', into='model.backbone.checkpoint',
         config='configs/demo/'
                'source-only_resnet18_1xb32-adam-20e-40px_synfer-lab-to-wild-lowres.py'),
    dict(name='pseudo_labels', checkpoint='pseudo_labels.pt',
         into='train_dataloader.dataset.labels_file', needs={'load_from': 'source'},
         config='configs/demo/pseudo-labels_resnet18_k28-r0.3-40px_synfer-lab-to-wild.py'),
]
_size = 40
_epochs = 10
train_dataloader = dict(dataset=dict(dataset=dict(pipeline=[
    dict(type='TVRandomHorizontalFlip', p=0.5),
    dict(type='TVRandomAffine', degrees=15, translate=(0.1, 0.1), scale=(0.9, 1.1)),
    dict(type='TVColorJitter', brightness=(0.6, 1.4), contrast=(0.6, 1.4),
         saturation=(0.6, 1.4)),
    dict(type='TVResize', size=(_size, _size), antialias=True),
])))
_test = dict(dataset=dict(pipeline=[dict(type='TVResize', size=(_size, _size), antialias=True)]))
val_dataloader = _test
test_dataloader = _test
param_scheduler = [dict(type='CosineAnnealingLR', T_max=_epochs, eta_min=0.0, by_epoch=True)]
train_cfg = dict(max_epochs=_epochs, val_interval=5)
default_hooks = dict(checkpoint=dict(interval=5))
