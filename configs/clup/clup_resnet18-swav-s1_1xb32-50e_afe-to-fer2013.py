# CluP, AFE -> FER2013 (clup.md §3: K = 250, r = 0.1), ResNet-18:
#   bash experiments/clup.sh clup_afe_fer2013 configs/clup/clup_resnet18-swav-s1_1xb32-50e_afe-to-fer2013.py
# source model (recipe A, 100 epochs) -> SwAV on FER2013 train (1000 epochs, 4 GPUs) ->
# pseudo-labels -> the student (50 epochs, mixup, 160 px). Put the datasets in data/ first
# (data/README.md); a finished stage is reused, an interrupted one resumed.
_base_ = ['./clup_resnet18_1xb32-swav-30e_synfer-lab-to-wild.py']
pipeline = [
    dict(name='source', into=None, checkpoint='best',
         config='configs/source_only/source-only_resnet18_1xb64-recipeA-100e_afe-clup.py'),
    dict(name='swav', checkpoint='last', into='model.backbone.checkpoint',
         config='configs/clup/swav_resnet18-swav-s1_4xb64-lars-1000e_fer2013.py'),
    dict(name='pseudo_labels', checkpoint='pseudo_labels.pt',
         into='train_dataloader.dataset.labels_file', needs={'load_from': 'source'},
         options={'test_cfg.num_clusters': 250, 'test_cfg.fraction': 0.1},
         config='configs/clup/pseudo-labels_resnet18_fer2013.py'),
]
_epochs = 50
_reader = dict(_delete_=True, type='Fer2013CsvReader', data_root='data/fer2013')
model = dict(backbone=dict(stem='swav_s1'))
# pipeline A (train, 160 px) of the source model
_train_pipeline = [
    dict(type='TVRandomHorizontalFlip', p=0.5),
    dict(type='TVRandomAffine', degrees=35, translate=(0.15, 0.15)),
    dict(type='TVColorJitter', brightness=(0.5, 1.5), contrast=(0.5, 1.5),
         saturation=(0.5, 1.5), hue=(-0.5, 0.5)),
    dict(type='TVResize', size=(160, 160), antialias=True),
]
train_dataloader = dict(num_workers=4, dataset=dict(dataset=dict(
    reader=dict(_reader, split='train'), cache_images=False, pipeline=_train_pipeline)))
_test_pipeline = [dict(type='TVResize', size=(160, 160), antialias=True)]
val_dataloader = dict(num_workers=4, dataset=dict(reader=dict(_reader, split='test'),
                                                  pipeline=_test_pipeline, cache_images=False))
test_dataloader = val_dataloader
val_evaluator = dict(prefix='fer2013_test')
test_evaluator = val_evaluator
param_scheduler = [dict(type='CosineAnnealingLR', T_max=_epochs, eta_min=0.0, by_epoch=True)]
train_cfg = dict(max_epochs=_epochs)
custom_hooks = [dict(type='OracleTracker', target_prefixes=['fer2013_test'])]
