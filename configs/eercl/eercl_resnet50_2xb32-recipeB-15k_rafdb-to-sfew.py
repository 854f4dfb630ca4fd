# EERCL, RAF-DB -> SFEW 2.0: adapt on SFEW Train, report SFEW Val (its test split) and the
# RAF-DB test list.
# Selection: the last iteration; the best sfew_test point is the separately reported oracle.
_base_ = ['../_base_/datasets/sfew.py', './_base_/eercl_resnet50_2xb32-recipeB-15k.py']
pipeline = [dict(name='source', config='configs/eercl/source_resnet50-bottleneck_1xb128-'
                 'recipeB-20k_rafdb.py', checkpoint='best', into='model.source_checkpoint')]
_target = 'sfew'

train_dataloader = dict(
    _base_.eercl_train_loader, _delete_=True,
    dataset=dict(_base_.eercl_views,
                 dataset=dict(_base_.train_dataloader.dataset, pipeline=[])))
val_dataloader = dict(dataset=dict(pipeline=_base_.eercl_test_pipeline))
test_dataloader = val_dataloader
# the source list (labels used for reporting only)
_source_test = dict(_base_.val_dataloader, dataset=dict(
    _base_.val_dataloader.dataset, pipeline=_base_.eercl_test_pipeline,
    reader=dict(type='RafDbReader', data_root='data/rafdb',
                val_split_file='data/splits/rafdb_val_seed0.txt', split='test')))
_extra = {f'{_target}_test': dict(dataset=dict(pipeline=_base_.eercl_test_pipeline)),
          'rafdb_test': _source_test}
val_cfg = dict(extra_dataloaders=_extra)
test_cfg = dict(extra_dataloaders=_extra, checkpoint='current')
custom_hooks = [
    dict(type='BankRefreshHook', interval=50, test_pipeline=_base_.eercl_test_pipeline,
         batch_size=128, num_workers=4),
    dict(type='MethodStateHook'),
    dict(type='OracleTracker', target_prefixes=[f'{_target}_test']),
]
