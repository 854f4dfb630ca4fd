# CluP, RAF-DB -> FER2013 (clup.md §3: K = 1000, r = 0.2), ResNet-18:
#   bash experiments/clup.sh clup_rafdb_fer2013 configs/clup/clup_resnet18-swav-s1_1xb32-50e_rafdb-to-fer2013.py
# As RAF-DB -> ExpW with FER2013 as the target (its SwAV, pseudo-labels, train/test).
_base_ = ['./clup_resnet18-swav-s1_1xb32-50e_rafdb-to-expw.py']
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
_reader = dict(_delete_=True, type='Fer2013CsvReader', data_root='data/fer2013')
train_dataloader = dict(dataset=dict(dataset=dict(reader=dict(_reader, split='train'))))
val_dataloader = dict(dataset=dict(reader=dict(_reader, split='test')))
test_dataloader = val_dataloader
val_evaluator = dict(prefix='fer2013_test')
test_evaluator = val_evaluator
custom_hooks = [dict(type='OracleTracker', target_prefixes=['fer2013_test'])]
