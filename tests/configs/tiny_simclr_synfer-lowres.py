# The SimCLR pre-training config shrunk for tests: the BN-free ToyConvBackbone of
# tests/hooks.py, batch 8, 2 epochs with a 1-epoch warm-up, every epoch checkpointed.
# Reads data/synfer relative to the working directory (a tiny SynFER: a pool of 42).
_base_ = ['../../configs/active/simclr_resnet18_1xb256-coslr-5e_synfer-lowres-cpu.py']
custom_imports = dict(imports=['tests.hooks'], allow_failed_imports=False)
model = dict(backbone=dict(_delete_=True, type='ToyConvBackbone', out_dim=16, width=8),
             hidden_dim=16, out_dim=8)
train_dataloader = dict(batch_size=8)
param_scheduler = [dict(type='SimCLRLR', epochs=2, warm_epochs=1, warm_from=0.01,
                        by_epoch=True, convert_to_iter_based=True)]
train_cfg = dict(max_epochs=2)
default_hooks = dict(logger=dict(interval=1))
randomness = dict(seed=0, deterministic=True)
