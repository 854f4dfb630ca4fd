# DVSCL pre-training shrunk for tests: SynFER micro read from data/synfer/micro (relative to the
# working directory), K = 16, batch 16, 2 epochs, every checkpoint kept, deterministic.
_base_ = ['../../configs/dvscl/dvscl_resnet18v1-w0.5_1xb32-softmax-k64-5e_synfer-micro.py']
model = dict(nce_k=16)
train_dataloader = dict(batch_size=16)
train_cfg = dict(max_epochs=2)
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[1], gamma=0.1)]
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=3), logger=dict(interval=1))
randomness = dict(seed=0, deterministic=True)
