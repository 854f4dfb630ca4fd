# EERCL, RAF-DB -> FER2013: adapt on FER2013 Training, report PrivateTest and the RAF-DB
# test list (for comparison with CluP).
# Selection: the last iteration; the best fer2013_test point is the separately reported oracle.
_base_ = ['../_base_/datasets/fer2013.py', './_base_/eercl_resnet50_2xb32-recipeB-15k_rafdb.py']
_target = 'fer2013'
# the target train split in EERCL's three views (they hold every transform); every
# evaluated split at EERCL's test size: the target's val and test splits and the source list
train_dataloader = dict(_base_._eercl_train_loader, _delete_=True, dataset=dict(
    _base_._eercl_views, dataset=dict(_base_.train_dataloader.dataset, pipeline=[])))
val_dataloader = dict(dataset=dict(pipeline=_base_._eercl_test_pipeline))
test_dataloader = val_dataloader
_extra = {f'{_target}_test': dict(dataset=dict(pipeline=_base_._eercl_test_pipeline)),
          **_base_._eercl_source_test}
val_cfg = dict(extra_dataloaders=_extra)
test_cfg = dict(extra_dataloaders=_extra, checkpoint='current')
# entropy, IM and SND of every evaluated split's predictions (no labels); the
# LabelFreeSelectionHook reports the point each criterion would select (docs/results.md §4)
val_evaluator = dict(label_free=['entropy', 'im', 'snd'])
custom_hooks = _base_.custom_hooks + [
    dict(type='OracleTracker', target_prefixes=[f'{_target}_test']),
    dict(type='LabelFreeSelectionHook', target_prefixes=[f'{_target}_test'])]
