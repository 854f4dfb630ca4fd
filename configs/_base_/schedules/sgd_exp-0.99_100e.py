# Recipe A: SGD lr 0.01, no momentum, no weight decay; lr_e = 0.01 * 0.99^e per epoch.
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='SGD', lr=0.01, momentum=0.0, weight_decay=0.0))
param_scheduler = [dict(type='ExponentialLR', gamma=0.99, by_epoch=True)]
# Re-runs the validation a kill interrupted, so a resumed run selects as an
# uninterrupted one would (basicda/engine/loops/epoch_loop.py).
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=100, val_interval=1)
