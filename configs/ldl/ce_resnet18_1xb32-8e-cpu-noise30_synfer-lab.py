# The plain cross-entropy baseline of the LDL noise study (docs/ldl.md §7): the same ResNet-18,
# 64 px, anchor augmentation (flip, pad-crop, random erasing), Adam schedule and 30 %-noisy
# SynFER lab labels as `ldl_resnet18_1xb32-8e-cpu-bank-noise30_synfer-lab.py`, trained on the
# given labels with cross-entropy only (no neighbours, no trust, no centres).
# Run with `bash experiments/train.sh EXP <this config>`.
_base_ = ['./ldl_resnet18_1xb32-8e-cpu-bank-noise30_synfer-lab.py']
model = dict(_delete_=True, **_base_.model.classifier)
model_wrapper_cfg = None
train_dataloader = dict(
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(_delete_=True, **dict(
        _base_._lab_train, pipeline=_base_._anchor_pipeline,
        reader=dict(_base_._lab_train.reader, reader=dict(_base_._lab_train.reader.reader,
                                                          label_file=_base_._label_file)))))
custom_hooks = []
