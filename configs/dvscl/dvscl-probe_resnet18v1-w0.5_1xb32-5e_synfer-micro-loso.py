# DVSCL on SynFER micro, end to end (docs/dvscl.md §5):
#   bash experiments/dvscl.sh EXP configs/dvscl/dvscl-probe_resnet18v1-w0.5_1xb32-5e_synfer-micro-loso.py
# pre-trains (runs/EXP/pretrain; --stage pretrain stops there), then runs the LOSO probe
# (runs/EXP) on the last pre-training checkpoint: 5 epochs per fold, batch 32, the 64 px
# images whole (centre crop = image size), a shared flip for training.
pipeline = [
    dict(name='pretrain', checkpoint='last', into='model.pretrained',
         config='configs/dvscl/dvscl_resnet18v1-w0.5_1xb32-softmax-k64-5e_synfer-micro.py'),
]
_base_ = ['./_base_/dvscl-probe_resnet18v1-w0.5_loso.py']
_data_root = '{{$SYNFER_ROOT:data/synfer}}/micro'
model = dict(input_size=64)
_dataset = dict(type='FaceDataset', reader=dict(type='Casme3Reader', data_root=_data_root),
                crop='none', views=('rgb', 'depth'), num_classes=4, cache_images=True,
                meta_keys=('subject', ))
train_dataloader = dict(
    batch_size=32, num_workers=0, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(_dataset, pipeline=[dict(type='TVCenterCrop', size=64),
                                     dict(type='TVRandomHorizontalFlip', p=0.5)]))
train_cfg = dict(max_epochs=5, eval_dataloader=dict(
    batch_size=64, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(_dataset, pipeline=[dict(type='TVCenterCrop', size=64)])))
