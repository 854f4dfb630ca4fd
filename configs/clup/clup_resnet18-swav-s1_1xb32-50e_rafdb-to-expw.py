# CluP, RAF-DB -> ExpW (clup.md §3: K = 250, r = 0.3), ResNet-18:
#   bash experiments/clup.sh clup_rafdb_expw configs/clup/clup_resnet18-swav-s1_1xb32-50e_rafdb-to-expw.py
# source model (recipe A, 100 epochs) -> SwAV on ExpW train (1000 epochs, 4 GPUs) ->
# pseudo-labels -> the student (50 epochs, mixup, 160 px). Put the datasets in data/ first
# (data/README.md); a finished stage is reused, an interrupted one resumed.
_base_ = ['../_base_/datasets/expw.py', './_base_/clup_resnet18-swav-s1_1xb32-50e.py']
pipeline = [
    dict(name='source', into=None, checkpoint='best',
         config='configs/source_only/source-only_resnet18_1xb64-recipeA-100e_rafdb.py'),
    dict(name='swav', checkpoint='last', into='model.backbone.checkpoint',
         config='configs/clup/swav_resnet18-swav-s1_4xb64-lars-1000e_expw.py'),
    dict(name='pseudo_labels', checkpoint='pseudo_labels.pt',
         into='train_dataloader.dataset.labels_file', needs={'load_from': 'source'},
         options={'test_cfg.num_clusters': 250, 'test_cfg.fraction': 0.3},
         config='configs/clup/pseudo-labels_resnet18_expw.py'),
]
# The selected target train faces with recipe A's augmentation (pipeline A of the source
# model, 160 px); the selection's size is arbitrary, and a last batch of one sample would
# stop BN training, so the incomplete last batch of an epoch is dropped.
train_dataloader = dict(batch_size=32, drop_last=True, dataset=dict(
    _delete_=True, type='PseudoLabelDataset', labels_file=None, soft=False,
    dataset=_base_.train_dataloader.dataset))
# Evaluated every epoch on the target test split only: the primary number is the last
# epoch, the best epoch by target labels is the oracle, reported separately.
val_dataloader = dict(dataset=dict(reader=dict(split='test')))
val_evaluator = dict(prefix='expw_test', label_free=['entropy', 'im', 'snd'])
val_cfg = dict(_delete_=True, type='MultiDatasetValLoop')
test_dataloader = val_dataloader
test_evaluator = val_evaluator
test_cfg = dict(_delete_=True, type='MultiDatasetTestLoop', checkpoint='current')
# the label-free criteria (entropy, IM, SND) at every epoch; LabelFreeSelectionHook reports
# the epoch each would select (docs/results.md §4)
custom_hooks = [dict(type='OracleTracker', target_prefixes=['expw_test']),
                dict(type='LabelFreeSelectionHook', target_prefixes=['expw_test'])]
