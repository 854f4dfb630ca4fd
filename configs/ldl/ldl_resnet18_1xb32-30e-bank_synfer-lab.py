# LDL on SynFER lab in bank mode (docs/ldl.md): the neighbours' features and predictions are
# read from a bank refilled before every epoch by one eval-mode pass over the training set
# (test transforms), instead of K extra forwards per sample and step. Otherwise identical to
# the online config. Run with `bash experiments/ldl.sh EXP <this config> [GPUS]`.
_base_ = ['./ldl_resnet18_1xb32-30e_synfer-lab.py']
model = dict(neighbour_source='bank')
train_dataloader = dict(dataset=dict(neighbour_views=False))
custom_hooks = [
    dict(type='LDLSetupHook'),
    dict(type='LDLBankRefreshHook', interval=1, test_pipeline=_base_._test_pipeline,
         batch_size=128),
    dict(type='MethodStateHook'),
]
