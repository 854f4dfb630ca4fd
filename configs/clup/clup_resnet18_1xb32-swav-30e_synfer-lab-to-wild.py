# CluP on SynFER lab -> wild, end to end:
#   bash experiments/clup.sh clup_wild configs/clup/clup_resnet18_1xb32-swav-30e_synfer-lab-to-wild.py
# runs the source model (runs/EXP/source), SwAV on wild train (runs/EXP/swav), the
# pseudo-labels (runs/EXP/pseudo_labels) and this student (runs/EXP).
pipeline = [
    dict(name='source', into=None, checkpoint='best',
         config='configs/source_only/'
         'source-only_resnet18_1xb64-scratch-30e_synfer-lab-to-wild-lowres.py'),
    dict(name='swav', checkpoint='last', into='model.backbone.checkpoint',
         config='configs/clup/swav_resnet18_1xb64-lars-10e_synfer-wild.py'),
    dict(name='pseudo_labels', checkpoint='pseudo_labels.pt',
         into='train_dataloader.dataset.labels_file', needs={'load_from': 'source'},
         config='configs/clup/pseudo-labels_resnet18_k28-r0.3_synfer-lab-to-wild.py'),
]
_base_ = [
    '../_base_/datasets/synfer_lab-to-wild-lowres.py',
    './_base_/clup_resnet18-swav-s1_1xb32-50e.py',
]
# CPU-sized: the standard stem (as the SynFER SwAV stage) and 30 epochs
_epochs = 30
model = dict(backbone=dict(stem='default'))
_target_reader = dict(type='ExpwReader', data_root='{{$SYNFER_ROOT:data/synfer}}/wild',
                      split_file='{{$SYNFER_ROOT:data/synfer}}/wild/splits/expw.csv')
train_dataloader = dict(
    _delete_=True,
    batch_size=32,
    num_workers=2,
    persistent_workers=False,
    # the selection's size is arbitrary: a last batch of one sample would stop BN
    # training (size = 1 mod 32), so the incomplete last batch of an epoch is dropped
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    worker_init_fn=dict(type='basicda.seed_worker_from_torch'),
    dataset=dict(type='PseudoLabelDataset', labels_file=None, soft=False, dataset=dict(
        type='FaceDataset', reader=dict(_target_reader, split='train'),
        pipeline={{_base_._train_pipeline}}, crop='box', num_classes=7, cache_images=True)))
# Evaluated every epoch on the target test split; the primary number is the last
# epoch (no label-free selector exists without source data), the best epoch by
# target labels is the oracle, reported separately.
val_dataloader = dict(
    _delete_=True,
    batch_size=128,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='FaceDataset', reader=dict(_target_reader, split='test'),
                 pipeline={{_base_._test_pipeline}}, crop='box', num_classes=7,
                 cache_images=True))
# label-free criteria at every evaluation point, reported by LabelFreeSelectionHook
val_evaluator = dict(type='ClsMetric', num_classes=7, prefix='wild_test',
                     label_free=['entropy', 'im', 'snd'])
val_cfg = dict(_delete_=True, type='MultiDatasetValLoop')
test_dataloader = val_dataloader
test_evaluator = val_evaluator
test_cfg = dict(_delete_=True, type='MultiDatasetTestLoop', checkpoint='current')
param_scheduler = [dict(type='CosineAnnealingLR', T_max=_epochs, eta_min=0.0, by_epoch=True)]
train_cfg = dict(max_epochs=_epochs)
custom_hooks = [dict(type='OracleTracker', target_prefixes=['wild_test']),
                dict(type='LabelFreeSelectionHook', target_prefixes=['wild_test'])]
