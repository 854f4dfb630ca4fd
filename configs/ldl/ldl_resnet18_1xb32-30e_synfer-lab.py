# LDL (uncertainty-aware label distribution learning, docs/ldl.md) on SynFER lab, CPU-sized:
# ResNet-18 from random init (no download), 64 px, batch 32, K = 8 neighbours found by exact
# L1 search in the generator's valence-arousal space (synfer_meta.csv; lab has no knn column),
# online neighbour mode (K extra no-grad forwards per sample). Schedule: Adam (eps 1e-7),
# lr 1e-3 decayed x0.1 at epochs 10 and 20 (the r18 RAF-DB recipe shortened to 30 epochs, the
# length SynFER's source-only model needs from scratch). Evaluated on lab val, lab test and
# the wild / lowres targets. Run with `bash experiments/ldl.sh EXP <this config> [GPUS]`.
_base_ = [
    '../_base_/datasets/synfer_lab-to-wild-lowres.py',
    '../_base_/default_runtime.py',
]
_num_classes = 7
_size = 64
_pad = 4
_k = 8
_epochs = 30

model = dict(
    type='LDLModel',
    classifier=dict(
        type='ImageClassifier',
        num_classes=_num_classes,
        class_names=('Surprise', 'Fear', 'Disgust', 'Happiness', 'Sadness', 'Anger', 'Neutral'),
        backbone=dict(type='TimmBackbone', name='resnet18', pretrained=False),
        head=dict(type='LinearClsHead'),
        # (x - 127.5) / 127.5, the reference's normalisation
        data_preprocessor=dict(type='ImgDataPreprocessor', mean=[127.5] * 3, std=[127.5] * 3)),
    scoring=dict(hidden=(512, 256), clamp=-1.3),
    gamma=0.01,
    lamb_init=0.5,
    lamb_lr=10.0,
    lamb_momentum=0.0,
    class_weight='none',
    neighbour_bn='train_frozen',
)
# every rank applies the same gathered trust/centre updates: no buffer broadcast
model_wrapper_cfg = dict(type='basicda.MethodDDP', broadcast_buffers=False)

# pixel-space augmentation of the reference: bilinear resize (no antialias), flip, zero-pad,
# random crop; the anchor adds the reference's random erasing (uniform noise fill)
_neighbour_pipeline = [
    dict(type='TVResize', size=(_size, _size), antialias=False),
    dict(type='TVRandomHorizontalFlip', p=0.5),
    dict(type='TVRandomCrop', size=_size, padding=_pad, fill=0),
]
_anchor_pipeline = _neighbour_pipeline + [
    dict(type='LDLRandomErasing', p=0.5, area=(0.02, 0.3), aspect=0.3)]
_lab_train = dict(
    type='FaceDataset',
    reader=dict(type='ExtrasCsvReader', reader=dict(_base_._lab_reader, split='train'),
                extras_file=_base_._data_root + '/lab/synfer_meta.csv',
                columns=dict(valence='float', arousal='float')),
    pipeline=[], crop='box', num_classes=_num_classes, cache_images=True)
train_dataloader = dict(
    _delete_=True,
    batch_size=32,
    num_workers=1,
    persistent_workers=False,
    # per-sample augmentation seeds: exact resume mid-epoch (basicda/datasets/multi_view.py)
    sampler=dict(type='SeededAugSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    worker_init_fn=dict(type='basicda.seed_worker_from_torch'),
    dataset=dict(type='LDLNeighbourDataset', dataset=_lab_train,
                 anchor_pipeline=_anchor_pipeline, neighbour_pipeline=_neighbour_pipeline,
                 num_neighbours=_k, neighbours='va', knn_metric='l1'))

optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='Adam', lr=1e-3, betas=(0.9, 0.999), eps=1e-7,
                                    weight_decay=0.0))
# ldl_lr (basicda/optim/step_lr.py): x0.1 at the epoch boundaries 10 and 20
param_scheduler = [dict(type='MultiStepLR', milestones=[10, 20], gamma=0.1, by_epoch=True)]
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=_epochs, val_interval=1)

custom_hooks = [
    dict(type='LDLSetupHook'),
    dict(type='MethodStateHook'),
]
# the primary number is the last epoch's (docs/ldl.md); best-on-test goes to the oracle
test_cfg = dict(checkpoint='current')
