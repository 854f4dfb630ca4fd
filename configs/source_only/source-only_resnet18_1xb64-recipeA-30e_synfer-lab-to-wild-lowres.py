# Source-only, recipe A (ResNet-18, weight-normalised linear head, strong affine +
# colour augmentation, SGD with exponential decay) on SynFER lab -> wild, lowres.
# CPU-sized: 64 px inputs, 30 epochs (synfer.md), instead of 160 px / 100 epochs.
_base_ = [
    '../_base_/models/resnet18_linear-wn.py',
    '../_base_/datasets/synfer_lab-to-wild-lowres.py',
    '../_base_/schedules/sgd_exp-0.99_100e.py',
    '../_base_/default_runtime.py',
]
train_cfg = dict(max_epochs=30)
