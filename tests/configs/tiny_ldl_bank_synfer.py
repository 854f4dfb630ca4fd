# The tiny LDL SynFER test config in bank mode, 3 epochs with the bank refreshed before
# epochs 0 and 2 (interval 2), so a resume at epoch 1 must continue from the saved bank.
_base_ = ['./tiny_ldl_synfer.py']
model = dict(neighbour_source='bank')
train_cfg = dict(max_epochs=3)
train_dataloader = dict(dataset=dict(neighbour_views=False))
custom_hooks = [
    dict(type='LDLSetupHook'),
    dict(type='LDLBankRefreshHook', interval=2, test_pipeline=_base_._test_pipeline,
         batch_size=16),
    dict(type='MethodStateHook'),
]
# keep every epoch's checkpoint (the tests compare epoch_1.pth of two runs)
default_hooks = dict(checkpoint=dict(max_keep_ckpts=3))
