# DVSCL pre-training (docs/dvscl.md §2): two ResNet-18 v1 encoders at width 0.5 (RGB, depth),
# 128-d unit embeddings, cross-view memory banks with K negatives, T = 0.05, m = 0.5, the
# symmetric softmax criterion; SGD lr 3e-3, momentum 0.9, wd 1e-4, x0.1 after epochs 160 and 200
# (ferda/methods/dvscl/schedules.py). A dataset config sets the pool, the crop and K.
_base_ = ['../../_base_/default_runtime.py']
# RGB statistics of the reference on a 0-255 scale; depth is channel 0 (mean 0.0423, std 0.1761)
_rgb_norm = dict(mean=[113.58, 114.09, 114.85], std=[114.09, 114.88, 114.80])
_depth_norm = dict(mean=[10.79] * 3, std=[44.91] * 3)
model = dict(
    type='DVSCLModel',
    encoder=dict(type='ResNetV1Encoder', width=0.5),
    feat_dim=128, nce_k=2048, nce_t=0.05, nce_m=0.5,
    criterion='softmax', softmax_compat='fixed',
    data_preprocessor=dict(type='MultiViewDataPreprocessor',
                           views=dict(rgb=_rgb_norm, depth=_depth_norm)))
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='SGD', lr=3e-3, momentum=0.9, weight_decay=1e-4))
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[160, 200], gamma=0.1)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=240)
val_cfg = None
test_cfg = None
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=2, save_best=None))
# the bank is built over the training pool before the run; banks, Z and the negative
# generator's position go to checkpoint['method_state']
custom_hooks = [dict(type='DVSCLBankHook'), dict(type='MethodStateHook')]

# shared geometry for both views (a centre crop of the dataset's size first, then this flip);
# photometric steps on RGB only (docs/dvscl.md §2)
_rgb_photometric = dict(type='PerView', pipelines=dict(rgb=[
    dict(type='TVRandomGrayscale', p=0.2),
    dict(type='TVColorJitter', brightness=0.4, contrast=0.4, saturation=0.4, hue=0.4)]))
_flip = dict(type='TVRandomHorizontalFlip', p=0.5)
