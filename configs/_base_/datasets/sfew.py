# SFEW 2.0 (datasets.md §3), official aligned faces or CD-FER's copy cropped by its
# Annotations/Bboxs (layout='auto' picks by the folders found): train = Train, test = Val
# (the Test labels are private). SFEW is a target only in the literature: val = the official
# Val folder, i.e. the test split. Selecting the checkpoint on it therefore uses test labels
# (an oracle choice, source-only.md §2.7). The same split is also reported as `sfew_test`, like
# every dataset.
_base_ = ['./recipeA_160px.py']
_data_root = 'data/sfew'
_reader = dict(type='SfewReader', data_root=_data_root)

train_dataloader = dict(dataset=dict(reader=dict(_reader, split='train')))
val_dataloader = dict(dataset=dict(reader=dict(_reader, split='test')))
test_dataloader = val_dataloader
val_evaluator = dict(prefix='sfew_val')
test_evaluator = val_evaluator
_test = dict(_base_.val_dataloader,
             dataset=dict(_base_.val_dataloader.dataset, reader=dict(_reader, split='test')))
val_cfg = dict(extra_dataloaders=dict(sfew_test=_test))
test_cfg = val_cfg
