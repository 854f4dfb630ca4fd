# The tiny source-only run with nothing that depends on the number of processes, for
# the 1-vs-2-process training tests: the BN-free ToyConvBackbone (tests/hooks.py), no
# random augmentation, and whole batches only. DefaultSampler gives rank r the samples
# r, r + 2, ... of the one shuffled order, so with 2 processes of batch 4 the batch of
# step t is, as a set, the 1-process batch of 8 of step t.
_base_ = ['./tiny_source-only_synfer.py']
custom_imports = dict(imports=['tests.hooks'], allow_failed_imports=False)
model = dict(backbone=dict(_delete_=True, type='ToyConvBackbone', out_dim=16))
train_dataloader = dict(batch_size=8, drop_last=True, dataset=dict(
    pipeline=[dict(type='TVResize', size=(32, 32), antialias=True)]))
default_hooks = dict(checkpoint=dict(max_keep_ckpts=-1))
