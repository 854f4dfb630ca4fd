# The SynFER lowres active-learning run sized for a CPU: ResNet-18 with its default stem
# (stride-2 conv + max-pool, 4x4 maps at layer4 instead of the CIFAR stem's 6x6 and ~10x
# fewer FLOPs at 48 px) and at most 10 epochs per round; everything else as the base config
# (docs/active-learning.md §5).
_base_ = ['./al-margin_cifar-resnet18_1xb20-scratch-7pt_synfer-lowres.py']
model = dict(backbone=dict(stem='default'))
train_cfg = dict(round_epochs=10)
