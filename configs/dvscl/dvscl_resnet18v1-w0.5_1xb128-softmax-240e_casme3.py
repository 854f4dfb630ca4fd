# DVSCL pre-training on the 943 labelled CAS(ME)^3 Part-A clips of the DVSCL lists (labels
# unused), 224 px centre crops, batch 128, 240 epochs, K = 2048 (docs/dvscl.md §1-2).
_base_ = ['./_base_/dvscl_resnet18v1-w0.5_softmax.py']
_data_root = 'data/casme3'
train_dataloader = dict(
    batch_size=128, num_workers=4, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    worker_init_fn=dict(type='basicda.seed_worker_from_torch'),
    dataset=dict(type='FaceDataset', reader=dict(type='Casme3Reader', data_root=_data_root),
                 pipeline=[dict(type='TVCenterCrop', size=224),
                           _base_._rgb_photometric, _base_._flip],
                 crop='none', views=('rgb', 'depth'), num_classes=4, with_label=False))
