# The SynFER lowres active-learning config shrunk for tests: the BN-free ToyConvBackbone of
# tests/hooks.py instead of ResNet-18, at most 2 epochs per round. Reads data/synfer relative
# to the working directory (the tests chdir into a temp dir holding a tiny SynFER: a pool of
# 42, so 4 labels, then +2 per round up to 16).
_base_ = ['../../configs/active/al-margin_cifar-resnet18_1xb20-scratch-7pt_synfer-lowres.py']
custom_imports = dict(imports=['tests.hooks'], allow_failed_imports=False)
model = dict(backbone=dict(_delete_=True, type='ToyConvBackbone', out_dim=16, width=8))
train_dataloader = dict(batch_size=4)
train_cfg = dict(round_epochs=2)
default_hooks = dict(logger=dict(interval=1))
randomness = dict(seed=0, deterministic=True)
