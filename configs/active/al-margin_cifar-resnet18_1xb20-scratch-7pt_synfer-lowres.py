# Active learning (docs/active-learning.md) on SynFER `lowres` (FER2013 format, 48 px grey):
# pool = the Training rows, test = PublicTest + PrivateTest. A CIFAR-stem ResNet-18 and a
# fresh Dropout -> Linear head per round; 10 % of the pool labelled at random, then 5 % per
# round by `strategy`, 7 evaluation points. Round training: SGD 0.01 (momentum 0.9, wd
# 5e-4), cosine T_max 200 per epoch, batch 20, until running accuracy 0.999, saturation or
# `round_epochs`. CPU-sized: at most 30 epochs per round (the reference's 199 are
# `train_cfg.round_epochs=199`). Other strategies / inits from the command line, e.g.
#   bash experiments/active.sh al_entropy CONFIG 1 --cfg-options train_cfg.strategy=entropy
# round_init='pretrained' needs train_cfg.encoder=<encoder.pth>.
default_scope = 'ferda'
_base_ = ['../_base_/default_runtime.py']
_data_root = '{{$SYNFER_ROOT:data/synfer}}/lowres'
_size = 48
_num_classes = 7
_strategy = 'margin'

_reader = dict(type='Fer2013CsvReader', data_root=_data_root, test_split='public+private')
_train_pipeline = [
    dict(type='TVRandomCrop', size=_size, padding=4),
    dict(type='TVRandomHorizontalFlip', p=0.5),
]
_pool = dict(type='FaceDataset', reader=dict(_reader, split='train'), crop='box',
             num_classes=_num_classes, cache_images=True)


def _loader(dataset, shuffle, batch_size, round_up=True):
    return dict(batch_size=batch_size, num_workers=0, persistent_workers=False,
                sampler=dict(type='DefaultSampler', shuffle=shuffle, round_up=round_up),
                collate_fn=dict(type='default_collate'),
                worker_init_fn=dict(type='basicda.seed_worker_from_torch'), dataset=dataset)


model = dict(
    type='ImageClassifier',
    num_classes=_num_classes,
    class_names=('Surprise', 'Fear', 'Disgust', 'Happiness', 'Sadness', 'Anger', 'Neutral'),
    backbone=dict(type='TimmBackbone', name='resnet18', pretrained=False, stem='cifar'),
    # BALD configs set dropout=0.5 (BALD refuses a head without dropout)
    head=dict(type='LinearClsHead', weight_norm=False, dropout=0.0),
    loss=dict(type='LabelSmoothingCrossEntropy', eps=0.0),
    # Normalize(mean 0.5, std 0.2) on the 0-255 scale, everywhere (train, test, selection)
    data_preprocessor=dict(type='ImgDataPreprocessor', mean=[127.5] * 3, std=[51.0] * 3),
)
train_dataloader = _loader(dict(type='ActivePoolDataset', dataset=dict(
    _pool, pipeline=_train_pipeline)), True, 20)
train_cfg = dict(
    type='ActiveLearningLoop', strategy=_strategy, round_init='scratch', encoder=None,
    init_frac=0.1, step_frac=0.05, points=7, round_epochs=30, metric='test/accuracy',
    pool_dataloader=_loader(dict(_pool, pipeline=[]), False, 128, round_up=False))
val_dataloader = _loader(dict(_pool, reader=dict(_reader, split='test'), pipeline=[]),
                         False, 128, round_up=False)
val_evaluator = dict(type='ClsMetric', num_classes=_num_classes, prefix='test')
val_cfg = dict(type='ValLoop')
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=200, by_epoch=True)]
# every epoch is saved (a resume continues a round mid-way); no best checkpoint: each round
# is its own model, reported in al/rounds.csv
default_hooks = dict(checkpoint=dict(save_best=None, max_keep_ckpts=1))
