# The tiny LDL SynFER test config in bank mode (bank refreshed before every epoch).
_base_ = ['./tiny_ldl_synfer.py']
model = dict(neighbour_source='bank')
train_dataloader = dict(dataset=dict(neighbour_views=False))
custom_hooks = [
    dict(type='LDLSetupHook'),
    dict(type='LDLBankRefreshHook', interval=1, test_pipeline=_base_._test_pipeline,
         batch_size=16),
    dict(type='MethodStateHook'),
]
