# CluP, RAF-DB -> FER2013 (clup.md §3: K = 1000, r = 0.2), ResNet-18:
#   bash experiments/clup.sh clup_rafdb_fer2013 configs/clup/clup_resnet18-swav-s1_1xb32-50e_rafdb-to-fer2013.py
# As RAF-DB -> ExpW with FER2013 as the target (its SwAV, pseudo-labels, train/test).
_base_ = ['../_base_/datasets/fer2013.py', './_base_/clup_resnet18-swav-s1_1xb32-50e.py']
pipeline = [
    dict(name='source', into=None, checkpoint='best',
         config='configs/source_only/source-only_resnet18_1xb64-recipeA-100e_rafdb.py'),
    dict(name='swav', checkpoint='last', into='model.backbone.checkpoint',
         config='configs/clup/swav_resnet18-swav-s1_4xb64-lars-1000e_fer2013.py'),
    dict(name='pseudo_labels', checkpoint='pseudo_labels.pt',
         into='train_dataloader.dataset.labels_file', needs={'load_from': 'source'},
         options={'test_cfg.num_clusters': 1000, 'test_cfg.fraction': 0.2},
         config='configs/clup/pseudo-labels_resnet18_fer2013.py'),
]
# as RAF-DB -> ExpW: the selected train faces (pipeline A, last incomplete batch dropped),
# evaluation on the test split (PrivateTest) only
train_dataloader = dict(batch_size=32, drop_last=True, dataset=dict(
    _delete_=True, type='PseudoLabelDataset', labels_file=None, soft=False,
    dataset=_base_.train_dataloader.dataset))
val_dataloader = dict(dataset=dict(reader=dict(split='test')))
val_evaluator = dict(prefix='fer2013_test', label_free=['entropy', 'im', 'snd'])
val_cfg = dict(_delete_=True, type='MultiDatasetValLoop')
test_dataloader = val_dataloader
test_evaluator = val_evaluator
test_cfg = dict(_delete_=True, type='MultiDatasetTestLoop', checkpoint='current')
# the label-free criteria (entropy, IM, SND) at every epoch; LabelFreeSelectionHook reports
# the epoch each would select (docs/results.md §4)
custom_hooks = [dict(type='OracleTracker', target_prefixes=['fer2013_test']),
                dict(type='LabelFreeSelectionHook', target_prefixes=['fer2013_test'])]
