# SimCLR pre-training on the active-learning pool (docs/active-learning.md §7): SynFER
# `lowres` Training rows (the AL pool; images only, no label is read), two views per image
# (RandomResizedCrop(S, scale 0.2-1), flip, ColorJitter(0.4, 0.4, 0.4, 0.1) p 0.8,
# RandomGrayscale p 0.2; grey faces are RGB already), Normalize(0.5, 0.2) in the model,
# projection 512 -> 512 -> 128, SupCon-form loss with tau 0.1 / base_tau 0.07, SGD momentum
# 0.9 wd 1e-4, cosine per epoch to lr/1000 with a 10-epoch per-iteration warm-up from 0.01.
# A config sets the sizes: stem, batch, epochs, lr. The encoder (model.backbone, no
# projection) is exported to <work_dir>/encoder.pth after training.
default_scope = 'ferda'
_base_ = ['../../_base_/default_runtime.py']
_data_root = '{{$SYNFER_ROOT:data/synfer}}/lowres'
_size = 48  # the dataset's stored size (spec: pre-train at it, not at the reference's 32)
_epochs = 1000
_batch = 1024
_lr = 0.5

_view = [
    dict(type='TVRandomResizedCrop', size=_size, scale=(0.2, 1.0), antialias=True),
    dict(type='TVRandomHorizontalFlip', p=0.5),
    dict(type='TVRandomApply', p=0.8, transforms=[
        dict(type='TVColorJitter', brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1)]),
    dict(type='TVRandomGrayscale', p=0.2),
]
model = dict(
    type='SimCLR',
    backbone=dict(type='TimmBackbone', name='resnet18', pretrained=False, stem='cifar'),
    hidden_dim=512, out_dim=128, tau=0.1, base_tau=0.07, pretrain_method='simclr',
    mean=[127.5] * 3, std=[51.0] * 3)
train_dataloader = dict(
    batch_size=_batch,
    num_workers=0,
    persistent_workers=False,
    # the last partial batch is kept (n_b = ceil(N / batch))
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    worker_init_fn=dict(type='basicda.seed_worker_from_torch'),
    dataset=dict(type='FaceDataset',
                 reader=dict(type='Fer2013CsvReader', data_root=_data_root, split='train'),
                 pipeline=[dict(type='MultiCrop', crops=[dict(num=2, pipeline=_view)])],
                 crop='box', num_classes=7, cache_images=True))
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(
    type='SGD', lr=_lr, momentum=0.9, weight_decay=1e-4))
param_scheduler = [dict(type='SimCLRLR', epochs=_epochs, warm_epochs=10, warm_from=0.01,
                        by_epoch=True, convert_to_iter_based=True)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=_epochs)
val_cfg = None
test_cfg = None
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=1, save_best=None))
custom_hooks = [dict(type='ExportEncoderHook', filename='encoder.pth')]
