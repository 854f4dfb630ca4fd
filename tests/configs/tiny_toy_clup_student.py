# The tiny CluP student with nothing that depends on the number of processes, for the
# 1-vs-2-process training test: the BN-free ToyConvBackbone (tests/hooks.py) from random
# init, no random augmentation, whole batches (drop_last), and mixup off, since mixup
# pairs each sample with one of its own process's batch (the pairs of a 2-process run
# are not those of 1 process; the lambda of a step is the same on every rank).
_base_ = ['./tiny_clup_student.py']
custom_imports = dict(imports=['tests.hooks'], allow_failed_imports=False)
model = dict(backbone=dict(_delete_=True, type='ToyConvBackbone', out_dim=16), mixup_alpha=None)
train_dataloader = dict(dataset=dict(dataset=dict(
    pipeline=[dict(type='TVResize', size=(32, 32), antialias=True)])))
default_hooks = dict(checkpoint=dict(max_keep_ckpts=-1))
