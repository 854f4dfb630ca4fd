# The fast demo's CluP row (`ferda demo`; the 30-epoch ResNet-18 student is `ferda demo
# --full`): the source-initialised CluP student of the full demo (same pseudo-label recipe,
# lr 0.01, cosine) for 20 epochs instead of 30, on the fast demo's slim ResNet (its source
# model's architecture), evaluated on wild test at epochs 5, 10, 15 and 20 (the primary
# number is the last epoch; the oracle picks among the four).
_base_ = ['../clup/clup_resnet18_1xb32-source-init-30e_synfer-lab-to-wild.py',
          '../_base_/models/resnet10-half.py']
# the same stages on the fast demo's source and pseudo-label configs
pipeline = [
    dict(_base_.pipeline[0], config='configs/demo/'
         'source-only_resnet10-half_1xb64-scratch-30e_synfer-lab-to-wild-lowres.py'),
    dict(_base_.pipeline[1], config='configs/demo/'
         'pseudo-labels_resnet10-half_k28-r0.3_synfer-lab-to-wild.py'),
]
_epochs = 20
model = dict(backbone=_base_._resnet10_half)
param_scheduler = [dict(type='CosineAnnealingLR', T_max=_epochs, eta_min=0.0, by_epoch=True)]
train_cfg = dict(max_epochs=_epochs, val_interval=5)
default_hooks = dict(checkpoint=dict(interval=5))
# one CPU thread: this small network does not split well between threads (docs/engine.md §2)
env_cfg = dict(num_threads=1)
