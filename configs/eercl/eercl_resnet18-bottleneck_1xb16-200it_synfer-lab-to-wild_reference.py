# EERCL on SynFER lab -> wild with every reference behaviour of docs/eercl.md §4 that we
# switch (the sizes of eercl_resnet18-bottleneck_1xb16-200it_synfer-lab-to-wild.py):
# refresh on randomly weak-augmented images, drop_last in the bank fill (rows left as N(0, 1)),
# self removed by dropping the first of the top K + 1, empty prototypes as zero vectors,
# AaD gradient 1/G of the single-process objective, queues started as N(0, 1) negatives,
# ring overflow dropped, mmcls magnitude semantics in RandRange-Aug.
# Not switchable here: refresh_resets_epoch, select='oracle', protocol='transductive'.
_base_ = ['./eercl_resnet18-bottleneck_1xb16-200it_synfer-lab-to-wild.py']
model = dict(
    aad=dict(world_scaling=False, self_exclusion='drop_first'),
    pseudo_label=dict(empty_prototype='zero'),
    infonce=dict(queue_init='randn', queue_overflow='drop'))
_strong = [dict(t, magnitude_semantics='mmcls') if t['type'] == 'TVRandRangeAug' else t
           for t in _base_._strong_pipeline]
train_dataloader = dict(dataset=dict(views=[_strong, _strong, _base_._weak_pipeline]))
custom_hooks = [
    dict(type='BankRefreshHook', interval=50, refresh_pipeline='weak', bank_fill_drop_last=True,
         batch_size=128),
    dict(type='MethodStateHook'),
    dict(type='OracleTracker', target_prefixes=['wild_test']),
    dict(type='LabelFreeSelectionHook', target_prefixes=['wild_test']),
]
