# LDL on SynFER lab, CPU-sized, bank neighbour mode (docs/ldl.md §7): the online CPU config with
# the neighbours' features and predictions read from a bank refilled before every epoch.
# Run with `bash experiments/ldl.sh EXP <this config>`.
_base_ = ['./ldl_resnet18_1xb32-8e-cpu_synfer-lab.py']
model = dict(neighbour_source='bank')
train_dataloader = dict(dataset=dict(neighbour_views=False))
custom_hooks = [
    dict(type='LDLSetupHook'),
    dict(type='LDLBankRefreshHook', interval=1, test_pipeline=_base_._test_pipeline,
         batch_size=128),
    dict(type='MethodStateHook'),
]
