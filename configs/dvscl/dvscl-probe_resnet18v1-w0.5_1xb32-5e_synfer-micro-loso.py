# DVSCL linear probe, leave-one-subject-out on SynFER micro (docs/dvscl.md §5): the encoders of
# a pre-training checkpoint (the pipeline's pretrain stage, or model.pretrained=PATH; None =
# random encoders, the baseline) frozen, a linear head on both views' 256 x 2 x 2 maps, one
# fresh head per subject fold, 5 epochs, SGD lr 1e-4 (the reference's) with zero_grad every step, StepLR(10)
# per epoch; pooled UF1/UAR/WA (loso_metrics).
#   bash experiments/dvscl.sh EXP configs/dvscl/dvscl-probe_resnet18v1-w0.5_1xb32-5e_synfer-micro-loso.py
# pre-trains (runs/EXP/pretrain; --stage pretrain stops there) and then runs the LOSO probe
# (runs/EXP) on the last pre-training checkpoint.
pipeline = [
    dict(name='pretrain', checkpoint='last', into='model.pretrained',
         config='configs/dvscl/dvscl_resnet18v1-w0.5_1xb32-softmax-k64-5e_synfer-micro.py'),
]
_base_ = ['../_base_/default_runtime.py']
_data_root = 'data/synfer/micro'
_views = ('rgb', 'depth')
_norm = dict(rgb=dict(mean=[113.58, 114.09, 114.85], std=[114.09, 114.88, 114.80]),
             depth=dict(mean=[10.79] * 3, std=[44.91] * 3))
model = dict(type='DVSCLProbe', encoder=dict(type='ResNetV1Encoder', width=0.5), num_classes=4,
             pretrained=None, mode='probe', input_size=64,
             data_preprocessor=dict(type='MultiViewDataPreprocessor', views=_norm))
_dataset = dict(type='FaceDataset', reader=dict(type='Casme3Reader', data_root=_data_root),
                crop='none', views=_views, num_classes=4, cache_images=True,
                meta_keys=('subject', ))
train_dataloader = dict(
    batch_size=32, num_workers=0, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    # shared geometry: a centre crop of the image size and one flip for both views
    dataset=dict(_dataset, pipeline=[dict(type='TVCenterCrop', size=64),
                                     dict(type='TVRandomHorizontalFlip', p=0.5)]))
train_cfg = dict(type='FoldLoop', max_epochs=5, scheme='loso',
                 metric=dict(type='loso_metrics'),
                 eval_dataloader=dict(
                     batch_size=64, num_workers=0,
                     sampler=dict(type='DefaultSampler', shuffle=False),
                     collate_fn=dict(type='default_collate'),
                     dataset=dict(_dataset, pipeline=[dict(type='TVCenterCrop', size=64)])))
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='SGD', lr=1e-4, momentum=0.9, weight_decay=1e-4))
param_scheduler = [dict(type='StepLR', by_epoch=True, step_size=10, gamma=0.1)]
val_cfg = None
test_cfg = None
# the fold loop checkpoints every fold itself (folds/<f>/)
default_hooks = dict(checkpoint=None, logger=dict(type='LoggerHook', interval=5))
log_processor = dict(by_epoch=True)
