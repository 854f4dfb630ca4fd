# CluP on SynFER lab -> lowres, end to end (see the lab -> wild config).
_base_ = ['./clup_resnet18_1xb32-swav-30e_synfer-lab-to-wild.py']
pipeline = [
    dict(name='source', into=None, checkpoint='best',
         config='configs/source_only/'
         'source-only_resnet18_1xb64-scratch-30e_synfer-lab-to-wild-lowres.py'),
    dict(name='swav', checkpoint='last', into='model.backbone.checkpoint',
         config='configs/clup/swav_resnet18_1xb64-lars-10e_synfer-lowres.py'),
    dict(name='pseudo_labels', checkpoint='pseudo_labels.pt',
         into='train_dataloader.dataset.labels_file', needs={'load_from': 'source'},
         config='configs/clup/pseudo-labels_resnet18_k65-r0.2_synfer-lab-to-lowres.py'),
]
_lowres = dict(_delete_=True, type='Fer2013CsvReader',
               data_root='{{$SYNFER_ROOT:data/synfer}}/lowres')
train_dataloader = dict(dataset=dict(dataset=dict(reader=dict(_lowres, split='train'))))
val_dataloader = dict(dataset=dict(reader=dict(_lowres, split='test')))
test_dataloader = val_dataloader
val_evaluator = dict(prefix='lowres_test')
test_evaluator = val_evaluator
custom_hooks = [dict(type='OracleTracker', target_prefixes=['lowres_test']),
                dict(type='LabelFreeSelectionHook', target_prefixes=['lowres_test'])]
