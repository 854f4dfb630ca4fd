# The plain cross-entropy baseline of the LDL noise study (docs/ldl.md §7), clean labels: the
# network, 64 px anchor augmentation (flip, pad-crop, random erasing), Adam schedule, 8 epochs
# and evaluation of `ldl_resnet18_1xb32-8e-cpu-bank_synfer-lab.py`, trained with cross-entropy
# on the given labels only (no neighbours, no trust, no centres). Its `-noiseNN` siblings read
# a `ferda noise` copy of the labels.
# Run with `bash experiments/train.sh EXP <this config>`.
_base_ = ['./ldl_resnet18_1xb32-8e-cpu-bank_synfer-lab.py']
model = dict(_delete_=True, **_base_.model.classifier)
model_wrapper_cfg = None
train_dataloader = dict(
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(_delete_=True, **dict(_base_._lab_train, pipeline=_base_._anchor_pipeline)))
custom_hooks = []
