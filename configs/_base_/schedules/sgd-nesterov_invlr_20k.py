# Recipe B: nesterov SGD 1e-3, wd 1e-2, head x10; lr_t = lr (1 + 0.005 t)^-0.75 per iteration.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=1e-3, momentum=0.9, nesterov=True, weight_decay=1e-2),
    paramwise_cfg=dict(custom_keys=dict(head=dict(lr_mult=10.0))))
param_scheduler = [dict(type='InvLR', gamma=0.005, power=0.75, by_epoch=False)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=20000, val_interval=500)
# Iteration-based: a config using this schedule also sets
# log_processor = dict(by_epoch=False) and default_hooks.checkpoint.by_epoch=False.
