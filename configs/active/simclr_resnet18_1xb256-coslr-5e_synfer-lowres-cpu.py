# SimCLR pre-training sized for a CPU (docs/active-learning.md §7.5): ResNet-18 with its
# default stem (as the CPU active-learning configs), batch 256, 5 epochs with a 1-epoch
# warm-up, lr 0.5 scaled linearly to the batch (0.125).
_base_ = ['./_base_/simclr_resnet18_synfer-lowres.py']
_epochs = 5
_batch = 256
_lr = 0.5 * _batch / 1024
model = dict(backbone=dict(stem='default'))
train_dataloader = dict(batch_size=_batch)
optim_wrapper = dict(optimizer=dict(lr=_lr))
param_scheduler = [dict(type='SimCLRLR', epochs=_epochs, warm_epochs=1, warm_from=0.01,
                        by_epoch=True, convert_to_iter_based=True)]
train_cfg = dict(max_epochs=_epochs)
