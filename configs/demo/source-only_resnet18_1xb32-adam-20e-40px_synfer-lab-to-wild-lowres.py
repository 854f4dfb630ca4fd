# The fast demo's source-only run (`ferda demo --fast`; the 30-epoch 64 px config is `ferda demo
# --full`): the same model, data and augmentation at 40 px, 20 epochs of batch 32 with Adam
# (lr 1e-3, 1 warm-up epoch then cosine), and the label-free selection evaluated at epochs
# 10, 15 and 20 only (an evaluation point reads 2310 images, more than a training epoch).
# Measured: the 30-epoch recipe's nesterov SGD 0.1 cut to 12 epochs of batch 32 was still at
# ln 7 after 6 epochs; Adam 1e-3 takes ResNet-18 off within 2-3 epochs on SynFER lab (the LDL
# configs' schedule); 8 epochs reached 48 % on lab test, too weak a teacher for CluP, 20
# epochs 76.9 % (48 px x 16 epochs: 78.6 %, at 15 % more cost). docs/synfer.md §5.1 gives the
# image budget.
_base_ = ['../source_only/source-only_resnet18_1xb64-scratch-30e_synfer-lab-to-wild-lowres.py']
_size = 40
_epochs = 20
_warmup = 1
_train_pipeline = [
    dict(type='TVRandomHorizontalFlip', p=0.5),
    dict(type='TVRandomAffine', degrees=15, translate=(0.1, 0.1), scale=(0.9, 1.1)),
    dict(type='TVColorJitter', brightness=(0.6, 1.4), contrast=(0.6, 1.4),
         saturation=(0.6, 1.4)),
    dict(type='TVResize', size=(_size, _size), antialias=True),
]
_test = dict(dataset=dict(pipeline=[dict(type='TVResize', size=(_size, _size), antialias=True)]))
train_dataloader = dict(batch_size=32, dataset=dict(pipeline=_train_pipeline))
val_dataloader = _test
test_dataloader = _test
_extra = dict(lab_test=_test, wild_test=_test, lowres_test=_test)
val_cfg = dict(extra_dataloaders=_extra)
test_cfg = dict(extra_dataloaders=_extra)
train_cfg = dict(max_epochs=_epochs, val_begin=10, val_interval=5)
default_hooks = dict(checkpoint=dict(interval=5))
optim_wrapper = dict(optimizer=dict(_delete_=True, type='Adam', lr=1e-3, weight_decay=0.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.04, by_epoch=True, begin=0, end=_warmup,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=_epochs - _warmup, eta_min=0.0, by_epoch=True,
         begin=_warmup, end=_epochs, convert_to_iter_based=True),
]
