# SimCLR pre-training of the CPU active-learning study's slim ResNet
# (configs/_base_/models/resnet10-half.py, default stem; docs/active-learning.md §10):
# batch 256 as simclr_resnet18_1xb256-coslr-5e_synfer-lowres-cpu.py (lr 0.5 scaled linearly
# to the batch), 50 epochs with a 5-epoch warm-up.
_base_ = ['./simclr_resnet18_1xb256-coslr-5e_synfer-lowres-cpu.py',
          '../_base_/models/resnet10-half.py']
_epochs = 50
model = dict(backbone=_base_._resnet10_half)
param_scheduler = [dict(type='SimCLRLR', epochs=_epochs, warm_epochs=5, warm_from=0.01,
                        by_epoch=True, convert_to_iter_based=True)]
train_cfg = dict(max_epochs=_epochs)
