# CluP stage 2 on real data: SwAV on the unlabelled ExpW train faces (the recipe of
# _base_/swav_resnet18-swav-s1_4xb64-lars-1000e.py).
_base_ = ['../_base_/datasets/expw.py', './_base_/swav_resnet18-swav-s1_4xb64-lars-1000e.py']
# one epoch of frozen prototypes: ExpW train (~73k faces) / 256 per step
model = dict(freeze_prototypes_iters=285)
# the train split's images only (the reader's labels are never used), as multi-crops; 64 per
# GPU, the last incomplete batch dropped
train_dataloader = dict(num_workers=8, drop_last=True,
                        dataset=dict(pipeline=[_base_._swav_multi_crop]))
val_dataloader = None
val_evaluator = None
val_cfg = None
test_dataloader = None
test_evaluator = None
test_cfg = None
