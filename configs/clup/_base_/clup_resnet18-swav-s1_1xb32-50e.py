# CluP stage 3b, the student (clup.md §3): ResNet-18 with the stride-1 SwAV stem, initialised
# from the SwAV backbone (strict, backbone.* keys only; its stem and architecture are checked
# against the file's meta), a fresh linear head, mixup (alpha 0.2) on the selected
# pseudo-labels, nesterov SGD 0.1 with cosine decay over 50 epochs.
# No dataloader keys: a student config inherits its target's dataset base and this file,
# wraps the target train split in PseudoLabelDataset and evaluates the target test split.
_base_ = ['../../_base_/default_runtime.py']
_epochs = 50
model = dict(
    type='MixupClassifier',
    num_classes=7,
    class_names=('Surprise', 'Fear', 'Disgust', 'Happiness', 'Sadness', 'Anger', 'Neutral'),
    backbone=dict(type='TimmBackbone', name='resnet18', pretrained=False, stem='swav_s1',
                  checkpoint=None),
    # the reference's mlp_head=True: head=dict(type='MLPClsHead', hidden_dim=128)
    head=dict(type='LinearClsHead', weight_norm=False),
    mixup_alpha=0.2,
    mixaug_alpha=0.0,
    data_preprocessor=dict(type='ImgDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375]),
)
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(
    type='SGD', lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=_epochs, eta_min=0.0, by_epoch=True)]
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=_epochs, val_interval=1)
# the primary number is the last epoch: no label-free selector exists without source data
default_hooks = dict(checkpoint=dict(save_best=None))
