# EERCL (CRCo on AaD, docs/eercl.md) on SynFER lab -> wild, CPU-sized. Source-free: the
# student and the EMA teacher start from the SynFER source model of the `source` stage
# (ResNet-18 + 256-d bottleneck + BN + WN classifier, 64 px), the classifier stays frozen,
# and training sees only unlabelled `wild` train images (1890), as a weak and two strong
# views. Run with `bash experiments/eercl.sh EXP <this config> [GPUS]`, which trains the
# source stage first (or reuses it) and passes its label-free best checkpoint as
# model.source_checkpoint.
#
# CPU sizes (the reference: 224 px, 2 x 32 per view, 15k iterations, eval every 300):
# 64 px (the source model's size), 16 per view (48 images per forward), 200 iterations
# (1.7 passes over wild train), refresh every R = 50, evaluation every 100 iterations on
# wild test (target) and lab test (source list). Learning rates are 10x the reference's
# (1e-3 backbone, 1e-2 bottleneck/BN) because 200 iterations are 1.3 % of its schedule.
# Selection: the last iteration (label-free); the best wild_test point is the separately
# reported oracle.
_base_ = [
    '../_base_/datasets/synfer_lab-to-wild-lowres.py',
    '../_base_/models/resnet50_bottleneck-wn.py',
    '../_base_/default_runtime.py',
]
pipeline = [dict(name='source',
                 config='configs/eercl/source_resnet18-bottleneck_1xb64-scratch-30e_synfer-lab.py',
                 checkpoint='best', into='model.source_checkpoint')]

_size = 64
_resize = 73  # recipe B's 256 -> 224 ratio
_test_pipeline = [dict(type='TVResize', size=(_size, _size), antialias=True)]
_weak_pipeline = [
    dict(type='TVResize', size=(_resize, _resize), antialias=True),
    dict(type='TVRandomHorizontalFlip', p=0.5),
    dict(type='TVRandomCrop', size=_size),
]
_strong_pipeline = [
    dict(type='TVRandomResizedCrop', size=_size, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3),
         antialias=True),
    dict(type='TVRandomHorizontalFlip', p=0.5),
    dict(type='TVRandRangeAug', num_ops=2, magnitude_semantics='torchvision'),
    # 16 x 16 at 224 px, scaled to the input size
    dict(type='TVCutout', size=round(16 * _size / 224), fill=128, p=0.5),
]
_wild_train = dict(type='FaceDataset', reader=dict(_base_._wild_reader, split='train'),
                   pipeline=[], crop='box', num_classes=_base_._num_classes, cache_images=True)

train_dataloader = dict(
    _delete_=True,
    batch_size=16,
    num_workers=1,
    drop_last=True,  # as the reference: no tiny last batch in train-mode BN
    persistent_workers=False,
    # per-sample augmentation seeds: exact resume mid-epoch (basicda/datasets/multi_view.py)
    sampler=dict(type='SeededAugSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    worker_init_fn=dict(type='basicda.seed_worker_from_torch'),
    dataset=dict(type='MultiViewDataset', dataset=_wild_train,
                 views=[_strong_pipeline, _strong_pipeline, _weak_pipeline],
                 view_names=['strong1', 'strong2', 'weak']))

# Evaluation: the target test split first (it names the run's main numbers), then the
# source list. Every split is counted once (ClsMetric checks indices).
def _eval(reader, split):
    return dict(
        batch_size=128, num_workers=0, persistent_workers=False,
        sampler=dict(type='DefaultSampler', shuffle=False),
        collate_fn=dict(type='default_collate'),
        dataset=dict(type='FaceDataset', reader=dict(reader, split=split), pipeline=_test_pipeline,
                     crop='box', num_classes=_base_._num_classes, cache_images=True))


val_dataloader = dict(_delete_=True, **_eval(_base_._wild_reader, 'test'))
# entropy, IM and SND of the target predictions at every evaluation point (no labels): the
# LabelFreeSelectionHook below reports the point each would select (docs/results.md §4)
val_evaluator = dict(prefix='wild_test', label_free=['entropy', 'im', 'snd'])
_extra = dict(lab_test=_eval(_base_._lab_reader, 'test'))
val_cfg = dict(type='MultiDatasetValLoop', extra_dataloaders=dict(_delete_=True, **_extra))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
# target methods select the last iteration (label-free); the oracle is reported apart
test_cfg = dict(type='MultiDatasetTestLoop', extra_dataloaders=dict(_delete_=True, **_extra),
                checkpoint='current')

model = dict(
    _delete_=True,
    type='EERCL',
    classifier=dict(_base_.model, backbone=dict(type='TimmBackbone', name='resnet18',
                                                pretrained=False)),
    # num_samples (the banks' N) is taken from the training set by BankRefreshHook
    source_checkpoint=None,  # set by the pipeline (source stage) or --cfg-options
    aad=dict(num_neighbours=4, beta=0.0, weight=1.0, world_scaling=True,
             self_exclusion='index'),
    pseudo_label=dict(weight=1.0, tau=0.07, threshold=0.95, alpha=1.0,
                      use_cluster_label=True, loss_type='relation', empty_prototype='mask'),
    infonce=dict(weight=1.0, tau=0.07, logit_scale=0.5, loss_scale=0.5, alpha=1.0,
                 queue_size=512, queue_init='empty', queue_overflow='wrap'),
    ema_decay=0.99,
    shuffle_bn=True,
)
# EERCL owns its train step (MethodDDP hands it the wrapper; scoped name because the
# Runner looks wrapper types up in mmengine's root registry); BN buffers are broadcast
# from rank 0 before each evaluation and save (BroadcastBuffersHook and DACheckpointHook
# of the default runtime), not at every forward.
model_wrapper_cfg = dict(type='basicda.MethodDDP', broadcast_buffers=False)

_lr = 1e-3
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=_lr, momentum=0.9, nesterov=True, weight_decay=1e-3),
    # the frozen classifier and the teacher are left out of the optimiser
    constructor='TrainableParamsOptimWrapperConstructor',
    paramwise_cfg=dict(custom_keys={'student.head': dict(lr_mult=10.0)}))
# constant learning rate (the reference's ConstantLR factor 1)
param_scheduler = []

_iters = 200
train_cfg = dict(type='ResumableIterBasedTrainLoop', max_iters=_iters, val_interval=100)
log_processor = dict(by_epoch=False)
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(by_epoch=False, interval=100, max_keep_ckpts=2, save_best=None))
custom_hooks = [
    # R = 50: refresh the weak bank and the prototypes before iterations 0, 50, ...
    dict(type='BankRefreshHook', interval=50, test_pipeline=_test_pipeline, batch_size=128),
    dict(type='MethodStateHook'),
    dict(type='OracleTracker', target_prefixes=['wild_test']),
    dict(type='LabelFreeSelectionHook', target_prefixes=['wild_test']),
]
