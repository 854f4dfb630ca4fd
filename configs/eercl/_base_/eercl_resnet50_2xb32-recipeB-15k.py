# EERCL on real data, the official FER defaults (docs/eercl.md §3): recipe-B ResNet-50
# source model (256-d bottleneck + BN + frozen WN classifier), 224 crops from 256, one weak
# and two strong views of 32 images per GPU on 2 GPUs, 15k iterations, evaluation every 300,
# R = 50, constant lr 1e-4 (backbone) / 1e-3 (bottleneck + BN), seed 2023, deterministic.
# No dataloader keys here: a real-data EERCL config inherits its *target* dataset base and
# the per-source base on this file (eercl_resnet50_2xb32-recipeB-15k_<source>.py), then
# wraps the target train split in the three views (mmengine refuses a key defined by two
# bases, so that wiring cannot live in a base).
_base_ = ['../../_base_/models/resnet50_bottleneck-wn.py', '../../_base_/default_runtime.py']

_eercl_test_pipeline = [
    dict(type='TVResize', size=(256, 256), antialias=True),
    dict(type='TVCenterCrop', size=224),
]
_eercl_weak_pipeline = [
    dict(type='TVResize', size=(256, 256), antialias=True),
    dict(type='TVRandomHorizontalFlip', p=0.5),
    dict(type='TVRandomCrop', size=224),
]
_eercl_strong_pipeline = [
    dict(type='TVRandomResizedCrop', size=224, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3),
         antialias=True),
    dict(type='TVRandomHorizontalFlip', p=0.5),
    dict(type='TVRandRangeAug', num_ops=2, magnitude_semantics='torchvision'),
    dict(type='TVCutout', size=16, fill=128, p=0.5),
]
_eercl_views = dict(
    type='MultiViewDataset',
    views=[_eercl_strong_pipeline, _eercl_strong_pipeline, _eercl_weak_pipeline],
    view_names=['strong1', 'strong2', 'weak'])
# an evaluation loader of the recipe without its reader (a per-source base's source list)
_eercl_test_loader = dict(
    batch_size=128,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    worker_init_fn=dict(type='basicda.seed_worker_from_torch'),
    dataset=dict(type='FaceDataset', crop='box', num_classes=7, pipeline=_eercl_test_pipeline))
_eercl_train_loader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=False,
    drop_last=True,
    sampler=dict(type='SeededAugSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    worker_init_fn=dict(type='basicda.seed_worker_from_torch'))

model = dict(
    _delete_=True,
    type='EERCL',
    # offline: model.classifier.backbone is random-init here; the source checkpoint
    # (pipeline stage or --cfg-options model.source_checkpoint=...) carries the weights
    classifier=_base_.model,
    source_checkpoint=None,
    aad=dict(num_neighbours=4, beta=0.0, weight=1.0, world_scaling=True,
             self_exclusion='index'),
    pseudo_label=dict(weight=1.0, tau=0.07, threshold=0.95, alpha=1.0,
                      use_cluster_label=True, loss_type='relation', empty_prototype='mask'),
    infonce=dict(weight=1.0, tau=0.07, logit_scale=0.5, loss_scale=0.5, alpha=1.0,
                 queue_size=512, queue_init='empty', queue_overflow='wrap'),
    ema_decay=0.99,
    shuffle_bn=True,
)
model_wrapper_cfg = dict(type='basicda.MethodDDP', broadcast_buffers=False)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=1e-4, momentum=0.9, nesterov=True, weight_decay=1e-3),
    constructor='TrainableParamsOptimWrapperConstructor',
    paramwise_cfg=dict(custom_keys={'student.head': dict(lr_mult=10.0)}))
param_scheduler = []
train_cfg = dict(type='ResumableIterBasedTrainLoop', max_iters=15000, val_interval=300)
log_processor = dict(by_epoch=False)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(by_epoch=False, interval=300, max_keep_ckpts=2, save_best=None))
randomness = dict(seed=2023, deterministic=True)
# a target config appends OracleTracker(target_prefixes=['<target>_test'])
custom_hooks = [
    dict(type='BankRefreshHook', interval=50, test_pipeline=_eercl_test_pipeline,
         batch_size=128, num_workers=4),
    dict(type='MethodStateHook'),
]
