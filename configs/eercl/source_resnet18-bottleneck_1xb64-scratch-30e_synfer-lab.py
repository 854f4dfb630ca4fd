# EERCL's SynFER source model: a CPU-sized recipe-B variant (eercl.md §2.1, source-only.md
# §2.2): ResNet-18 from random init -> 256-d bottleneck + BN -> weight-normalised classifier,
# label smoothing 0.1, 64 px. Recipe B's learning rates (1e-3 backbone, x10 head) do not
# train from scratch on SynFER, so the optimisation is the measured from-scratch schedule of
# configs/source_only/source-only_resnet18_1xb64-scratch-30e_synfer-lab-to-wild-lowres.py
# (calibrated augmentation of the dataset base, nesterov SGD 0.1, 3 warm-up epochs, cosine).
# The label-free best (lab_val/accuracy) checkpoint initialises the EERCL student and teacher.
_base_ = [
    '../_base_/models/resnet50_bottleneck-wn.py',
    '../_base_/datasets/synfer_lab-to-wild-lowres.py',
    '../_base_/schedules/sgd_exp-0.99_100e.py',
    '../_base_/default_runtime.py',
]
model = dict(backbone=dict(name='resnet18'))
_epochs = 30
_warmup = 3
train_cfg = dict(max_epochs=_epochs)
optim_wrapper = dict(optimizer=dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.04, by_epoch=True, begin=0, end=_warmup,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=_epochs - _warmup, eta_min=0.0, by_epoch=True,
         begin=_warmup, end=_epochs, convert_to_iter_based=True),
]
