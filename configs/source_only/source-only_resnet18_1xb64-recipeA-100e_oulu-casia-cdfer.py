# Source-only, recipe A (ResNet-18, weight-normalised linear head, strong affine + colour
# augmentation at 160 px, SGD with exponential decay, 100 epochs) on CD-FER's Oulu-CASIA list
# (labels already canonical); the dataset base says which split selects the checkpoint.
_base_ = [
    '../_base_/models/resnet18_linear-wn.py',
    '../_base_/datasets/oulu-casia-cdfer.py',
    '../_base_/schedules/sgd_exp-0.99_100e.py',
    '../_base_/default_runtime.py',
]
