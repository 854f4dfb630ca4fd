# DVSCL on CAS(ME)^3 (the DVSCL lists, 4 classes, 943 clips, 95 subject folds;
# docs/dvscl.md §5):
#   bash experiments/dvscl.sh EXP configs/dvscl/dvscl-probe_resnet18v1-w0.5_1xb128-30e_casme3-loso.py
# pre-trains 240 epochs (runs/EXP/pretrain), then trains one linear head per left-out subject on
# the frozen encoders' 256 x 7 x 7 maps of both views: 30 epochs, batch 128, centre crop 224, a
# shared flip for training.
pipeline = [
    dict(name='pretrain', checkpoint='last', into='model.pretrained',
         config='configs/dvscl/dvscl_resnet18v1-w0.5_1xb128-softmax-240e_casme3.py'),
]
_base_ = ['./_base_/dvscl-probe_resnet18v1-w0.5_loso.py']
_dataset = dict(type='FaceDataset', reader=dict(type='Casme3Reader', data_root='data/casme3'),
                crop='none', views=('rgb', 'depth'), num_classes=4, meta_keys=('subject', ))
model = dict(input_size=224)
train_dataloader = dict(
    batch_size=128, num_workers=4, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    worker_init_fn=dict(type='basicda.seed_worker_from_torch'),
    dataset=dict(_dataset, pipeline=[dict(type='TVCenterCrop', size=224),
                                     dict(type='TVRandomHorizontalFlip', p=0.5)]))
train_cfg = dict(max_epochs=30, eval_dataloader=dict(
    batch_size=128, num_workers=4,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(_dataset, pipeline=[dict(type='TVCenterCrop', size=224)])))
