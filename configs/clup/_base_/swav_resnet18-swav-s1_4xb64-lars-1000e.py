# CluP stage 2 on real data (clup.md §3, our FER default): ResNet-18 with the stride-1 SwAV
# stem, 512-2048-128 projector, 5000 prototypes, 2 x 160 px (scale 0.14-1) + 6 x 64 px
# (0.05-0.14) crops, queue of 3840 from epoch 15, LARS lr 0.6 -> 0.0006 at a global batch of
# 256 (4 GPUs x 64), wd 1e-6, 1000 epochs, SyncBN (run with --amp for fp16). A config on it
# adds its target's dataset base, `_swav_multi_crop` as the train pipeline and the number of
# iterations with frozen prototypes (one epoch).
_base_ = ['./swav_resnet18_lars.py']
_epochs = 1000
model = dict(backbone=dict(stem='swav_s1'), hidden_dim=2048, num_prototypes=5000,
             queue_length=3840, queue_start_epoch=15)
sync_bn = 'torch'


def _crop(size, scale, blur_kernel):
    return [dict(type='TVRandomResizedCrop', size=size, scale=scale, antialias=True),
            *_base_._swav_colour,
            dict(type='TVRandomApply', p=0.5, transforms=[
                dict(type='TVGaussianBlur', kernel_size=blur_kernel, sigma=(0.1, 2.0))])]


_swav_multi_crop = dict(type='MultiCrop', crops=[
    dict(num=2, pipeline=_crop(160, (0.14, 1.0), 17)),
    dict(num=6, pipeline=_crop(64, (0.05, 0.14), 7)),
])
_lr = 0.6
optim_wrapper = dict(optimizer=dict(lr=_lr))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=_epochs, eta_min=_lr / 1000,
                        by_epoch=True, convert_to_iter_based=True)]
train_cfg = dict(max_epochs=_epochs)
default_hooks = dict(checkpoint=dict(interval=10))
