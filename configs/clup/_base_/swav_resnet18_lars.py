# CluP stage 2 (clup.md §3): SwAV on the unlabelled target train faces. ResNet-18 + projector
# to 128-d, prototypes, swapped prediction between the two global crops (Sinkhorn, eps 0.05,
# 3 iterations; temperature 0.1); LARS (timm) around SGD with momentum 0.9, trust coefficient
# 0.001, no clipping, wd 1e-6. A SwAV config sets the sizes (stem, projector width,
# prototypes, queue, crops), the schedule (epochs, lr: cosine per iteration to lr / 1000)
# and its data.
_base_ = ['../../_base_/default_runtime.py']
model = dict(
    type='SwAV',
    backbone=dict(type='TimmBackbone', name='resnet18', pretrained=False),
    out_dim=128,
    temperature=0.1,
    epsilon=0.05,
    sinkhorn_iters=3,
    assign_crops=(0, 1),
)
# the transforms of every crop between its RandomResizedCrop and its GaussianBlur
_swav_colour = [
    dict(type='TVRandomHorizontalFlip', p=0.5),
    dict(type='TVRandomApply', p=0.8, transforms=[
        dict(type='TVColorJitter', brightness=0.8, contrast=0.8, saturation=0.8, hue=0.2)]),
    dict(type='TVRandomGrayscale', p=0.2),
]
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(
    type='Lars', momentum=0.9, weight_decay=1e-6, trust_coeff=0.001, trust_clip=False))
train_cfg = dict(type='EpochBasedTrainLoop')
default_hooks = dict(checkpoint=dict(max_keep_ckpts=1, save_best=None))
# the queue (and its fill counter) of every rank is part of the checkpoint
custom_hooks = [dict(type='MethodStateHook')]
