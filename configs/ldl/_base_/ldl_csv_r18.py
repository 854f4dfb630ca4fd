# LDL on the reference's CSVs (docs/ldl.md §4, r18 columns): train.csv with valence, arousal
# and the knn column (K = 8 neighbours taken from it, mapped through row ids), test.csv;
# ResNet-18 whose MS-Celeb weights the user supplies (model.classifier.backbone.checkpoint,
# strict key match; pretrained=True refuses to start without them), 224 px, pad 8, batch 32,
# 60 epochs, Adam (eps 1e-7), evaluation every epoch on the test CSV; the primary number is
# the last epoch's. Datasets set _data_root, the LR steps and the trust options.
_base_ = ['../../_base_/default_runtime.py']
_data_root = 'data/ldl/rafdb'
_num_classes = 7
_size = 224
_pad = 8
_k = 8
_epochs = 60

model = dict(
    type='LDLModel',
    classifier=dict(
        type='ImageClassifier',
        num_classes=_num_classes,
        class_names=('Surprise', 'Fear', 'Disgust', 'Happiness', 'Sadness', 'Anger', 'Neutral'),
        backbone=dict(type='TimmBackbone', name='resnet18', pretrained=True, checkpoint=None),
        head=dict(type='LinearClsHead'),
        data_preprocessor=dict(type='ImgDataPreprocessor', mean=[127.5] * 3, std=[127.5] * 3)),
    gamma=0.01,
    lamb_init=0.5,
    lamb_lr=10.0,
    lamb_momentum=0.0,
    class_weight='none',
    neighbour_bn='train_frozen',
    neighbour_source='online',
)
model_wrapper_cfg = dict(type='basicda.MethodDDP', broadcast_buffers=False)

_neighbour_pipeline = [
    dict(type='TVResize', size=(_size, _size), antialias=False),
    dict(type='TVRandomHorizontalFlip', p=0.5),
    dict(type='TVRandomCrop', size=_size, padding=_pad, fill=0),
]
_anchor_pipeline = _neighbour_pipeline + [
    dict(type='LDLRandomErasing', p=0.5, area=(0.02, 0.3), aspect=0.3)]
_test_pipeline = [dict(type='TVResize', size=(_size, _size), antialias=False)]


def _reader(split):
    return dict(type='LdlCsvReader', data_root=_data_root, split=split, ann_file=f'{split}.csv',
                native_order='affectnet')


train_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='SeededAugSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    worker_init_fn=dict(type='basicda.seed_worker_from_torch'),
    dataset=dict(type='LDLNeighbourDataset',
                 dataset=dict(type='FaceDataset', reader=_reader('train'), pipeline=[],
                              crop='none', num_classes=_num_classes),
                 anchor_pipeline=_anchor_pipeline, neighbour_pipeline=_neighbour_pipeline,
                 num_neighbours=_k, neighbours='knn_column'))
val_dataloader = dict(
    batch_size=128,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='FaceDataset', reader=_reader('test'), pipeline=_test_pipeline,
                 crop='none', num_classes=_num_classes))
val_evaluator = dict(type='ClsMetric', num_classes=_num_classes, prefix='test')
val_cfg = dict(type='ValLoop')
test_dataloader = val_dataloader
test_evaluator = val_evaluator
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='Adam', lr=1e-3, betas=(0.9, 0.999), eps=1e-7,
                                    weight_decay=0.0))
param_scheduler = [dict(type='MultiStepLR', milestones=[10, 20, 40], gamma=0.1, by_epoch=True)]
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=_epochs, val_interval=1)
# the last epoch is the primary number; best-on-test only as the oracle (docs/ldl.md)
default_hooks = dict(checkpoint=dict(save_best=None))
custom_hooks = [
    dict(type='LDLSetupHook'),
    dict(type='MethodStateHook'),
    dict(type='OracleTracker', target_prefixes=['test']),
]
